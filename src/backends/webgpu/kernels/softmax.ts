import type { Kernel } from '../../../core/backend.js';
import { normAxis, type Shape } from '../../../core/shape.js';
import { runtimeOf } from './common.js';
import { expectShape } from './checks.js';
import { dispatchFolds } from './folds.js';

/**
 * Softmax along any axis (kernels/softmax.wgsl): the tensor is viewed as [outer, len, inner] and
 * each of the outer * inner rows folds in one workgroup (maximum, sum of exponentials).
 */

/** softmax.wgsl's SoftmaxParams: rows, len, inner. */
function params(shape: Shape, axis: number): number[] {
  const a = normAxis(axis, shape.length, 'softmax: attribute axis');
  let outer = 1, inner = 1;
  for (let i = 0; i < a; i++) outer *= shape[i]!;
  for (let i = a + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer * inner, shape[a]!, inner, 0];
}

export const softmaxKernels: Record<string, Kernel> = {
  softmax: ([x], { axis }: { axis: number }, be) => {
    const rt = runtimeOf(be);
    const y = rt.tensor(x!.shape);
    if (y.size === 0) return [y];
    const u = params(x!.shape, axis);
    dispatchFolds(rt, 'softmax', 'softmax', {}, [rt.buffer(x!), rt.buffer(y)], u, u[0]!, u[1]!);
    return [y];
  },

  /** dx = y * (dy - sum(dy * y)) along `axis`, from the forward output y. */
  softmax_grad: ([dy, y], { axis }: { axis: number }, be) => {
    const rt = runtimeOf(be);
    expectShape('softmax_grad', 'dy', dy!.shape, y!.shape);
    const dx = rt.tensor(y!.shape);
    if (dx.size === 0) return [dx];
    const u = params(y!.shape, axis);
    dispatchFolds(rt, 'softmax', 'softmax_grad', {}, [rt.buffer(dy!), rt.buffer(y!), rt.buffer(dx)], u, u[0]!, u[1]!);
    return [dx];
  },
};
