import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';

/**
 * A kernel: inputs in the backend's own tensors, attributes already validated by the op.
 * Returns its output tensors (most kernels return one). Kernels are synchronous: GPU kernels
 * enqueue work and return tensors whose values are read back later.
 */
export type Kernel<A = any> = (inputs: readonly Tensor[], attrs: A, backend: Backend) => Tensor[];

/**
 * A backend: where tensors live and the kernels that compute on them, keyed by kernel name.
 * A kernel the backend lacks is simply absent from the table (never a throwing stub), so the
 * scheduler and the conformance suite can ask `has()` before running anything.
 */
export interface Backend {
  readonly name: string;
  readonly kernels: Readonly<Record<string, Kernel>>;
  /** Makes a tensor on this backend holding a copy of `data`. */
  upload(data: Float32Array, shape: Shape): Tensor;
  /** Copies a tensor's values to the host. */
  read(t: Tensor): Promise<Float32Array>;
  /** Synchronous read; throws E_UNSUPPORTED where the storage is not host-visible. */
  readSync(t: Tensor): Float32Array;
  /** Frees a tensor's storage (called by Tensor.dispose). */
  release(t: Tensor): void;
}

export function hasKernel(b: Backend, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(b.kernels, name);
}
