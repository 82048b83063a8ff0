import { defineOp } from '../core/op.js';
import { AttrReader } from './attrs.js';
import { poolWindow, pooledShape, readPoolAttrs, run2, windowCost, type PoolAttrs } from './pool-window.js';

/**
 * Max pooling over NHWC windows. Padded cells count as -inf, so they never win; ties go to the
 * first cell in window order (row-major over the pool window), and a NaN in a window wins.
 *
 * Kernels, with the resolved PoolWindow as attributes:
 *   max_pool2d (x) -> [y, argmax]: argmax holds each winner's window-relative index jh * kw + jw
 *     (small integers, exact in float32), the switches the gradient routes through.
 *   max_pool2d_grad (dy, argmax) -> dx [N, inH, inW, C].
 */
export const maxPool2d = defineOp<PoolAttrs>({
  name: 'max_pool2d',
  inputs: ['x'],
  kernels: { forward: ['max_pool2d'], backward: ['max_pool2d_grad'] },
  attrs(raw) {
    const r = new AttrReader('max_pool2d', raw);
    const a = readPoolAttrs(r);
    r.done();
    return a;
  },
  outputShape: ([x], a) => pooledShape(x!, poolWindow('max_pool2d', x, a)),
  cost([x], a, y) {
    const c = windowCost(x!, y, poolWindow('max_pool2d', x, a));
    // The argmax is written next to y.
    return { flops: c.taps, bytes: c.inBytes + 2 * c.outBytes };
  },
  forward(k, [x], a) {
    const [y, argmax] = run2(k, 'max_pool2d', [x!], poolWindow('max_pool2d', x!.shape, a));
    return { y, saved: [argmax] };
  },
  backward: (k, { dy, inputs, saved, attrs }) => [k.run1('max_pool2d_grad', [dy, saved[0]!], poolWindow('max_pool2d', inputs[0]!.shape, attrs))],
});

