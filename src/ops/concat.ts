import { TinyconvError, check } from '../core/errors.js';
import { defineOp } from '../core/op.js';
import { normAxis, shapeToString, sizeOf, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { AttrReader } from './attrs.js';

export interface ConcatAttrs {
  /** The axis to join along; negative counts from the end. */
  axis: number;
}

/**
 * Checks the inputs of a concatenation and returns the normalized axis and the output shape.
 * Every input has the same rank and the same size in every dimension but `axis`.
 */
export function concatShape(inputs: readonly Shape[], axis: number): { axis: number; shape: number[] } {
  check(inputs.length >= 1, 'E_ARG', 'concat needs one or more inputs');
  const first = inputs[0]!;
  check(first.length >= 1, 'E_SHAPE', `concat: inputs must have rank >= 1, got a scalar as input 0`);
  const ax = normAxis(axis, first.length, 'concat: attribute axis');
  const shape = [...first];
  for (let i = 1; i < inputs.length; i++) {
    const s = inputs[i]!;
    const bad = s.length !== first.length || s.some((d, j) => j !== ax && d !== first[j]);
    if (bad) {
      throw new TinyconvError(
        'E_SHAPE',
        `concat along axis ${ax}: input ${i} has shape ${shapeToString(s)}, which does not match input 0 ${shapeToString(first)} ` +
          `(same rank and the same size in every dimension but ${ax} expected)`,
        { input: i, shape: s, first, axis: ax },
      );
    }
    shape[ax]! += s[ax]!;
  }
  return { axis: ax, shape };
}

/**
 * Joins tensors along one axis (any number of inputs). Kernels: concat (x1..xn, {axis}) -> y with
 * a normalized axis; the gradient cuts dy back into pieces with slice (x, {begin, size}) -> part.
 */
export const concat = defineOp<ConcatAttrs>({
  name: 'concat',
  inputs: ['x'],
  variadic: true,
  kernels: { forward: ['concat'], backward: ['slice'] },
  attrs(raw) {
    const r = new AttrReader('concat', raw);
    const axis = r.int('axis', -1);
    r.done();
    return { axis };
  },
  outputShape: (inputs, { axis }) => concatShape(inputs as Shape[], axis).shape,
  cost: (inputs, _, y) => ({ flops: 0, bytes: (inputs.reduce((a, s) => a + sizeOf(s!), 0) + sizeOf(y)) * 4 }),
  forward(k, inputs, { axis }) {
    const xs = inputs as Tensor[];
    const { axis: ax } = concatShape(xs.map((t) => t.shape), axis);
    return { y: k.run1('concat', xs, { axis: ax }) };
  },
  backward(k, { dy, inputs, attrs, needs }) {
    const xs = inputs as Tensor[];
    const ax = normAxis(attrs.axis, dy.rank);
    const begin = new Array<number>(dy.rank).fill(0);
    return xs.map((x, i) => {
      const part = needs[i] ? k.run1('slice', [dy], { begin: [...begin], size: [...x.shape] }) : null;
      begin[ax]! += x.shape[ax]!;
      return part;
    });
  },
});
