import type { Kernel } from '../../../core/backend.js';
import type { Shape } from '../../../core/shape.js';
import type { AvgPoolWindow, PoolWindow } from '../../../ops/pool-window.js';
import { runtimeOf } from '../runtime.js';

/**
 * Pooling kernels on wasm (assembly/pool.ts). Windowed pools split over output rows (forward) or
 * input rows (backward, which gathers the windows covering each row, so threads never collide);
 * global pools over (image, 16-channel block) pairs or pixels.
 */

/** Element operations a chunk should hold at least, so that splitting pays for the wake-up. */
const MIN_WORK = 1 << 14;
const grain = (workPerItem: number): number => Math.max(1, Math.ceil(MIN_WORK / Math.max(1, workPerItem)));

/** The window as the kernels' (inH, inW, C, outH, outW, kh, kw, sh, sw, dh, dw) arguments. */
function sizes(w: PoolWindow, c: number): number[] {
  return [w.inH, w.inW, c, w.outH, w.outW, w.kh, w.kw, w.sh, w.sw, w.dh, w.dw];
}

const imageShape = (n: number, h: number, w: number, c: number): Shape => [n, h, w, c];

const maxPool2d: Kernel = ([x], w: PoolWindow, be) => {
  const rt = runtimeOf(be);
  const [n, , , c] = x!.shape as [number, number, number, number];
  const shape = imageShape(n, w.outH, w.outW, c);
  const y = rt.tensor(shape), arg = rt.tensor(shape);
  if (y.size === 0 || x!.size === 0) return [y, arg];
  rt.run('max_pool2d', [rt.ptr(x!), rt.ptr(y), rt.ptr(arg), ...sizes(w, c), w.padTop, w.padLeft], n * w.outH, grain(w.outW * c * w.kh * w.kw));
  return [y, arg];
};

/** y alone, for inference: max_pool2d's values without writing the argmax. */
const maxPool2dInfer: Kernel = ([x], w: PoolWindow, be) => {
  const rt = runtimeOf(be);
  const [n, , , c] = x!.shape as [number, number, number, number];
  const y = rt.tensor(imageShape(n, w.outH, w.outW, c));
  if (y.size === 0 || x!.size === 0) return [y];
  rt.run('max_pool2d_infer', [rt.ptr(x!), rt.ptr(y), ...sizes(w, c), w.padTop, w.padLeft], n * w.outH, grain(w.outW * c * w.kh * w.kw));
  return [y];
};

const maxPool2dGrad: Kernel = ([dy, arg], w: PoolWindow, be) => {
  const rt = runtimeOf(be);
  const [n, , , c] = dy!.shape as [number, number, number, number];
  const dx = rt.tensor(imageShape(n, w.inH, w.inW, c));
  if (dx.size === 0) return [dx];
  const args = [rt.ptr(dy!), rt.ptr(arg!), rt.ptr(dx), ...sizes(w, c), w.padTop, w.padLeft];
  rt.run('max_pool2d_grad', args, n * w.inH, grain(w.inW * c * w.kh));
  return [dx];
};

/** The average pool's padding and counting arguments. */
const avgArgs = (w: AvgPoolWindow): number[] => [w.padTop, w.padBottom, w.padLeft, w.padRight, w.countIncludePad ? 1 : 0];

const avgPool2d: Kernel = ([x], w: AvgPoolWindow, be) => {
  const rt = runtimeOf(be);
  const [n, , , c] = x!.shape as [number, number, number, number];
  const y = rt.tensor(imageShape(n, w.outH, w.outW, c));
  if (y.size === 0 || x!.size === 0) return [y];
  rt.run('avg_pool2d', [rt.ptr(x!), rt.ptr(y), ...sizes(w, c), ...avgArgs(w)], n * w.outH, grain(w.outW * c * w.kh * w.kw));
  return [y];
};

const avgPool2dGrad: Kernel = ([dy], w: AvgPoolWindow, be) => {
  const rt = runtimeOf(be);
  const [n, , , c] = dy!.shape as [number, number, number, number];
  const dx = rt.tensor(imageShape(n, w.inH, w.inW, c));
  if (dx.size === 0) return [dx];
  rt.run('avg_pool2d_grad', [rt.ptr(dy!), rt.ptr(dx), ...sizes(w, c), ...avgArgs(w)], n * w.inH, grain(w.inW * c * w.kh));
  return [dx];
};

const globalShape = (x: Shape, keepDims: boolean): Shape => (keepDims ? [x[0]!, 1, 1, x[3]!] : [x[0]!, x[3]!]);

/** (image, 16-channel block) work units of the global pools. */
const channelBlocks = (c: number): number => Math.ceil(c / 16);

const globalAvgPool2d: Kernel = ([x], { keepDims }: { keepDims: boolean }, be) => {
  const rt = runtimeOf(be);
  const [n, h, w, c] = x!.shape as [number, number, number, number];
  const y = rt.tensor(globalShape(x!.shape, keepDims));
  if (y.size === 0) return [y];
  rt.run('global_avg_pool2d', [rt.ptr(x!), rt.ptr(y), h * w, c], n * channelBlocks(c), grain(h * w * 16));
  return [y];
};

const globalAvgPool2dGrad: Kernel = ([dy], { shape }: { shape: number[] }, be) => {
  const rt = runtimeOf(be);
  const [n, h, w, c] = shape as [number, number, number, number];
  const dx = rt.tensor(shape);
  if (dx.size === 0) return [dx];
  rt.run('global_avg_pool2d_grad', [rt.ptr(dy!), rt.ptr(dx), h * w, c], n * h * w, grain(c));
  return [dx];
};

const globalMaxPool2d: Kernel = ([x], { keepDims }: { keepDims: boolean }, be) => {
  const rt = runtimeOf(be);
  const [n, h, w, c] = x!.shape as [number, number, number, number];
  const shape = globalShape(x!.shape, keepDims);
  const y = rt.tensor(shape), arg = rt.tensor(shape);
  if (y.size === 0) return [y, arg];
  rt.run('global_max_pool2d', [rt.ptr(x!), rt.ptr(y), rt.ptr(arg), h * w, c], n * channelBlocks(c), grain(h * w * 16));
  return [y, arg];
};

const globalMaxPool2dGrad: Kernel = ([dy, arg], { shape }: { shape: number[] }, be) => {
  const rt = runtimeOf(be);
  const [n, h, w, c] = shape as [number, number, number, number];
  const dx = rt.tensor(shape);
  if (dx.size === 0) return [dx];
  rt.run('global_max_pool2d_grad', [rt.ptr(dy!), rt.ptr(arg!), rt.ptr(dx), h * w, c], n, grain(h * w * c));
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
