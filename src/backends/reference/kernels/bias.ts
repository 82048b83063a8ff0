import type { Kernel } from '../../../core/backend.js';
import { TinyconvError } from '../../../core/errors.js';
import { shapeToString } from '../../../core/shape.js';
import { alloc, arr, wrap } from '../storage.js';

/** Channels-last bias: x [..., C] + b [C], and its gradient, dy summed over all but the last axis. */
export const biasKernels: Record<string, Kernel> = {
  bias_add: ([x, b], _attrs, be) => {
    const X = arr(x!), B = arr(b!);
    const c = B.length;
    const out = alloc(X, X.length);
    for (let o = 0; o < X.length; o += c) {
      for (let j = 0; j < c; j++) out[o + j] = X[o + j]! + B[j]!;
    }
    return [wrap(be, out, x!.shape)];
  },

  bias_grad: ([dy], _attrs, be) => {
    if (dy!.rank < 1) throw new TinyconvError('E_SHAPE', `bias_grad: dy must have rank >= 1 ([..., C]), got ${shapeToString(dy!.shape)}`);
    const D = arr(dy!);
    const c = dy!.shape[dy!.rank - 1]!;
    const acc = new Float64Array(c);
    for (let o = 0; o < D.length; o += c) {
      for (let j = 0; j < c; j++) acc[j] += D[o + j]!;
    }
    const out = alloc(D, c);
    out.set(acc);
    return [wrap(be, out, [c])];
  },
};
