import type { Backend } from '../../core/backend.js';
import type { Shape } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';

/**
 * What kernel bindings (src/backends/wasm/kernels/<family>.ts) see of the wasm runtime.
 * The ABI and the memory rules are in docs/wasm.md.
 */
export interface WasmRuntime {
  /** The instance's exports, by name (kernels, plus the runtime's own). */
  readonly exports: Readonly<Record<string, (...args: number[]) => number | void>>;
  readonly memory: WebAssembly.Memory;
  /** Workers taking part in `run` (1 when single-threaded). */
  readonly threads: number;
  /** A new tensor of `shape` on this backend, uninitialized. */
  tensor(shape: Shape): Tensor;
  /** Byte address of a wasm tensor's first element. */
  ptr(t: Tensor): number;
  /** A fresh Float32Array view of a wasm tensor (valid until the next allocation or kernel call). */
  view(t: Tensor): Float32Array;
  /**
   * Scratch memory for the current kernel call: `bytesPerWorker` bytes for each worker, 16-byte
   * aligned; returns the base address (worker w uses base + w * roundUp16(bytesPerWorker)).
   * Freed when the kernel binding returns.
   */
  scratch(bytesPerWorker: number): number;
  /**
   * Calls export `name` with `args` followed by (start, end, worker), splitting [0, total) into
   * contiguous chunks that the threads (worker 0: the caller) claim as they come free, each a
   * whole number of `grain` items (the last may end at `total`); a worker may take several.
   * Returns when all chunks are done; a trap in any chunk throws E_BACKEND naming the kernel.
   */
  run(name: string, args: readonly number[], total: number, grain?: number): void;
  /** Calls an export once on the calling thread (for kernels that do not split). */
  call(name: string, args: readonly number[]): number | void;
  /**
   * A weight repacked into a kernel's layout, computed once per (tensor, key) and cached until
   * the tensor is disposed or `invalidate`d. `pack` writes the packed data at the given address.
   */
  packed(t: Tensor, key: string, bytes: number, pack: (dst: number) => void): number;
  /** Drops cached packings of a tensor whose values changed in place. */
  invalidate(t: Tensor): void;
}

/** The runtime behind a wasm backend's kernels. */
export function runtimeOf(b: Backend): WasmRuntime {
  return (b as Backend & { runtime: WasmRuntime }).runtime;
}
