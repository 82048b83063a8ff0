import { TinyconvError } from '../../core/errors.js';
import type { Backend } from '../../core/backend.js';
import type { Shape } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';

/**
 * Reference tensors hold a plain typed array. The float64 variant of the backend exists for
 * gradient checks by finite differences, which need more precision than float32 gives.
 */
export type Arr = Float32Array | Float64Array;

/** The typed array behind a reference tensor. */
export function arr(t: Tensor): Arr {
  return t.handle as Arr;
}

/** A new zeroed array of the same precision as `like`. */
export function alloc(like: Arr, n: number): Arr {
  return like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

/** Wraps an array the kernel just computed (no copy). */
export function wrap(b: Backend, data: Arr, shape: Shape): Tensor {
  if (data.length !== shape.reduce((a, d) => a * d, 1)) {
    throw new TinyconvError('E_BACKEND', `${b.name}: kernel produced ${data.length} values for shape [${shape.join(', ')}]`);
  }
  return new Tensor(shape, b, data);
}
