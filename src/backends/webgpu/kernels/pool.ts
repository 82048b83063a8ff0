import type { Kernel } from '../../../core/backend.js';
import type { Tensor } from '../../../core/tensor.js';
import type { AvgPoolWindow, PoolWindow } from '../../../ops/pool-window.js';
import type { GpuRuntime } from '../runtime.js';
import { runtimeOf } from './common.js';
import { expectShape } from './checks.js';
import { dispatchFolds } from './folds.js';

/**
 * Pooling (kernels/pool.wgsl) with the window the op resolved (src/ops/pool-window.ts). Windowed
 * pools take one invocation per output element, their gradients one per input element (a gather
 * over the windows covering it); global pools fold each (n, c) plane in one workgroup.
 */

/** pool.wgsl's PoolParams. */
function params(total: number, c: number, w: PoolWindow, includePad = false): number[] {
  return [
    total, c, w.inH, w.inW,
    w.outH, w.outW, w.kh, w.kw,
    w.sh, w.sw, w.dh, w.dw,
    w.padTop, w.padBottom, w.padLeft, w.padRight,
    includePad ? 1 : 0, 0, 0, 0,
  ];
}

function pooled(rt: GpuRuntime, x: Tensor, w: PoolWindow): Tensor {
  return rt.tensor([x.shape[0]!, w.outH, w.outW, x.shape[3]!]);
}

/** dy of a windowed pool must be [N, outH, outW, C]; returns dx [N, inH, inW, C]. */
function gradInput(rt: GpuRuntime, kernel: string, dy: Tensor, w: PoolWindow): Tensor {
  const [n, , , c] = dy.shape as [number, number, number, number];
  expectShape(kernel, 'dy', dy.shape, [n, w.outH, w.outW, c]);
  return rt.tensor([n, w.inH, w.inW, c]);
}

const maxPool2d: Kernel = ([x], w: PoolWindow, be) => {
  const rt = runtimeOf(be);
  const y = pooled(rt, x!, w), argmax = pooled(rt, x!, w);
  rt.dispatch1d('pool', 'max_pool_argmax', {}, [rt.buffer(x!), rt.buffer(y), rt.buffer(argmax)], params(y.size, x!.shape[3]!, w), y.size);
  return [y, argmax];
};

const maxPool2dInfer: Kernel = ([x], w: PoolWindow, be) => {
  const rt = runtimeOf(be);
  const y = pooled(rt, x!, w);
  rt.dispatch1d('pool', 'max_pool', {}, [rt.buffer(x!), rt.buffer(y)], params(y.size, x!.shape[3]!, w), y.size);
  return [y];
};

const maxPool2dGrad: Kernel = ([dy, argmax], w: PoolWindow, be) => {
  const rt = runtimeOf(be);
  const dx = gradInput(rt, 'max_pool2d_grad', dy!, w);
  expectShape('max_pool2d_grad', 'argmax', argmax!.shape, dy!.shape);
  rt.dispatch1d('pool', 'max_pool_grad', {}, [rt.buffer(dy!), rt.buffer(argmax!), rt.buffer(dx)], params(dx.size, dx.shape[3]!, w), dx.size);
  return [dx];
};

const avgPool2d: Kernel = ([x], w: AvgPoolWindow, be) => {
  const rt = runtimeOf(be);
  const y = pooled(rt, x!, w);
  rt.dispatch1d('pool', 'avg_pool', {}, [rt.buffer(x!), rt.buffer(y)], params(y.size, x!.shape[3]!, w, w.countIncludePad), y.size);
  return [y];
};

const avgPool2dGrad: Kernel = ([dy], w: AvgPoolWindow, be) => {
  const rt = runtimeOf(be);
  const dx = gradInput(rt, 'avg_pool2d_grad', dy!, w);
  rt.dispatch1d('pool', 'avg_pool_grad', {}, [rt.buffer(dy!), rt.buffer(dx)], params(dx.size, dx.shape[3]!, w, w.countIncludePad), dx.size);
  return [dx];
};

/** pool.wgsl's GlobalParams for an input of `shape` [N, H, W, C]. */
function globalParams(total: number, shape: readonly number[]): number[] {
  const [, h, w, c] = shape as [number, number, number, number];
  return [total, c, h * w, 0];
}

function globalOut(rt: GpuRuntime, x: Tensor, keepDims: boolean): Tensor {
  const [n, , , c] = x.shape as [number, number, number, number];
  return rt.tensor(keepDims ? [n, 1, 1, c] : [n, c]);
}

/** dy of a global pool holds N x C values ([N, C] or [N, 1, 1, C]); returns dx of `shape`. */
function globalGradInput(rt: GpuRuntime, kernel: string, dy: Tensor, shape: number[]): Tensor {
  const [n, , , c] = shape as [number, number, number, number];
  expectShape(kernel, 'dy', dy.shape, dy.shape.length === 4 ? [n, 1, 1, c] : [n, c]);
  return rt.tensor(shape);
}

const globalAvgPool2d: Kernel = ([x], { keepDims }: { keepDims: boolean }, be) => {
  const rt = runtimeOf(be);
  const y = globalOut(rt, x!, keepDims);
  const cells = x!.shape[1]! * x!.shape[2]!;
  dispatchFolds(rt, 'pool', 'global_avg', {}, [rt.buffer(x!), rt.buffer(y)], globalParams(y.size, x!.shape), y.size, cells);
  return [y];
};

const globalAvgPool2dGrad: Kernel = ([dy], { shape }: { shape: number[] }, be) => {
  const rt = runtimeOf(be);
  const dx = globalGradInput(rt, 'global_avg_pool2d_grad', dy!, shape);
  rt.dispatch1d('pool', 'global_avg_grad', {}, [rt.buffer(dy!), rt.buffer(dx)], globalParams(dx.size, shape), dx.size);
  return [dx];
};

const globalMaxPool2d: Kernel = ([x], { keepDims }: { keepDims: boolean }, be) => {
  const rt = runtimeOf(be);
  const y = globalOut(rt, x!, keepDims), argmax = globalOut(rt, x!, keepDims);
  const cells = x!.shape[1]! * x!.shape[2]!;
  dispatchFolds(rt, 'pool', 'global_max', {}, [rt.buffer(x!), rt.buffer(y), rt.buffer(argmax)], globalParams(y.size, x!.shape), y.size, cells);
  return [y, argmax];
};

const globalMaxPool2dGrad: Kernel = ([dy, argmax], { shape }: { shape: number[] }, be) => {
  const rt = runtimeOf(be);
  const dx = globalGradInput(rt, 'global_max_pool2d_grad', dy!, shape);
  expectShape('global_max_pool2d_grad', 'argmax size', [argmax!.size], [dy!.size]);
  rt.dispatch1d('pool', 'global_max_grad', {}, [rt.buffer(dy!), rt.buffer(argmax!), rt.buffer(dx)], globalParams(dx.size, shape), dx.size);
  return [dx];
};

export const poolKernels: Record<string, Kernel> = {
  max_pool2d: maxPool2d,
  max_pool2d_infer: maxPool2dInfer,
  max_pool2d_grad: maxPool2dGrad,
  avg_pool2d: avgPool2d,
  avg_pool2d_grad: avgPool2dGrad,
  global_avg_pool2d: globalAvgPool2d,
  global_avg_pool2d_grad: globalAvgPool2dGrad,
  global_max_pool2d: globalMaxPool2d,
  global_max_pool2d_grad: globalMaxPool2dGrad,
};
