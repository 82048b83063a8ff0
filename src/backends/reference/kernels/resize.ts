import type { Kernel } from '../../../core/backend.js';
import { sizeOf } from '../../../core/shape.js';
import { resizeShape, resizeSampling, type ResizeAttrs } from '../../../ops/resize-geometry.js';
import { alloc, arr, wrap } from '../storage.js';

/** (1 - w) a + w b, reading b only when it has weight (an Inf there must not turn into NaN). */
function lerp(a: number, b: number, w: number): number {
  return w === 0 ? a : (1 - w) * a + w * b;
}

export const resizeKernels: Record<string, Kernel> = {
  /** NHWC resize: separable sampling of height then width, per resize-geometry.ts. */
  resize2d: ([x], a: ResizeAttrs, be) => {
    const X = arr(x!);
    const [n, h, w, c] = x!.shape as [number, number, number, number];
    const shape = resizeShape(x!.shape, a);
    const [, oh, ow] = shape;
    const s = resizeSampling(x!.shape, a);
    const out = alloc(X, sizeOf(shape));
    let o = 0;
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < oh; oy++) {
        const r0 = ((b * h + s.h.i0[oy]!) * w) * c, r1 = ((b * h + s.h.i1[oy]!) * w) * c, wy = s.h.w[oy]!;
        for (let ox = 0; ox < ow; ox++) {
          const c0 = s.w.i0[ox]! * c, c1 = s.w.i1[ox]! * c, wx = s.w.w[ox]!;
          for (let ch = 0; ch < c; ch++, o++) {
            const top = lerp(X[r0 + c0 + ch]!, X[r0 + c1 + ch]!, wx);
            out[o] = wy === 0 ? top : lerp(top, lerp(X[r1 + c0 + ch]!, X[r1 + c1 + ch]!, wx), wy);
          }
        }
      }
    }
    return [wrap(be, out, shape)];
  },

  /** dx for an input of `shape`: each dy scattered to the (up to) four cells it was read from. */
  resize2d_grad: ([dy], { shape, ...a }: ResizeAttrs & { shape: number[] }, be) => {
    const D = arr(dy!);
    const [n, h, w, c] = shape as [number, number, number, number];
    const [, oh, ow] = resizeShape(shape, a);
    const s = resizeSampling(shape, a);
    const out = alloc(D, sizeOf(shape));
    let o = 0;
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < oh; oy++) {
        const r0 = ((b * h + s.h.i0[oy]!) * w) * c, r1 = ((b * h + s.h.i1[oy]!) * w) * c, wy = s.h.w[oy]!;
        for (let ox = 0; ox < ow; ox++) {
          const c0 = s.w.i0[ox]! * c, c1 = s.w.i1[ox]! * c, wx = s.w.w[ox]!;
          const w00 = (1 - wy) * (1 - wx), w01 = (1 - wy) * wx, w10 = wy * (1 - wx), w11 = wy * wx;
          for (let ch = 0; ch < c; ch++, o++) {
            const g = D[o]!;
            out[r0 + c0 + ch]! += w00 * g;
            if (w01 !== 0) out[r0 + c1 + ch]! += w01 * g;
            if (w10 !== 0) out[r1 + c0 + ch]! += w10 * g;
            if (w11 !== 0) out[r1 + c1 + ch]! += w11 * g;
          }
        }
      }
    }
    return [wrap(be, out, shape)];
  },
};
