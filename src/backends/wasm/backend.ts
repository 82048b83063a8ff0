import type { Backend, Kernel } from '../../core/backend.js';
import { TinyconvError } from '../../core/errors.js';
import { type Shape, checkShape, shapeToString, sizeOf } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { wasmKernels } from './kernels/index.js';
import { compileBuild, isNode, messageOf, type WasmLocation } from './loader.js';
import { type HeapStats, type Label, PAGE_BYTES, WASM32_MAX_BYTES, WasmHeap } from './memory.js';
import type { WasmRuntime } from './runtime.js';
import { relaxedSimdSupported, requireWasmSimd } from './simd.js';
import { MAX_THREADS, ThreadPool, autoThreads, callKernel, threadSupport } from './threads.js';

export interface WasmBackendOptions {
  /**
   * Threads that run kernels, the caller included. 'auto' (the default): the machine's
   * parallelism (navigator.hardwareConcurrency, os.availableParallelism()) capped at 8, or 1 where
   * threads cannot run (no SharedArrayBuffer, a page that is not cross-origin isolated), with the
   * reason in `diagnostics`. A number is a requirement: E_BACKEND when threads cannot run.
   */
  threads?: number | 'auto';
  /**
   * Use the relaxed-SIMD build (fused multiply-add). 'auto' (the default): when the engine
   * validates relaxed SIMD. true: required; in Node 20, where it sits behind a V8 flag, the flag is
   * set first (`--experimental-wasm-relaxed-simd`). false: the plain SIMD build.
   */
  relaxed?: boolean | 'auto';
  /** Where the .wasm builds are: a folder URL, or a function from file name to address. Default: next to this module. */
  url?: WasmLocation;
  /** One build's bytes or compiled module, used as given (its features decide relaxed and threads). */
  source?: BufferSource | WebAssembly.Module;
  /** The thread pool's worker script; default: tinyconv-worker.js next to this module. */
  workerUrl?: string | URL;
}

export interface WasmDiagnostics {
  /** The module running the kernels, e.g. tinyconv-mt-relaxed.wasm, or where `source` came from. */
  build: string;
  relaxed: boolean;
  /** Why relaxed SIMD is or is not used. */
  relaxedReason: string;
  /** Threads taking part in each kernel, the caller included. */
  threads: number;
  threadsRequested: number | 'auto';
  /** Why this many threads. */
  threadsReason: string;
  /** The allocator's state now. */
  memory: HeapStats;
}

export interface WasmBackend extends Backend {
  readonly runtime: WasmRuntime;
  readonly diagnostics: WasmDiagnostics;
  /** Stops the worker threads; tensors of this backend become unusable. Idempotent. */
  dispose(): void;
}

/** Cap for threads: 'auto' (more threads rarely pay for memory-bound CNN layers). */
const AUTO_THREADS_CAP = 8;
/** Maximum of the threaded builds' shared memory, in pages: asconfig.json's maximumMemory (2 GiB). */
const MT_MAX_PAGES = 32768;
const INITIAL_PAGES = 16;
const OPTION_KEYS = new Set(['threads', 'relaxed', 'url', 'source', 'workerUrl']);

/** A wasm tensor's storage: a block of the backend's memory, plus weights packed from it. */
class WasmBuffer {
  constructor(
    readonly ptr: number,
    readonly bytes: number,
  ) {}
  live = true;
  packs: Map<string, number> | null = null;
}

/**
 * The wasm backend: tensors in wasm memory, kernels in AssemblyScript SIMD (docs/wasm.md).
 * Chooses among four builds (plain or relaxed SIMD, with or without threads) and reports the
 * choice in `diagnostics`. Its name is 'wasm', or 'wasm-mt' when kernels run on several threads.
 */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  checkOptions(options);
  requireWasmSimd();
  const given = options.source !== undefined;

  // Threads.
  const requested = options.threads ?? 'auto';
  let threads = 1;
  let threadsReason: string;
  if (requested === 1) threadsReason = '1 thread requested';
  else {
    const support = threadSupport();
    if (!support.ok) {
      if (requested !== 'auto') throw new TinyconvError('E_BACKEND', `createWasmBackend: ${requested} threads requested, but ${support.reason}`, { threads: requested });
      threadsReason = `single-threaded: ${support.reason}`;
    } else if (requested === 'auto') {
      threads = await autoThreads(AUTO_THREADS_CAP);
      threadsReason = threads > 1 ? `auto: ${threads} threads (the machine's parallelism, at most ${AUTO_THREADS_CAP})` : 'auto: this machine reports one core';
    } else {
      threads = requested;
      threadsReason = `${threads} threads requested`;
    }
  }

  // Relaxed SIMD.
  const wantRelaxed = options.relaxed ?? 'auto';
  let relaxed = false;
  let relaxedReason: string;
  if (wantRelaxed === false) relaxedReason = 'relaxed SIMD turned off';
  else if (relaxedSimdSupported()) {
    relaxed = true;
    relaxedReason = wantRelaxed === true ? 'relaxed SIMD requested' : 'auto: the engine validates relaxed SIMD';
  } else if (wantRelaxed === true) {
    if (!(await enableRelaxedInNode())) {
      throw new TinyconvError('E_BACKEND', 'createWasmBackend: relaxed SIMD requested, but this engine does not support it (use relaxed: "auto")', { relaxed: true });
    }
    relaxed = true;
    relaxedReason = 'relaxed SIMD requested (enabled with --experimental-wasm-relaxed-simd)';
  } else relaxedReason = 'auto: the engine does not validate relaxed SIMD';

  const file = `tinyconv${threads > 1 ? '-mt' : ''}${relaxed ? '-relaxed' : ''}.wasm`;
  const { module, where } = await compileBuild(file, options);
  const { instance, memory, shared } = await instantiate(module, where, given ? undefined : threads > 1);
  const ex = instance.exports as Record<string, unknown>;
  const features = (ex.build_features as () => number)();
  if (given) {
    // The given build decides: its features replace the detected ones.
    relaxed = (features & 1) !== 0;
    relaxedReason = `the given build ${relaxed ? 'uses' : 'does not use'} relaxed SIMD`;
    if (!shared && threads > 1) {
      if (requested !== 'auto') throw new TinyconvError('E_BACKEND', `createWasmBackend: ${requested} threads requested, but the given build is not a threaded one`, { threads: requested });
      threads = 1;
      threadsReason = 'single-threaded: the given build is not a threaded one';
    }
  } else if (features !== (relaxed ? 1 : 0) + (threads > 1 ? 2 : 0)) {
    throw new TinyconvError('E_BACKEND', `${where} is not the build its name says (features ${features}); rebuild with \`npm run build:wasm\``, { url: where, features });
  }

  const heap = new WasmHeap(memory, (ex.heap_base as () => number)() >>> 0, shared ? MT_MAX_PAGES * PAGE_BYTES : WASM32_MAX_BYTES);
  const exports = Object.fromEntries(Object.entries(ex).filter(([, v]) => typeof v === 'function')) as Record<string, (...a: number[]) => number | void>;

  let pool: ThreadPool | null = null;
  if (threads > 1) {
    const workerUrl = options.workerUrl === undefined ? new URL('./tinyconv-worker.js', import.meta.url) : new URL(options.workerUrl, import.meta.url);
    try {
      pool = await ThreadPool.start({ module, memory, heap, exports, threads, workerUrl });
    } catch (e) {
      if (requested !== 'auto') throw e;
      threads = 1;
      threadsReason = `single-threaded: ${messageOf(e)}`;
    }
  }

  return makeBackend({ heap, memory, exports, pool, diagnostics: { build: given ? where : file, relaxed, relaxedReason, threadsRequested: requested, threadsReason } });
}

interface Parts {
  heap: WasmHeap;
  memory: WebAssembly.Memory;
  exports: Record<string, (...a: number[]) => number | void>;
  pool: ThreadPool | null;
  diagnostics: Omit<WasmDiagnostics, 'memory' | 'threads'>;
}

function makeBackend({ heap, memory, exports, pool, diagnostics }: Parts): WasmBackend {
  const name = pool ? 'wasm-mt' : 'wasm';
  let disposed = false;
  /** Scratch blocks of the kernel calls in progress (innermost last), freed when each returns. */
  const scratchBlocks: number[] = [];
  /** Kernel calls in progress (kernels may call kernels); one flat stack, so a call allocates no frame. */
  let depth = 0;
  // Tensors dropped without dispose() give their memory back when collected.
  const collected = new FinalizationRegistry<WasmBuffer>((b) => {
    if (!disposed && b.live) freeBuffer(b);
  });

  const alive = (what: string): void => {
    if (disposed) throw new TinyconvError('E_BACKEND', `${name}: ${what} after the backend was disposed`);
  };
  const bufferOf = (t: Tensor): WasmBuffer => {
    if (t.backend !== backend) throw new TinyconvError('E_BACKEND', `${name}: tensor ${shapeToString(t.shape)} lives on backend ${t.backend.name}, not on this one`);
    return t.handle as WasmBuffer;
  };
  const freeBuffer = (b: WasmBuffer): void => {
    b.live = false;
    heap.free(b.ptr);
    if (b.packs) for (const p of b.packs.values()) heap.free(p);
    b.packs = null;
  };
  const newTensor = (shape: Shape, what: Label): Tensor => {
    const bytes = sizeOf(shape) * 4;
    const b = new WasmBuffer(heap.alloc(bytes, what), bytes);
    const t = new Tensor(shape, backend, b);
    collected.register(t, b, b);
    return t;
  };

  const runtime: WasmRuntime = {
    exports,
    memory,
    get threads() {
      return pool?.threads ?? 1;
    },
    tensor(shape) {
      alive('tensor()');
      return newTensor(shape, () => `a tensor ${shapeToString(shape)}`);
    },
    ptr: (t) => bufferOf(t).ptr,
    view(t) {
      return new Float32Array(memory.buffer, bufferOf(t).ptr, t.size);
    },
    scratch(bytesPerWorker) {
      if (depth === 0) throw new TinyconvError('E_BACKEND', `${name}: scratch memory is for kernel calls in progress`);
      const ptr = heap.alloc(Math.ceil(bytesPerWorker / 16) * 16 * runtime.threads, 'kernel scratch');
      scratchBlocks.push(ptr);
      return ptr;
    },
    run(kernel, args, total, grain = 1) {
      if (disposed) alive(`kernel ${kernel}`); // the message is built only when it is thrown
      if (pool && pool.threads > 1) return pool.run(kernel, args, total, grain);
      const fn = exportOf(kernel);
      if (total > 0) callKernel(kernel, fn, args, 0, total, 0);
    },
    call(kernel, args) {
      if (disposed) alive(`kernel ${kernel}`); // the message is built only when it is thrown
      const fn = exportOf(kernel);
      try {
        return fn(...args);
      } catch (e) {
        throw new TinyconvError('E_BACKEND', `wasm kernel ${kernel} failed: ${messageOf(e)}`, { kernel }, { cause: e });
      }
    },
    packed(t, key, bytes, pack) {
      const b = bufferOf(t);
      const have = b.packs?.get(key);
      if (have !== undefined) return have;
      const ptr = heap.alloc(bytes, `weights packed for ${key}`);
      try {
        pack(ptr);
      } catch (e) {
        heap.free(ptr);
        throw e;
      }
      (b.packs ??= new Map()).set(key, ptr);
      return ptr;
    },
    invalidate(t) {
      const b = bufferOf(t);
      if (b.packs) for (const p of b.packs.values()) heap.free(p);
      b.packs = null;
    },
  };
  const exportOf = (kernel: string): ((...a: number[]) => number | void) => {
    const fn = exports[kernel];
    if (!fn) throw new TinyconvError('E_BACKEND', `wasm kernel ${kernel} is not in this module; it was built from another version of tinyconv`, { kernel });
    return fn;
  };

  // Each kernel runs inside a scratch frame, freed when it returns or throws.
  const kernels: Record<string, Kernel> = {};
  for (const [k, bind] of Object.entries(wasmKernels)) {
    const what = `kernel ${k}`;
    kernels[k] = (inputs, attrs, be) => {
      alive(what);
      const mark = scratchBlocks.length;
      depth++;
      try {
        return bind(inputs, attrs, be);
      } finally {
        depth--;
        while (scratchBlocks.length > mark) heap.free(scratchBlocks.pop()!);
      }
    };
  }

  const backend: WasmBackend = {
    name,
    kernels: Object.freeze(kernels),
    runtime,
    get diagnostics(): WasmDiagnostics {
      return { ...diagnostics, threads: runtime.threads, threadsReason: pool?.retiredBecause ? `single-threaded: ${pool.retiredBecause}` : diagnostics.threadsReason, memory: heap.stats() };
    },
    upload(data, shape) {
      alive('upload');
      checkShape(shape);
      const values: unknown = data;
      if (!(values instanceof Float32Array || values instanceof Float64Array) || values.length !== sizeOf(shape)) {
        throw new TinyconvError('E_SHAPE', `${name}: upload of ${describe(data)} does not fill shape ${shapeToString(shape)} (${sizeOf(shape)} float values)`);
      }
      const t = newTensor(shape, () => `a tensor ${shapeToString(shape)}`);
      heap.f32().set(data, bufferOf(t).ptr >>> 2);
      return t;
    },
    async read(t) {
      return backend.readSync(t);
    },
    readSync(t) {
      alive('read');
      const p = bufferOf(t).ptr >>> 2;
      return heap.f32().slice(p, p + t.size);
    },
    release(t) {
      const b = bufferOf(t);
      collected.unregister(b);
      if (!disposed && b.live) freeBuffer(b);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      pool?.dispose();
    },
  };
  return backend;
}

/** Instantiates over a new memory: shared for threaded builds (decided by `shared`, or by trying both for a given build). */
async function instantiate(module: WebAssembly.Module, where: string, shared: boolean | undefined): Promise<{ instance: WebAssembly.Instance; memory: WebAssembly.Memory; shared: boolean }> {
  const attempts = shared === undefined ? [false, true] : [shared];
  let last: unknown;
  for (const s of attempts) {
    const memory = new WebAssembly.Memory(s ? ({ initial: INITIAL_PAGES, maximum: MT_MAX_PAGES, shared: true } as WebAssembly.MemoryDescriptor) : { initial: INITIAL_PAGES });
    try {
      const instance = await WebAssembly.instantiate(module, { env: { memory } });
      const ex = instance.exports as Record<string, unknown>;
      const missing = ['heap_base', 'build_features'].filter((k) => typeof ex[k] !== 'function');
      if (missing.length > 0) {
        throw new TinyconvError('E_BACKEND', `${where} lacks the exports ${missing.join(', ')}; it was built from another version of tinyconv`, { url: where, missing });
      }
      return { instance, memory, shared: s };
    } catch (e) {
      if (e instanceof TinyconvError) throw e;
      last = e;
    }
  }
  throw new TinyconvError('E_BACKEND', `${where} is not a usable tinyconv wasm module: ${messageOf(last)}`, { url: where }, { cause: last });
}

/** Node 20 has relaxed SIMD behind a V8 flag, which a program may set before compiling. */
async function enableRelaxedInNode(): Promise<boolean> {
  if (!isNode()) return false;
  try {
    const v8 = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return relaxedSimdSupported();
}

function checkOptions(o: WasmBackendOptions): void {
  if (typeof o !== 'object' || o === null) throw new TinyconvError('E_ARG', `createWasmBackend: options must be an object, got ${o === null ? 'null' : typeof o}`);
  for (const k of Object.keys(o)) {
    if (!OPTION_KEYS.has(k)) throw new TinyconvError('E_ARG', `createWasmBackend: unknown option ${JSON.stringify(k)} (expected ${[...OPTION_KEYS].join(', ')})`);
  }
  const t = o.threads;
  if (t !== undefined && t !== 'auto' && !(Number.isInteger(t) && t >= 1 && t <= MAX_THREADS)) {
    throw new TinyconvError('E_ARG', `createWasmBackend: threads must be 'auto' or an integer in [1, ${MAX_THREADS}], got ${JSON.stringify(t)}`, { threads: t });
  }
  if (o.relaxed !== undefined && o.relaxed !== 'auto' && typeof o.relaxed !== 'boolean') {
    throw new TinyconvError('E_ARG', `createWasmBackend: relaxed must be true, false or 'auto', got ${JSON.stringify(o.relaxed)}`);
  }
  if (o.url !== undefined && o.source !== undefined) throw new TinyconvError('E_ARG', 'createWasmBackend: give url or source, not both');
  if (o.url !== undefined && !(typeof o.url === 'string' || (o.url as unknown) instanceof URL || typeof o.url === 'function')) {
    throw new TinyconvError('E_ARG', 'createWasmBackend: url must be a string, a URL or a function from file name to address');
  }
  if (o.workerUrl !== undefined && !(typeof o.workerUrl === 'string' || (o.workerUrl as unknown) instanceof URL)) {
    throw new TinyconvError('E_ARG', 'createWasmBackend: workerUrl must be a string or a URL');
  }
}

function describe(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  const n = (v as { length?: unknown }).length;
  return `${(v as object).constructor?.name ?? 'an object'}${typeof n === 'number' ? ` of ${n} values` : ''}`;
}
