import type { Kernel } from '../../../core/backend.js';
import { sizeOf, stridesOf, type Shape } from '../../../core/shape.js';
import { alloc, arr, wrap, type Arr } from '../storage.js';

/**
 * Data movement without arithmetic: concat, slice, reshape, transpose. Attributes arrive resolved
 * by the op (normalized axis, full-rank begin/size, explicit shape and permutation).
 */

/**
 * Fills `out` (of shape `outShape`, row-major) with X[base + sum_k idx_k * srcStrides[k]]:
 * any strided view of X (a slice, a permutation of its dimensions) copied out contiguously.
 */
function gatherStrided(X: Arr, out: Arr, outShape: Shape, srcStrides: readonly number[], base: number): void {
  const rank = outShape.length;
  const n = out.length;
  if (n === 0) return;
  if (rank === 0) {
    out[0] = X[base]!;
    return;
  }
  const last = outShape[rank - 1]!, step = srcStrides[rank - 1]!;
  const pos = new Array<number>(rank).fill(0);
  let src = base;
  for (let o = 0; o < n; o += last) {
    for (let i = 0, s = src; i < last; i++, s += step) out[o + i] = X[s]!;
    // Advance the outer dimensions like an odometer.
    for (let d = rank - 2; d >= 0; d--) {
      src += srcStrides[d]!;
      if (++pos[d]! < outShape[d]!) break;
      src -= srcStrides[d]! * outShape[d]!;
      pos[d] = 0;
    }
  }
}

export const movementKernels: Record<string, Kernel> = {
  /** Joins the inputs along `axis` (normalized); the op has checked the shapes. */
  concat: (xs, { axis }: { axis: number }, be) => {
    const first = xs[0]!.shape;
    const outer = sizeOf(first.slice(0, axis));
    const inner = sizeOf(first.slice(axis + 1));
    const shape = [...first];
    shape[axis] = xs.reduce((a, t) => a + t.shape[axis]!, 0);
    const out = alloc(arr(xs[0]!), sizeOf(shape));
    const rowOut = shape[axis]! * inner;
    let col = 0;
    for (const t of xs) {
      const X = arr(t);
      const row = t.shape[axis]! * inner;
      for (let o = 0; o < outer; o++) out.set(X.subarray(o * row, (o + 1) * row), o * rowOut + col);
      col += row;
    }
    return [wrap(be, out, shape)];
  },

  /** The block of `x` starting at `begin` with extent `size` (both full rank). */
  slice: ([x], { begin, size }: { begin: number[]; size: number[] }, be) => {
    const X = arr(x!);
    const strides = stridesOf(x!.shape);
    const out = alloc(X, sizeOf(size));
    gatherStrided(X, out, size, strides, begin.reduce((a, b, k) => a + b * strides[k]!, 0));
    return [wrap(be, out, size)];
  },

  /**
   * The same elements under a new shape. A copy here; backends may alias the input's storage
   * instead, since neither tensor is ever written after it is made.
   */
  reshape: ([x], { shape }: { shape: number[] }, be) => {
    const X = arr(x!);
    const out = alloc(X, X.length);
    out.set(X);
    return [wrap(be, out, shape)];
  },

  /** y.shape[i] = x.shape[perm[i]]. */
  transpose: ([x], { perm }: { perm: number[] }, be) => {
    const X = arr(x!);
    const strides = stridesOf(x!.shape);
    const shape = perm.map((p) => x!.shape[p]!);
    const out = alloc(X, X.length);
    gatherStrided(X, out, shape, perm.map((p) => strides[p]!), 0);
    return [wrap(be, out, shape)];
  },
};
