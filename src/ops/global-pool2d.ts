import { check } from '../core/errors.js';
import { defineOp, type OpDef } from '../core/op.js';
import { shapeToString, sizeOf, type Shape } from '../core/shape.js';
import { AttrReader } from './attrs.js';
import { checkImage, run2 } from './pool-window.js';

/**
 * Global pooling over the whole H x W plane of an NHWC input. Kernel attributes: forward
 * { keepDims }; backward { shape } (the input shape, which dx takes). dy may be [N, C] or
 * [N, 1, 1, C]: both hold the same N x C values.
 *
 *   global_avg_pool2d (x) -> y;  global_avg_pool2d_grad (dy) -> dx.
 *   global_max_pool2d (x) -> [y, argmax], argmax = h * W + w of the first maximum (a NaN wins);
 *   global_max_pool2d_grad (dy, argmax) -> dx.
 */

export interface GlobalPoolAttrs {
  /** false: y is [N, C] (Keras default); true: [N, 1, 1, C]. */
  keepDims: boolean;
}

/** [N, C] or [N, 1, 1, C]; rejects inputs that are not images or have no cells. */
function globalShape(op: string, x: Shape | undefined, a: GlobalPoolAttrs): Shape {
  checkImage(op, x);
  const [n, h, w, c] = x as [number, number, number, number];
  check(h * w > 0, 'E_SHAPE', () => `${op}: input ${shapeToString(x)} has no H x W cells to pool over`, { op, x });
  return a.keepDims ? [n, 1, 1, c] : [n, c];
}

function readAttrs(op: string, raw: Readonly<Record<string, unknown>>): GlobalPoolAttrs {
  const r = new AttrReader(op, raw);
  const keepDims = r.bool('keepDims', false);
  r.done();
  return { keepDims };
}

export const globalAvgPool2d: OpDef<GlobalPoolAttrs> = defineOp<GlobalPoolAttrs>({
  name: 'global_avg_pool2d',
  inputs: ['x'],
  kernels: { forward: ['global_avg_pool2d'], backward: ['global_avg_pool2d_grad'] },
  attrs: (raw) => readAttrs('global_avg_pool2d', raw),
  outputShape: ([x], a) => globalShape('global_avg_pool2d', x, a),
  // One add per input cell, one division per output.
  cost: ([x], _, y) => ({ flops: sizeOf(x!) + sizeOf(y), bytes: 4 * (sizeOf(x!) + sizeOf(y)) }),
  forward: (k, [x], a) => ({ y: k.run1('global_avg_pool2d', [x!], { keepDims: a.keepDims }) }),
  backward: (k, { dy, inputs }) => [k.run1('global_avg_pool2d_grad', [dy], { shape: [...inputs[0]!.shape] })],
});

export const globalMaxPool2d: OpDef<GlobalPoolAttrs> = defineOp<GlobalPoolAttrs>({
  name: 'global_max_pool2d',
  inputs: ['x'],
  kernels: { forward: ['global_max_pool2d'], backward: ['global_max_pool2d_grad'] },
  attrs: (raw) => readAttrs('global_max_pool2d', raw),
  outputShape: ([x], a) => globalShape('global_max_pool2d', x, a),
  // One comparison per input cell; the argmax is written next to y.
  cost: ([x], _, y) => ({ flops: sizeOf(x!), bytes: 4 * (sizeOf(x!) + 2 * sizeOf(y)) }),
  forward(k, [x], a) {
    const [y, argmax] = run2(k, 'global_max_pool2d', [x!], { keepDims: a.keepDims });
    return { y, saved: [argmax] };
  },
  backward: (k, { dy, inputs, saved }) => [k.run1('global_max_pool2d_grad', [dy, saved[0]!], { shape: [...inputs[0]!.shape] })],
});
