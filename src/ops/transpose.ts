import { check } from '../core/errors.js';
import { defineOp } from '../core/op.js';
import { shapeToString, sizeOf, type Shape } from '../core/shape.js';
import { AttrReader } from './attrs.js';

export interface TransposeAttrs {
  /** Output dimension i is input dimension perm[i]; absent: reverse the dimensions. */
  perm?: number[];
}

/** The permutation for an input of rank `rank`, checked (the default reverses the dimensions). */
export function resolvePerm(rank: number, perm: readonly number[] | undefined, x?: Shape): number[] {
  if (!perm) return Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const ok = perm.length === rank && perm.every((p) => p >= 0 && p < rank) && new Set(perm).size === rank;
  check(ok, 'E_ATTR', () => `transpose: attribute perm ${shapeToString(perm)} is not a permutation of 0..${rank - 1} for input ${x ? shapeToString(x) : `of rank ${rank}`}`, { perm, rank });
  return [...perm];
}

/** The permutation that undoes `perm`. */
export function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/**
 * Permutes dimensions: y.shape[i] = x.shape[perm[i]]. Importers use it between NCHW and NHWC
 * ([0, 2, 3, 1] and [0, 3, 1, 2]). Kernel: transpose (x, {perm}) -> y with perm resolved;
 * the gradient is the same kernel with the inverse permutation.
 */
export const transpose = defineOp<TransposeAttrs>({
  name: 'transpose',
  inputs: ['x'],
  kernels: { forward: ['transpose'], backward: ['transpose'] },
  attrs(raw) {
    const r = new AttrReader('transpose', raw);
    const perm = r.any('perm') === undefined ? undefined : r.intList('perm', undefined, 0);
    r.done();
    return perm ? { perm } : {};
  },
  outputShape: ([x], { perm }) => resolvePerm(x!.length, perm, x).map((p) => x![p]!),
  cost: ([x]) => ({ flops: 0, bytes: sizeOf(x!) * 8 }),
  forward: (k, [x], { perm }) => ({ y: k.run1('transpose', [x!], { perm: resolvePerm(x!.rank, perm, x!.shape) }) }),
  backward: (k, { dy, inputs, attrs }) => [k.run1('transpose', [dy], { perm: inversePerm(resolvePerm(inputs[0]!.rank, attrs.perm)) })],
});
