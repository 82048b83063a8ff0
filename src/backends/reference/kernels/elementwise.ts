import type { Kernel } from '../../../core/backend.js';
import { broadcastShapes, sizeOf, stridesOf, type Shape } from '../../../core/shape.js';
import { activate, activateGrad, type ActivationAttrs } from '../../../ops/activation-math.js';
import { alloc, arr, wrap, type Arr } from '../storage.js';

/** For each output index of a broadcast, the flat index into an input of shape `inShape`. */
export function broadcastIndex(outShape: Shape, inShape: Shape): Int32Array {
  const n = sizeOf(outShape);
  const rank = outShape.length;
  const inStrides = stridesOf(inShape);
  // Stride 0 along dimensions the input broadcasts.
  const s = outShape.map((_, i) => {
    const j = i - (rank - inShape.length);
    return j < 0 || inShape[j] === 1 ? 0 : inStrides[j]!;
  });
  const idx = new Int32Array(n);
  const pos = new Array<number>(rank).fill(0);
  let off = 0;
  for (let k = 0; k < n; k++) {
    idx[k] = off;
    for (let d = rank - 1; d >= 0; d--) {
      pos[d]!++;
      off += s[d]!;
      if (pos[d]! < outShape[d]!) break;
      off -= s[d]! * outShape[d]!;
      pos[d] = 0;
    }
  }
  return idx;
}

function binary(f: (a: number, b: number) => number): Kernel {
  return ([a, b], _attrs, be) => {
    const A = arr(a!), B = arr(b!);
    const shape = broadcastShapes(a!.shape, b!.shape);
    const out = alloc(A, sizeOf(shape));
    if (A.length === out.length && B.length === out.length) {
      for (let i = 0; i < out.length; i++) out[i] = f(A[i]!, B[i]!);
    } else {
      const ia = broadcastIndex(shape, a!.shape), ib = broadcastIndex(shape, b!.shape);
      for (let i = 0; i < out.length; i++) out[i] = f(A[ia[i]!]!, B[ib[i]!]!);
    }
    return [wrap(be, out, shape)];
  };
}

export const elementwiseKernels: Record<string, Kernel> = {
  add: binary((a, b) => a + b),
  mul: binary((a, b) => a * b),

  /** Sums dy over the dimensions along which an input of `shape` was broadcast. */
  reduce_sum_to: ([g], { shape }: { shape: number[] }, be) => {
    const G = arr(g!);
    const out: Arr = alloc(G, sizeOf(shape));
    const idx = broadcastIndex(g!.shape, shape);
    for (let i = 0; i < G.length; i++) out[idx[i]!]! += G[i]!;
    return [wrap(be, out, shape)];
  },

  activation: ([x], a: ActivationAttrs, be) => {
    const X = arr(x!);
    const out = alloc(X, X.length);
    for (let i = 0; i < X.length; i++) out[i] = activate(a.kind, X[i]!, a.alpha, a.beta);
    return [wrap(be, out, x!.shape)];
  },

  activation_grad: ([dy, x, y], a: ActivationAttrs, be) => {
    const D = arr(dy!), X = arr(x!), Y = arr(y!);
    const out = alloc(D, D.length);
    for (let i = 0; i < D.length; i++) out[i] = D[i]! * activateGrad(a.kind, X[i]!, Y[i]!, a.alpha, a.beta);
    return [wrap(be, out, x!.shape)];
  },
};
