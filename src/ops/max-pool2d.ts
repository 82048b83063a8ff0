import { defineOp, type KernelRunner } from '../core/op.js';
import type { Tensor } from '../core/tensor.js';
import { AttrReader } from './attrs.js';
import { poolWindow, pooledShape, readPoolAttrs, run2, windowCost, type PoolAttrs, type PoolWindow } from './pool-window.js';

/**
 * The argmax (switches) of a max pool for its gradient: the one a training forward saved, or,
 * after an inference forward (which computes none), recomputed from x with the same kernel.
 */
export function maxPoolSwitches(k: KernelRunner, x: Tensor, win: PoolWindow, saved: readonly Tensor[]): { argmax: Tensor; recomputed: boolean } {
  if (saved[0]) return { argmax: saved[0], recomputed: false };
  const [y, argmax] = run2(k, 'max_pool2d', [x], win);
  y.dispose();
  return { argmax, recomputed: true };
}

/**
 * Max pooling over NHWC windows. Padded cells count as -inf, so they never win; ties go to the
 * first cell in window order (row-major over the pool window), and a NaN in a window wins.
 *
 * Kernels, with the resolved PoolWindow as attributes:
 *   max_pool2d (x) -> [y, argmax] (training): argmax holds each winner's window-relative index
 *     jh * kw + jw (small integers, exact in float32), the switches the gradient routes through.
 *   max_pool2d_infer (x) -> y (inference): the same y without writing the switches; a backward
 *     pass after an inference forward recomputes them with max_pool2d.
 *   max_pool2d_grad (dy, argmax) -> dx [N, inH, inW, C].
 */
export const maxPool2d = defineOp<PoolAttrs>({
  name: 'max_pool2d',
  inputs: ['x'],
  kernels: { forward: ['max_pool2d_infer', 'max_pool2d'], backward: ['max_pool2d', 'max_pool2d_grad'] },
  attrs(raw) {
    const r = new AttrReader('max_pool2d', raw);
    const a = readPoolAttrs(r);
    r.done();
    return a;
  },
  outputShape: ([x], a) => pooledShape(x!, poolWindow('max_pool2d', x, a)),
  cost([x], a, y) {
    const c = windowCost(x!, y, poolWindow('max_pool2d', x, a));
    // Inference reads x and writes y; a training forward also writes the argmax (one more output).
    return { flops: c.taps, bytes: c.inBytes + c.outBytes };
  },
  forward(k, [x], a, mode) {
    const win = poolWindow('max_pool2d', x!.shape, a);
    if (mode === 'infer') return { y: k.run1('max_pool2d_infer', [x!], win) };
    const [y, argmax] = run2(k, 'max_pool2d', [x!], win);
    return { y, saved: [argmax] };
  },
  backward(k, { dy, inputs, saved, attrs }) {
    const win = poolWindow('max_pool2d', inputs[0]!.shape, attrs);
    const { argmax, recomputed } = maxPoolSwitches(k, inputs[0]!, win, saved);
    const dx = k.run1('max_pool2d_grad', [dy, argmax], win);
    if (recomputed) argmax.dispose();
    return [dx];
  },
});
