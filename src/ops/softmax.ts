import { check } from '../core/errors.js';
import { defineOp } from '../core/op.js';
import { normAxis, shapeToString, sizeOf } from '../core/shape.js';
import { AttrReader } from './attrs.js';

export interface SoftmaxAttrs {
  /** The axis normalized over; negative counts from the end. */
  axis: number;
}

/**
 * Softmax along one axis: y = exp(x - max) / sum(exp(x - max)). Subtracting the maximum keeps
 * exp from overflowing on large logits without changing the result.
 * Kernels: softmax (x, {axis}); softmax_grad (dy, y, {axis}) -> dx = y * (dy - sum(dy * y)).
 */
export const softmax = defineOp<SoftmaxAttrs>({
  name: 'softmax',
  inputs: ['x'],
  kernels: { forward: ['softmax'], backward: ['softmax_grad'] },
  attrs(raw) {
    const r = new AttrReader('softmax', raw);
    const axis = r.int('axis', -1);
    r.done();
    return { axis };
  },
  outputShape([x], { axis }) {
    check(x!.length >= 1, 'E_SHAPE', () => `softmax: x must have rank >= 1, got a scalar ${shapeToString(x!)}`, { x });
    normAxis(axis, x!.length, 'softmax: attribute axis');
    return x!;
  },
  // max, subtract, exp, sum, divide: about five operations per element.
  cost: ([x]) => ({ flops: 5 * sizeOf(x!), bytes: 8 * sizeOf(x!) }),
  backward: (k, { dy, y, attrs }) => [k.run1('softmax_grad', [dy, y], attrs)],
});
