/** Words per dispatch's uniform block, at most: 256 bytes, the usual offset alignment. */
export const MAX_UNIFORM_WORDS = 64;
const SLOTS_PER_CHUNK = 64;

/** One uniform buffer and its host mirror, filled slot by slot during an encoder's recording. */
interface Chunk {
  buffer: GPUBuffer;
  host: Uint32Array;
  used: number;
}

/**
 * Per-dispatch uniforms (sizes, strides, activation parameters) without per-dispatch buffers or
 * writes. Each dispatch gets its own slot of a chunk (never a slot another dispatch of the same
 * encoder reads: a queue write would change it under both); slots are filled on the host and
 * each used chunk is written with one queue.writeBuffer just before the encoder is submitted.
 * After submission the chunks are free again: later writes are ordered after that submission.
 */
export class UniformArena {
  readonly #stride: number;
  #free: Chunk[] = [];
  #used: Chunk[] = [];
  #current: Chunk | null = null;

  constructor(private readonly device: GPUDevice) {
    this.#stride = Math.max(256, device.limits.minUniformBufferOffsetAlignment);
  }

  /** A binding holding `words` (u32 values; floats as their bits, see f32bits). */
  slot(words: ArrayLike<number>): GPUBufferBinding {
    if (words.length > MAX_UNIFORM_WORDS) throw new RangeError(`uniform block of ${words.length} words exceeds ${MAX_UNIFORM_WORDS}`);
    let c = this.#current;
    if (!c || c.used === SLOTS_PER_CHUNK) {
      c = this.#free.pop() ?? this.#newChunk();
      c.used = 0;
      this.#used.push(c);
      this.#current = c;
    }
    const offset = c.used * this.#stride;
    c.host.set(words, offset / 4);
    c.used++;
    return { buffer: c.buffer, offset, size: MAX_UNIFORM_WORDS * 4 };
  }

  /** Writes the slots filled since the last submission; call right before queue.submit. */
  upload(queue: GPUQueue): void {
    for (const c of this.#used) queue.writeBuffer(c.buffer, 0, c.host.buffer, 0, c.used * this.#stride);
  }

  /** After queue.submit: every chunk is reusable. */
  settle(): void {
    this.#free.push(...this.#used);
    this.#used = [];
    this.#current = null;
  }

  destroy(): void {
    for (const c of [...this.#free, ...this.#used]) c.buffer.destroy();
    this.#free = [];
    this.#used = [];
    this.#current = null;
  }

  #newChunk(): Chunk {
    const bytes = this.#stride * SLOTS_PER_CHUNK;
    const buffer = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: 'tinyconv uniforms' });
    return { buffer, host: new Uint32Array(bytes / 4), used: 0 };
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** The bits of a float32, for uniform blocks declared with f32 fields. */
export function f32bits(x: number): number {
  f32[0] = x;
  return u32[0]!;
}
