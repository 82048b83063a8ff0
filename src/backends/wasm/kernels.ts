import { TinyconvError } from '../../core/errors.js';

/** What tinyconv.wasm exports (assembly/index.ts). Addresses and sizes are in bytes. */
export interface TinyconvWasmExports {
  readonly memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  mark(): number;
  reset(mark: number): void;
  relu(x: number, y: number, n: number): void;
  relu6(x: number, y: number, n: number): void;
  leaky_relu(x: number, y: number, n: number, alpha: number): void;
}

export const REQUIRED_EXPORTS = ['alloc', 'mark', 'reset', 'relu', 'relu6', 'leaky_relu'] as const;

/** Typed kernels over host arrays. Each call copies its input into wasm memory and the result out. */
export interface WasmKernels {
  /** The module's linear memory (grows as tensors need it). */
  readonly memory: WebAssembly.Memory;
  /** max(x, 0) element-wise; NaN and -0 give +0, as in the reference backend. */
  relu(x: Float32Array): Float32Array;
  /** min(max(x, 0), 6) element-wise; NaN gives 0. */
  relu6(x: Float32Array): Float32Array;
  /** x > 0 ? x : alpha * x element-wise. */
  leakyRelu(x: Float32Array, alpha: number): Float32Array;
}

/** wasm32 addresses stop at 4 GiB; a request this large can never succeed. */
const MAX_BYTES = 2 ** 32 - 2 ** 16;

export function bindKernels(ex: TinyconvWasmExports): WasmKernels {
  /** Runs `kernel` in place on a copy of `x` in wasm memory and returns a copy of the result. */
  const unary = (name: string, x: Float32Array, kernel: (ptr: number, n: number) => void): Float32Array => {
    if (!(x instanceof Float32Array)) {
      throw new TinyconvError('E_ARG', `wasm ${name}: expected a Float32Array, got ${describe(x)}`, { kernel: name });
    }
    const n = x.length;
    if (n === 0) return new Float32Array(0);
    const bytes = n * 4;
    const top = ex.mark();
    try {
      // alloc returns an unsigned address through a signed i32; 0 means memory could not grow.
      const ptr = bytes > MAX_BYTES ? 0 : ex.alloc(bytes) >>> 0;
      if (ptr === 0) {
        throw new TinyconvError('E_MEMORY', `wasm ${name}: cannot allocate ${bytes} bytes of wasm memory for ${n} values`, { kernel: name, bytes });
      }
      // Views are made after alloc: growing memory detaches earlier views of memory.buffer.
      new Float32Array(ex.memory.buffer, ptr, n).set(x);
      kernel(ptr, n);
      return new Float32Array(ex.memory.buffer, ptr, n).slice();
    } finally {
      ex.reset(top);
    }
  };
  return {
    memory: ex.memory,
    relu: (x) => unary('relu', x, (p, n) => ex.relu(p, p, n)),
    relu6: (x) => unary('relu6', x, (p, n) => ex.relu6(p, p, n)),
    leakyRelu: (x, alpha) => {
      if (typeof alpha !== 'number' || !Number.isFinite(alpha)) {
        throw new TinyconvError('E_ARG', `wasm leakyRelu: alpha must be a finite number, got ${describe(alpha)}`, { kernel: 'leakyRelu' });
      }
      return unary('leakyRelu', x, (p, n) => ex.leaky_relu(p, p, n, alpha));
    },
  };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return typeof v === 'number' ? String(v) : typeof v;
}
