import { TinyconvError } from '../../core/errors.js';
import { isDeno, isNode, messageOf } from './loader.js';
import type { WasmHeap } from './memory.js';

/**
 * The wasm backend's thread pool. Every worker instantiates the threaded module over the same
 * shared memory (src/backends/wasm/tinyconv-worker.js). A kernel call is posted through a command
 * block in that memory: the export's index, its arguments (as f64, exact for i32 and f32) and the
 * range to split; the caller bumps each needed worker's slot and wakes it with Atomics.notify,
 * then every thread, the caller first, claims chunks of the range from a shared counter until none
 * is left (guided: each claim takes 1/threads of what remains, never less than a floor), so a
 * worker that wakes late or loses its core to another process costs only the chunks it did not
 * take, not a stalled caller. All of it is synchronous, as kernels are.
 *
 * Guards, so that a run never hangs: a worker claims each job with a compare-and-swap on its ack
 * word; once the range is exhausted the caller claims the job of every worker that has not woken
 * yet (it has nothing left to do) instead of waiting for it. A worker that has not been seen awake
 * for ACK_TIMEOUT_MS while jobs were posted to it (it exited, or its thread is stuck) retires the
 * pool: later runs use one thread (the reason goes to the backend's diagnostics). A kernel that
 * fails in a worker (a trap) is written back into the block and rethrown on the caller as a
 * TinyconvError.
 */

/** Most workers a pool may have (the command block has a slot for each). */
export const MAX_THREADS = 64;
const MAX_ARGS = 32;
const MSG_BYTES = 512;
const ACK_TIMEOUT_MS = 3000;
const START_TIMEOUT_MS = 30_000;
/**
 * Claims are never smaller than 1/(CLAIMS_PER_THREAD * threads) of the range: few enough calls
 * that per-call work (a GEMM packing its shared operand) stays small, enough that a late thread
 * leaves little imbalance at the end.
 */
const CLAIMS_PER_THREAD = 4;

/** Word offsets (Int32) and byte offsets inside the command block; sent to every worker. */
const HEAD = 16;
const WORDS = HEAD + 4 * MAX_THREADS;
export const LAYOUT = {
  pending: 0, // workers still running the current job
  error: 1, // 1 + index of the first worker whose kernel threw, else 0
  quit: 2, // set when the pool shuts down
  kernel: 3, // export index of the current job
  nargs: 4,
  msgLen: 5,
  next: 6, // next unclaimed unit of the range
  units: 7, // units in the range: ceil(total / grain)
  grain: 8, // items per unit
  total: 9, // items in the range
  minClaim: 10, // fewest units a claim takes
  threads: 11, // threads taking part (the guided claim size divides by it)
  slot: HEAD, // + w: job number posted to worker w
  ack: HEAD + MAX_THREADS, // + w: last job of worker w claimed (by it, or by the caller; -1: retired)
  seen: HEAD + 2 * MAX_THREADS, // + w: last job number worker w saw awake
  asleep: HEAD + 3 * MAX_THREADS, // + w: 1 while worker w sleeps in Atomics.wait (only then it needs a notify)
  words: WORDS,
  argsByte: WORDS * 4,
  maxArgs: MAX_ARGS,
  msgByte: WORDS * 4 + MAX_ARGS * 8,
  msgBytes: MSG_BYTES,
} as const;
const BLOCK_BYTES = LAYOUT.msgByte + MSG_BYTES;

/**
 * Claims the next chunk of the posted range: its first unit, or -1 when none is left; the chunk
 * ends at `claimEnd`. The worker script repeats this logic (it imports nothing).
 */
function claim(i32: Int32Array): number {
  const units = i32[LAYOUT.units]!, parts = i32[LAYOUT.threads]!, floor = i32[LAYOUT.minClaim]!;
  for (;;) {
    const u = Atomics.load(i32, LAYOUT.next);
    if (u >= units) return -1;
    const n = Math.min(units - u, Math.max(floor, Math.ceil((units - u) / parts)));
    if (Atomics.compareExchange(i32, LAYOUT.next, u, u + n) === u) {
      claimEnd = u + n;
      return u;
    }
  }
}
let claimEnd = 0;
/** Polls of the pending count before the caller sleeps on it. */
const JOIN_SPIN = 2048;

type Fn = (...args: number[]) => number | void;

/** A started worker, whatever the runtime. */
interface WorkerHandle {
  post(message: unknown): void;
  terminate(): void;
}

export interface PoolOptions {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  heap: WasmHeap;
  exports: Readonly<Record<string, Fn>>;
  /** Threads taking part in a run, the caller included (>= 2). */
  threads: number;
  workerUrl: URL;
  /** How long a worker may take to claim a job before the caller takes it over (ms). */
  ackTimeoutMs?: number;
}

export class ThreadPool {
  /** Threads in a run, the caller included; 1 once the pool has retired. */
  threads: number;
  /** Why the pool retired, if it did. */
  retiredBecause: string | null = null;
  readonly #exports: Readonly<Record<string, Fn>>;
  readonly #names: string[];
  readonly #index: Map<string, number>;
  readonly #heap: WasmHeap;
  readonly #ctrl: number;
  readonly #seq: number[];
  /** Per worker: since when (Date.now()) its jobs were taken back without it being seen awake; 0: it was. */
  readonly #asleepSince: number[];
  readonly #canWait: boolean;
  readonly #ackTimeoutMs: number;
  #workers: WorkerHandle[] = [];
  #i32: Int32Array;
  #f64: Float64Array;

  private constructor(o: PoolOptions, ctrl: number) {
    this.threads = o.threads;
    this.#exports = o.exports;
    this.#names = Object.keys(o.exports).filter((k) => typeof o.exports[k] === 'function').sort();
    this.#index = new Map(this.#names.map((n, i) => [n, i]));
    this.#heap = o.heap;
    this.#ctrl = ctrl;
    this.#seq = new Array<number>(o.threads).fill(0);
    this.#asleepSince = new Array<number>(o.threads).fill(0);
    // Views of the buffer as it is now stay valid for the block's low addresses after growth.
    this.#i32 = new Int32Array(o.memory.buffer, ctrl, LAYOUT.words);
    this.#f64 = new Float64Array(o.memory.buffer, ctrl + LAYOUT.argsByte, MAX_ARGS);
    this.#canWait = canWaitHere(this.#i32);
    this.#ackTimeoutMs = o.ackTimeoutMs ?? ACK_TIMEOUT_MS;
  }

  /** Starts `threads - 1` workers and resolves once each has instantiated the module. */
  static async start(o: PoolOptions): Promise<ThreadPool> {
    if (!Number.isInteger(o.threads) || o.threads < 2 || o.threads > MAX_THREADS) {
      throw new TinyconvError('E_ARG', `wasm thread pool: threads must be an integer in [2, ${MAX_THREADS}], got ${o.threads}`);
    }
    const ctrl = o.heap.allocZeroed(BLOCK_BYTES, 'the thread command block');
    const pool = new ThreadPool(o, ctrl);
    try {
      pool.#workers = await Promise.all(
        Array.from({ length: o.threads - 1 }, (_, k) =>
          spawn(o.workerUrl, k + 1, { type: 'init', module: o.module, memory: o.memory, ctrl, index: k + 1, names: pool.#names, layout: LAYOUT }),
        ),
      );
    } catch (e) {
      pool.dispose();
      throw e;
    }
    return pool;
  }

  /**
   * Calls export `name` with `args` then (start, end, worker) for chunks of [0, total) that every
   * thread claims in turn, each a whole number of `grain` items (the last may end at `total`).
   */
  run(name: string, args: readonly number[], total: number, grain = 1): void {
    const fn = this.#exports[name];
    const k = this.#index.get(name);
    if (!fn || k === undefined) throw new TinyconvError('E_BACKEND', `wasm kernel ${name} is not in this module`, { kernel: name });
    if (total <= 0) return;
    const g = Math.max(1, Math.floor(grain));
    const units = Math.ceil(total / g);
    const parts = Math.min(this.threads, units);
    if (parts <= 1) return callKernel(name, fn, args, 0, total, 0);
    if (args.length > MAX_ARGS) throw new TinyconvError('E_BACKEND', `wasm kernel ${name}: ${args.length} arguments, at most ${MAX_ARGS} pass to workers`, { kernel: name });

    const i32 = this.#i32;
    i32[LAYOUT.kernel] = k;
    i32[LAYOUT.nargs] = args.length;
    for (let a = 0; a < args.length; a++) this.#f64[a] = args[a]!;
    i32[LAYOUT.units] = units;
    i32[LAYOUT.grain] = g;
    i32[LAYOUT.total] = total;
    i32[LAYOUT.threads] = parts;
    i32[LAYOUT.minClaim] = Math.max(1, Math.floor(units / (CLAIMS_PER_THREAD * parts)));
    Atomics.store(i32, LAYOUT.next, 0);
    Atomics.store(i32, LAYOUT.error, 0);
    Atomics.store(i32, LAYOUT.pending, parts - 1);
    for (let w = 1; w < parts; w++) {
      Atomics.store(i32, LAYOUT.slot + w, ++this.#seq[w]!);
      // A notify is a system call (about 10 us): skip it for a worker still polling its slot.
      // Sequentially consistent atomics make this safe: a worker that sets its flag after this
      // load sees the new slot value before it sleeps.
      if (Atomics.load(i32, LAYOUT.asleep + w) !== 0) Atomics.notify(i32, LAYOUT.slot + w, 1);
    }
    let own: unknown = null;
    try {
      for (let u = claim(i32); u >= 0; u = claim(i32)) callKernel(name, fn, args, u * g, Math.min(total, claimEnd * g), 0);
    } catch (e) {
      own = e;
    }
    // Nothing is left to claim (or this thread failed): workers that have not woken yet get their
    // job taken back rather than waited for. Always wait for the others, even after a failure
    // here: they are writing into memory the caller may free next.
    this.#takeBack(name, parts);
    this.#join();
    const failed = Atomics.load(i32, LAYOUT.error);
    if (failed !== 0) {
      const len = Atomics.load(i32, LAYOUT.msgLen);
      const text = new TextDecoder().decode(this.#heap.u8().slice(this.#ctrl + LAYOUT.msgByte, this.#ctrl + LAYOUT.msgByte + len));
      throw new TinyconvError('E_BACKEND', `wasm kernel ${text}`, { kernel: name, worker: failed - 1 });
    }
    if (own) throw own;
  }

  /**
   * Claims the job of each worker that has not claimed it: it will skip that job when it wakes.
   * A worker not seen awake for the ack timeout while jobs were posted to it retires the pool.
   */
  #takeBack(name: string, parts: number): void {
    const i32 = this.#i32;
    for (let w = 1; w < parts; w++) {
      const job = this.#seq[w]!;
      if (Atomics.compareExchange(i32, LAYOUT.ack + w, job - 1, job) !== job - 1) {
        this.#asleepSince[w] = 0;
        continue;
      }
      if (Atomics.sub(i32, LAYOUT.pending, 1) === 1) Atomics.notify(i32, LAYOUT.pending);
      // Awake since the previous job was posted: alive, merely late this time.
      if (Atomics.load(i32, LAYOUT.seen + w) >= job - 1) this.#asleepSince[w] = 0;
      else if (this.#asleepSince[w] === 0) this.#asleepSince[w] = Date.now();
      else if (Date.now() - this.#asleepSince[w]! >= this.#ackTimeoutMs) {
        this.#retire(`worker ${w} did not pick up a kernel (${name}) within ${this.#ackTimeoutMs / 1000} s, so it has exited or hangs`);
      }
    }
  }

  /** Waits until every worker that claimed the job has finished it. */
  #join(): void {
    const i32 = this.#i32;
    let spins = 0;
    for (let p = Atomics.load(i32, LAYOUT.pending); p !== 0; p = Atomics.load(i32, LAYOUT.pending)) {
      // A claimed job is running: its end is near, so poll a while before sleeping.
      if (this.#canWait && ++spins > JOIN_SPIN) Atomics.wait(i32, LAYOUT.pending, p, 20);
    }
  }

  #retire(reason: string): void {
    if (this.retiredBecause === null) this.retiredBecause = reason;
    this.threads = 1;
    // Workers still busy finish their claimed chunk before they see the quit flag.
    queueMicrotask(() => this.dispose());
  }

  /** Stops every worker. The pool runs single-threaded afterwards. */
  dispose(): void {
    Atomics.store(this.#i32, LAYOUT.quit, 1);
    for (let w = 1; w < this.#seq.length; w++) {
      Atomics.store(this.#i32, LAYOUT.slot + w, ++this.#seq[w]!);
      Atomics.notify(this.#i32, LAYOUT.slot + w);
    }
    for (const h of this.#workers) h.terminate();
    this.#workers = [];
    this.threads = 1;
  }
}

/** One call on this thread; a trap becomes a TinyconvError naming the kernel. */
export function callKernel(name: string, fn: Fn, args: readonly number[], start: number, end: number, worker: number): void {
  try {
    fn(...args, start, end, worker);
  } catch (e) {
    if (e instanceof TinyconvError) throw e;
    throw new TinyconvError('E_BACKEND', `wasm kernel ${name} failed: ${messageOf(e)}`, { kernel: name }, { cause: e });
  }
}

/** Whether this thread may block in Atomics.wait (not on a browser's main thread). */
function canWaitHere(i32: Int32Array): boolean {
  try {
    Atomics.wait(i32, LAYOUT.msgLen, -12345, 0); // the value never matches: returns at once
    return true;
  } catch {
    return false;
  }
}

/** Starts one worker and resolves when it reports that its instance is ready. */
async function spawn(url: URL, index: number, init: unknown): Promise<WorkerHandle> {
  if (isNode()) return spawnNode(url, index, init);
  if (typeof Worker !== 'function') throw new TinyconvError('E_BACKEND', 'this runtime has no Worker to run wasm threads in');
  return new Promise<WorkerHandle>((resolve, reject) => {
    let w: Worker;
    try {
      w = new Worker(url, { type: 'module', name: `tinyconv-wasm-${index}` });
    } catch (e) {
      reject(startError(url, index, messageOf(e), e));
      return;
    }
    const handle: WorkerHandle = { post: (m) => w.postMessage(m), terminate: () => w.terminate() };
    const fail = (why: string, cause?: unknown): void => {
      clearTimeout(timer);
      w.terminate();
      reject(startError(url, index, why, cause));
    };
    const timer = setTimeout(() => fail(`no answer within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    w.onmessage = (e: MessageEvent<{ type: string; message?: string }>) => {
      if (e.data?.type === 'ready') {
        clearTimeout(timer);
        w.onmessage = null;
        resolve(handle);
      } else fail(e.data?.message ?? 'it sent an unexpected message');
    };
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      fail(e.message || 'its script could not be loaded');
    };
    try {
      w.postMessage(init);
    } catch (e) {
      fail(`the module or memory could not be sent to it: ${messageOf(e)}`, e);
    }
  });
}

async function spawnNode(url: URL, index: number, init: unknown): Promise<WorkerHandle> {
  const { Worker: NodeWorker } = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:worker_threads');
  return new Promise<WorkerHandle>((resolve, reject) => {
    const w = new NodeWorker(url, { name: `tinyconv-wasm-${index}` });
    // Idle workers must not keep the process alive once the program is done with the backend.
    w.unref();
    const handle: WorkerHandle = { post: (m) => w.postMessage(m), terminate: () => void w.terminate() };
    let started = false;
    const fail = (why: string, cause?: unknown): void => {
      clearTimeout(timer);
      w.off('message', onMessage);
      void w.terminate();
      reject(startError(url, index, why, cause));
    };
    const timer = setTimeout(() => fail(`no answer within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    timer.unref?.();
    // A 'message' listener keeps the process alive in spite of unref(): it goes once started.
    const onMessage = (m: { type: string; message?: string }): void => {
      if (m?.type === 'ready') {
        started = true;
        clearTimeout(timer);
        w.off('message', onMessage);
        resolve(handle);
      } else fail(m?.message ?? 'it sent an unexpected message');
    };
    w.on('message', onMessage);
    w.on('error', (e) => (started ? undefined : fail(messageOf(e), e)));
    w.on('exit', (code) => (started ? undefined : fail(`it exited with code ${code}`)));
    w.postMessage(init);
  });
}

function startError(url: URL, index: number, why: string, cause?: unknown): TinyconvError {
  return new TinyconvError('E_BACKEND', `wasm thread pool: worker ${index} (${url.href}) did not start: ${why}`, { url: url.href, worker: index }, { cause });
}

/** Whether wasm threads can run here; when not, why. */
export function threadSupport(): { ok: true } | { ok: false; reason: string } {
  if (typeof SharedArrayBuffer !== 'function') {
    return { ok: false, reason: 'SharedArrayBuffer is not available (browsers provide it only on cross-origin isolated pages: serve with COOP: same-origin and COEP: require-corp)' };
  }
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  if (!isNode() && !isDeno() && isolated === false) {
    return { ok: false, reason: 'the page is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp)' };
  }
  if (!isNode() && typeof Worker !== 'function') return { ok: false, reason: 'this runtime has no Worker' };
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
  } catch (e) {
    return { ok: false, reason: `this engine cannot create shared wasm memory: ${messageOf(e)}` };
  }
  return { ok: true };
}

/** Threads for 'auto': the machine's parallelism, capped. */
export async function autoThreads(cap: number): Promise<number> {
  let n = 0;
  if (isNode()) {
    const os = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:os');
    n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  } else {
    n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  }
  return Math.max(1, Math.min(cap, Math.floor(n) || 1));
}
