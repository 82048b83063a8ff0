import { TinyconvError } from '../../core/errors.js';

/**
 * The host-side allocator over a wasm module's imported memory. Everything the backend keeps in
 * wasm memory (tensors, packed weights, per-call scratch, the thread command block) is a block
 * from here: 16-byte aligned (every v128 access in the kernels is naturally aligned), at least
 * 16 bytes long (so every block has its own address).
 *
 * Free blocks are coalesced with their free neighbours at once and filed in power-of-two size
 * classes; a request takes the first block that fits from the smallest class that can hold it
 * and returns the rest to the free lists. A free block that ends at the top of the heap lowers
 * the top instead, so memory is reused before it grows. Growth is geometric (at least 1/4 of the
 * current size, so a run of allocations grows a handful of times) and never past the memory's
 * maximum: 4 GiB for wasm32, or the threaded builds' declared maximum.
 *
 * Bookkeeping lives in JS maps, not in the wasm memory: kernels cannot corrupt it, and freeing
 * an address that is not a live block is caught.
 */

export const PAGE_BYTES = 65536;
export const ALIGN = 16;
/** wasm32 addresses stop at 4 GiB (65536 pages). */
export const WASM32_MAX_BYTES = 2 ** 32;

const CLASSES = 29; // 16 B << 28 = 4 GiB

export interface HeapStats {
  /** Live blocks. */
  blocks: number;
  /** Bytes in live blocks (rounded up to 16). */
  usedBytes: number;
  /** Bytes in free blocks below the top. */
  freeBytes: number;
  /** The first address past every block ever handed out and not given back at the top. */
  top: number;
  /** The memory's current size. */
  memoryBytes: number;
  /** Largest size the memory may grow to. */
  maxBytes: number;
}

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  readonly base: number;
  readonly maxBytes: number;
  #top: number;
  /** Live blocks: address -> rounded size. */
  readonly #live = new Map<number, number>();
  /** Free blocks below the top: start -> size, end -> start, and size classes of starts. */
  readonly #freeAt = new Map<number, number>();
  readonly #freeEnd = new Map<number, number>();
  readonly #classes: Set<number>[] = Array.from({ length: CLASSES }, () => new Set<number>());
  #freeBytes = 0;
  #usedBytes = 0;
  #buffer: ArrayBufferLike | null = null;
  #f32: Float32Array | null = null;
  #i32: Int32Array | null = null;
  #u8: Uint8Array | null = null;

  /**
   * @param base the first usable address (past the module's static data)
   * @param maxBytes the memory's maximum size in bytes (at most 4 GiB)
   */
  constructor(memory: WebAssembly.Memory, base: number, maxBytes: number = WASM32_MAX_BYTES) {
    this.memory = memory;
    this.base = roundUp(base);
    this.maxBytes = Math.min(maxBytes, WASM32_MAX_BYTES);
    this.#top = this.base;
  }

  /**
   * Allocates `bytes` bytes (uninitialized) and returns the block's address. `what` names it in
   * errors (a function is called only then, so hot callers build no message they never show).
   */
  alloc(bytes: number, what: Label = 'a block'): number {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new TinyconvError('E_ARG', `wasm memory: cannot allocate ${String(bytes)} bytes for ${labelText(what)}: expected a non-negative integer`, { bytes });
    }
    const size = Math.max(ALIGN, roundUp(bytes));
    if (size > this.maxBytes - this.base) throw this.#tooBig(bytes, what);
    const ptr = this.#takeFree(size) ?? this.#bump(size, bytes, what);
    this.#live.set(ptr, size);
    this.#usedBytes += size;
    return ptr;
  }

  /** Allocates and zero-fills. */
  allocZeroed(bytes: number, what?: Label): number {
    const ptr = this.alloc(bytes, what);
    this.u8().fill(0, ptr, ptr + Math.max(ALIGN, roundUp(bytes)));
    return ptr;
  }

  /** Returns a block to the free lists, merging it with free neighbours. */
  free(ptr: number): void {
    const size = this.#live.get(ptr);
    if (size === undefined) {
      throw new TinyconvError('E_BACKEND', `wasm memory: address ${ptr} is not a live block (freed twice, or never allocated)`, { ptr });
    }
    this.#live.delete(ptr);
    this.#usedBytes -= size;
    let start = ptr, end = ptr + size;
    const before = this.#freeEnd.get(start);
    if (before !== undefined) {
      this.#unfile(before);
      start = before;
    }
    const afterSize = this.#freeAt.get(end);
    if (afterSize !== undefined) {
      this.#unfile(end);
      end += afterSize;
    }
    // Neighbours are merged on every free, so the block below `start` is live: the top drops once.
    if (end === this.#top) this.#top = start;
    else this.#file(start, end - start);
  }

  /** Whether `ptr` is the address of a live block. */
  isLive(ptr: number): boolean {
    return this.#live.has(ptr);
  }

  /** The rounded size of a live block. */
  sizeOf(ptr: number): number {
    const s = this.#live.get(ptr);
    if (s === undefined) throw new TinyconvError('E_BACKEND', `wasm memory: address ${ptr} is not a live block`, { ptr });
    return s;
  }

  stats(): HeapStats {
    return {
      blocks: this.#live.size,
      usedBytes: this.#usedBytes,
      freeBytes: this.#freeBytes,
      top: this.#top,
      memoryBytes: this.memory.buffer.byteLength,
      maxBytes: this.maxBytes,
    };
  }

  /**
   * Views of the whole memory, remade whenever the buffer changed (growth detaches a plain
   * memory's old buffer, and a shared memory's old buffer keeps its old length). Valid until the
   * next allocation.
   */
  f32(): Float32Array {
    this.#refresh();
    return this.#f32!;
  }
  i32(): Int32Array {
    this.#refresh();
    return this.#i32!;
  }
  u8(): Uint8Array {
    this.#refresh();
    return this.#u8!;
  }

  #refresh(): void {
    const buf = this.memory.buffer;
    if (buf === this.#buffer && this.#u8!.byteLength === buf.byteLength) return;
    this.#buffer = buf;
    this.#f32 = new Float32Array(buf);
    this.#i32 = new Int32Array(buf);
    this.#u8 = new Uint8Array(buf);
  }

  /** First fit from the smallest size class that may hold `size`; the rest goes back. */
  #takeFree(size: number): number | null {
    for (let c = classOf(size); c < CLASSES; c++) {
      for (const start of this.#classes[c]!) {
        const have = this.#freeAt.get(start)!;
        if (have < size) continue; // only the first class can hold smaller blocks
        this.#unfile(start);
        if (have > size) this.#file(start + size, have - size);
        return start;
      }
    }
    return null;
  }

  #bump(size: number, bytes: number, what: Label): number {
    const ptr = this.#top;
    const end = ptr + size;
    if (end > this.maxBytes) throw this.#tooBig(bytes, what);
    if (end > this.memory.buffer.byteLength) this.#grow(end, bytes, what);
    this.#top = end;
    return ptr;
  }

  #grow(end: number, bytes: number, what: Label): void {
    const have = this.memory.buffer.byteLength;
    const maxPages = Math.floor(this.maxBytes / PAGE_BYTES);
    const needPages = Math.ceil(end / PAGE_BYTES) - have / PAGE_BYTES;
    const wantPages = Math.min(Math.max(needPages, Math.ceil(have / 4 / PAGE_BYTES)), maxPages - have / PAGE_BYTES);
    for (const pages of wantPages > needPages ? [wantPages, needPages] : [needPages]) {
      try {
        this.memory.grow(pages);
        return;
      } catch {
        // The engine may refuse a large reservation that a smaller one still fits: try the minimum.
      }
    }
    throw new TinyconvError(
      'E_MEMORY',
      `wasm memory: cannot allocate ${bytes} bytes for ${labelText(what)}: the engine refused to grow memory from ${mib(have)} to ${mib(end)} (out of memory)`,
      { bytes, memoryBytes: have, requestedBytes: end },
    );
  }

  #tooBig(bytes: number, what: Label): TinyconvError {
    const limit = this.maxBytes === WASM32_MAX_BYTES ? 'the 4 GiB limit of wasm32 memory' : `this memory's maximum of ${mib(this.maxBytes)}`;
    return new TinyconvError(
      'E_MEMORY',
      `wasm memory: cannot allocate ${bytes} bytes for ${labelText(what)}: with ${mib(this.#usedBytes)} in use it would pass ${limit}`,
      { bytes, usedBytes: this.#usedBytes, maxBytes: this.maxBytes },
    );
  }

  #file(start: number, size: number): void {
    this.#freeAt.set(start, size);
    this.#freeEnd.set(start + size, start);
    this.#classes[classOf(size)]!.add(start);
    this.#freeBytes += size;
  }

  #unfile(start: number): void {
    const size = this.#freeAt.get(start)!;
    this.#freeAt.delete(start);
    this.#freeEnd.delete(start + size);
    this.#classes[classOf(size)]!.delete(start);
    this.#freeBytes -= size;
  }
}

/** What a block is for, as errors name it: text, or a function that makes it when needed. */
export type Label = string | (() => string);

function labelText(what: Label): string {
  return typeof what === 'string' ? what : what();
}

export function roundUp(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

/** Size class: floor(log2(size / 16)), so class c holds sizes in [16 << c, 32 << c). */
function classOf(size: number): number {
  return Math.min(CLASSES - 1, 31 - Math.clz32(Math.floor(size / ALIGN)));
}

function mib(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
