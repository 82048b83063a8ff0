import type { Kernel } from '../../../core/backend.js';
import { sizeOf, stridesOf, type Shape } from '../../../core/shape.js';
import type { PadAttrs } from '../../../ops/pad.js';
import { padShape, padSourceIndex, type PadMode } from '../../../ops/pad-geometry.js';
import { alloc, arr, wrap } from '../storage.js';

/**
 * For each element of the padded output (row-major), the flat input index it reads, or -1 where
 * the constant fill goes. Forward gathers through it, the gradient scatters back through it.
 */
function padSources(x: Shape, pads: readonly number[], mode: PadMode): { shape: number[]; src: Int32Array } {
  const shape = padShape(x, pads, mode);
  const r = x.length;
  const strides = stridesOf(x);
  // Per axis: input offset along that axis for each output coordinate (-1: fill).
  const axes = x.map((d, a) => padSourceIndex(d, pads[a]!, pads[a + r]!, mode).map((i) => (i < 0 ? -1 : i * strides[a]!)));
  const src = new Int32Array(sizeOf(shape));
  let k = 0;
  const visit = (a: number, base: number): void => {
    if (a === r) {
      src[k++] = base;
      return;
    }
    const t = axes[a]!;
    for (let i = 0; i < t.length; i++) visit(a + 1, base < 0 || t[i]! < 0 ? -1 : base + t[i]!);
  };
  visit(0, 0);
  return { shape, src };
}

export const padKernels: Record<string, Kernel> = {
  pad: ([x], { pads, mode, value }: PadAttrs, be) => {
    const X = arr(x!);
    const { shape, src } = padSources(x!.shape, pads, mode);
    const out = alloc(X, src.length);
    for (let i = 0; i < src.length; i++) out[i] = src[i]! < 0 ? value : X[src[i]!]!;
    return [wrap(be, out, shape)];
  },

  /** dx for an input of `shape`: each output cell's dy added to the cell it copied (fill cells drop). */
  pad_grad: ([dy], { pads, mode, shape }: Pick<PadAttrs, 'pads' | 'mode'> & { shape: number[] }, be) => {
    const D = arr(dy!);
    const { src } = padSources(shape, pads, mode);
    const out = alloc(D, sizeOf(shape));
    for (let i = 0; i < src.length; i++) if (src[i]! >= 0) out[src[i]!]! += D[i]!;
    return [wrap(be, out, shape)];
  },
};
