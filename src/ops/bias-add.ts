import { check } from '../core/errors.js';
import { defineOp } from '../core/op.js';
import { shapeToString, sizeOf } from '../core/shape.js';
import { AttrReader } from './attrs.js';

/**
 * y = x + b along the last axis: x [..., C], b [C]. Kernels: bias_add (x, b) -> y and
 * bias_grad (dy) -> [C], the sum of dy over every axis but the last.
 */
export const biasAdd = defineOp<Record<string, never>>({
  name: 'bias_add',
  inputs: ['x', 'b'],
  params: ['b'],
  kernels: { forward: ['bias_add'], backward: ['bias_grad'] },
  attrs(raw) {
    new AttrReader('bias_add', raw).done();
    return {};
  },
  outputShape([x, b]) {
    check(x!.length >= 1, 'E_SHAPE', () => `bias_add: x must have rank >= 1 ([..., C]), got a scalar ${shapeToString(x!)}`, { x });
    const c = x![x!.length - 1]!;
    check(b!.length === 1 && b![0] === c, 'E_SHAPE', () => `bias_add: bias b must have shape [${c}] (the last dimension of x ${shapeToString(x!)}), got ${shapeToString(b!)}`, { x, b });
    return x!;
  },
  paramShapes(x) {
    check(x.length >= 1, 'E_SHAPE', () => `bias_add: x must have rank >= 1 ([..., C]), got a scalar ${shapeToString(x)}`, { x });
    return { b: [x[x.length - 1]!] };
  },
  cost: ([x, b]) => ({ flops: sizeOf(x!), bytes: 4 * (2 * sizeOf(x!) + sizeOf(b!)) }),
  backward: (k, { dy, needs }) => [needs[0] ? dy : null, needs[1] ? k.run1('bias_grad', [dy]) : null],
});
