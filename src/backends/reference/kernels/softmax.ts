import type { Kernel } from '../../../core/backend.js';
import { normAxis, type Shape } from '../../../core/shape.js';
import { alloc, arr, wrap } from '../storage.js';

/** Splits a shape around `axis`: outer blocks, the axis length, and the inner (contiguous) size. */
function around(shape: Shape, axis: number): { outer: number; len: number; inner: number } {
  const a = normAxis(axis, shape.length);
  let outer = 1, inner = 1;
  for (let i = 0; i < a; i++) outer *= shape[i]!;
  for (let i = a + 1; i < shape.length; i++) inner *= shape[i]!;
  return { outer, len: shape[a]!, inner };
}

export const softmaxKernels: Record<string, Kernel> = {
  /** Softmax along `axis`, shifted by the maximum so exp never overflows. */
  softmax: ([x], { axis }: { axis: number }, be) => {
    const X = arr(x!);
    const out = alloc(X, X.length);
    const { outer, len, inner } = around(x!.shape, axis);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * len * inner + j;
        let max = -Infinity;
        for (let i = 0; i < len; i++) max = Math.max(max, X[base + i * inner]!);
        let sum = 0;
        for (let i = 0; i < len; i++) {
          const e = Math.exp(X[base + i * inner]! - max);
          out[base + i * inner] = e;
          sum += e;
        }
        for (let i = 0; i < len; i++) out[base + i * inner]! /= sum;
      }
    }
    return [wrap(be, out, x!.shape)];
  },

  /** dx = y * (dy - sum(dy * y)) along `axis`, from the forward output y. */
  softmax_grad: ([dy, y], { axis }: { axis: number }, be) => {
    const D = arr(dy!), Y = arr(y!);
    const out = alloc(D, D.length);
    const { outer, len, inner } = around(y!.shape, axis);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * len * inner + j;
        let dot = 0;
        for (let i = 0; i < len; i++) dot += D[base + i * inner]! * Y[base + i * inner]!;
        for (let i = 0; i < len; i++) out[base + i * inner] = Y[base + i * inner]! * (D[base + i * inner]! - dot);
      }
    }
    return [wrap(be, out, y!.shape)];
  },
};
