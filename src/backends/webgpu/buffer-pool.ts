import { TinyconvError } from '../../core/errors.js';

/** Smallest buffer the pool hands out: also the granularity of copies and bindings. */
const MIN_BYTES = 256;

/**
 * The size class a request of `bytes` falls in: at least 256 bytes, then four classes per power of
 * two (1, 1.25, 1.5, 1.75 times it), so a pooled buffer wastes at most a fifth of its size and
 * tensors of similar sizes share buffers.
 */
export function sizeClass(bytes: number): number {
  if (bytes <= MIN_BYTES) return MIN_BYTES;
  const octave = 2 ** Math.floor(Math.log2(bytes - 1));
  const step = octave / 4;
  return Math.ceil(bytes / step) * step;
}

export interface PoolStats {
  /** Buffers handed out and not released. */
  live: number;
  liveBytes: number;
  /** Released buffers ready for reuse. */
  free: number;
  freeBytes: number;
  /** Released buffers the pending command encoder may still use (see release()). */
  quarantined: number;
  /** Buffers created since the start, and requests served by reuse. */
  created: number;
  reused: number;
}

/**
 * GPU buffers by size class, reused after release.
 *
 * The hazard it guards against: queue.writeBuffer (uploads) takes effect at once on the queue,
 * ahead of the commands still being recorded in an encoder that is not submitted yet. A buffer
 * released while such an encoder may read or write it, then handed out again and written by an
 * upload, would have its new contents overwritten or read early by the old commands. So a buffer
 * released while an encoder is pending waits in quarantine; `settle()`, called right after the
 * encoder is submitted, makes it reusable (later queue writes are ordered after that submission).
 */
export class BufferPool {
  readonly #free = new Map<number, GPUBuffer[]>();
  #quarantine: GPUBuffer[] = [];
  #stats = { live: 0, liveBytes: 0, freeBytes: 0, free: 0, created: 0, reused: 0 };

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: GPUBufferUsageFlags,
    private readonly label: string,
    /** Free bytes kept for reuse beyond which released buffers are destroyed instead. */
    private readonly maxFreeBytes = 256 * 1024 * 1024,
  ) {}

  /** A buffer of at least `bytes` (its size class); contents are whatever it last held. */
  acquire(bytes: number, what: string): GPUBuffer {
    const size = sizeClass(bytes);
    const s = this.#stats;
    const list = this.#free.get(size);
    let buf = list?.pop();
    if (buf) {
      s.free--;
      s.freeBytes -= size;
      s.reused++;
    } else {
      try {
        buf = this.device.createBuffer({ size, usage: this.usage, label: `${this.label} ${size}` });
      } catch (e) {
        throw new TinyconvError('E_MEMORY', `webgpu: could not allocate ${size} bytes for ${what}: ${e instanceof Error ? e.message : String(e)}`, { bytes: size }, { cause: e });
      }
      s.created++;
    }
    s.live++;
    s.liveBytes += size;
    return buf;
  }

  /** Gives a buffer back; `pending` says an unsubmitted encoder may still use it (quarantine). */
  release(buf: GPUBuffer, pending: boolean): void {
    this.#stats.live--;
    this.#stats.liveBytes -= buf.size;
    if (pending) this.#quarantine.push(buf);
    else this.#recycle(buf);
  }

  /** After a submission: quarantined buffers become reusable. */
  settle(): void {
    const q = this.#quarantine;
    this.#quarantine = [];
    for (const b of q) this.#recycle(b);
  }

  stats(): PoolStats {
    return { ...this.#stats, quarantined: this.#quarantine.length };
  }

  /** Destroys every free and quarantined buffer (live ones belong to their tensors). */
  destroyFree(): void {
    for (const list of this.#free.values()) for (const b of list) b.destroy();
    for (const b of this.#quarantine) b.destroy();
    this.#free.clear();
    this.#quarantine = [];
    this.#stats.free = 0;
    this.#stats.freeBytes = 0;
  }

  #recycle(buf: GPUBuffer): void {
    const s = this.#stats;
    if (s.freeBytes + buf.size > this.maxFreeBytes) {
      buf.destroy();
      return;
    }
    const list = this.#free.get(buf.size);
    if (list) list.push(buf);
    else this.#free.set(buf.size, [buf]);
    s.free++;
    s.freeBytes += buf.size;
  }
}
