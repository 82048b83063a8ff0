import type { Kernel } from '../../../core/backend.js';
import { normAxis, type Shape } from '../../../core/shape.js';
import { runtimeOf } from '../runtime.js';

/**
 * Softmax and its gradient on wasm (assembly/softmax.ts). The last axis runs over contiguous rows;
 * any other axis over [outer, len, inner] four inner positions at a time.
 */

const MIN_WORK = 1 << 14;
const grain = (workPerItem: number): number => Math.max(1, Math.ceil(MIN_WORK / Math.max(1, workPerItem)));

/** Splits a shape around `axis`: outer blocks, the axis length, and the inner (contiguous) size. */
function around(shape: Shape, axis: number): { outer: number; len: number; inner: number } {
  const a = normAxis(axis, shape.length);
  let outer = 1, inner = 1;
  for (let i = 0; i < a; i++) outer *= shape[i]!;
  for (let i = a + 1; i < shape.length; i++) inner *= shape[i]!;
  return { outer, len: shape[a]!, inner };
}

const softmax: Kernel = ([x], { axis }: { axis: number }, be) => {
  const rt = runtimeOf(be);
  const y = rt.tensor(x!.shape);
  if (y.size === 0) return [y];
  const { outer, len, inner } = around(x!.shape, axis);
  // exp costs about ten element operations.
  if (inner === 1) rt.run('softmax_last', [rt.ptr(x!), rt.ptr(y), len], outer, grain(12 * len));
  else rt.run('softmax_axis', [rt.ptr(x!), rt.ptr(y), len, inner], outer * Math.ceil(inner / 4), grain(48 * len));
  return [y];
};

const softmaxGrad: Kernel = ([dy, y], { axis }: { axis: number }, be) => {
  const rt = runtimeOf(be);
  const dx = rt.tensor(y!.shape);
  if (dx.size === 0) return [dx];
  const { outer, len, inner } = around(y!.shape, axis);
  const args = [rt.ptr(dy!), rt.ptr(y!), rt.ptr(dx)];
  if (inner === 1) rt.run('softmax_grad_last', [...args, len], outer, grain(2 * len));
  else rt.run('softmax_grad_axis', [...args, len, inner], outer * Math.ceil(inner / 4), grain(8 * len));
  return [dx];
};

export const softmaxKernels: Record<string, Kernel> = {
  softmax,
  softmax_grad: softmaxGrad,
};
