/**
 * 2-D resizing of NHWC f32 images and its gradient, SIMD over channels. The binding computes the
 * sampling of each axis once with src/ops/resize-geometry.ts and passes it as tables, one entry of
 * 16 bytes per output row / column: (i0: i32, i1: i32, w0: f32, w1: f32), the output reading
 * w0 * x[i0] + w1 * x[i1] (nearest sampling: w1 = 0). As in the reference kernel, x[i1] is only
 * read when w1 != 0, so an infinite neighbour with no weight never turns into NaN.
 */

import { V128_BYTES, fma } from './simd';

// @ts-ignore: decorator
@inline function lerp4(a: v128, b: v128, w0: v128, w1: v128): v128 {
  return fma(b, w1, f32x4.mul(a, w0));
}

/**
 * y [N, OH, OW, C] from x [N, H, W, C] with the row and column tables. Splits over output rows
 * u = n * OH + oy.
 */
export function resize2d(x: usize, y: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, rows: usize, cols: usize, start: i32, end: i32, worker: i32): void {
  const pix = <usize>C << 2;
  const vec = pix & ~(V128_BYTES - 1);
  const xrow = <usize>W * pix;
  for (let u = start; u < end; u++) {
    const n = u / OH, oy = u - n * OH;
    const re = rows + (<usize>oy << 4);
    const img = x + <usize>n * <usize>H * xrow;
    const r0 = img + <usize>load<i32>(re) * xrow, r1 = img + <usize>load<i32>(re, 4) * xrow;
    const wy0 = load<f32>(re, 8), wy1 = load<f32>(re, 12);
    const vy0 = f32x4.splat(wy0), vy1 = f32x4.splat(wy1);
    let yo = y + <usize>u * <usize>OW * pix;
    for (let ox = 0; ox < OW; ox++, yo += pix) {
      const ce = cols + (<usize>ox << 4);
      const c0 = <usize>load<i32>(ce) * pix, c1 = <usize>load<i32>(ce, 4) * pix;
      const wx0 = load<f32>(ce, 8), wx1 = load<f32>(ce, 12);
      const vx0 = f32x4.splat(wx0), vx1 = f32x4.splat(wx1);
      const a = r0 + c0, b = r0 + c1, c = r1 + c0, d = r1 + c1;
      let o: usize = 0;
      if (wy1 == 0) {
        if (wx1 == 0) {
          // A plain copy; short pixels go inline rather than through memory.copy's call.
          if (pix >= 64) {
            memory.copy(yo, a, pix);
            continue;
          }
          for (; o < vec; o += V128_BYTES) v128.store(yo + o, v128.load(a + o));
          for (; o < pix; o += 4) store<f32>(yo + o, load<f32>(a + o));
          continue;
        }
        for (; o < vec; o += V128_BYTES) v128.store(yo + o, lerp4(v128.load(a + o), v128.load(b + o), vx0, vx1));
        for (; o < pix; o += 4) store<f32>(yo + o, wx0 * load<f32>(a + o) + wx1 * load<f32>(b + o));
      } else if (wx1 == 0) {
        for (; o < vec; o += V128_BYTES) v128.store(yo + o, lerp4(v128.load(a + o), v128.load(c + o), vy0, vy1));
        for (; o < pix; o += 4) store<f32>(yo + o, wy0 * load<f32>(a + o) + wy1 * load<f32>(c + o));
      } else {
        for (; o < vec; o += V128_BYTES) {
          const top = lerp4(v128.load(a + o), v128.load(b + o), vx0, vx1);
          const bottom = lerp4(v128.load(c + o), v128.load(d + o), vx0, vx1);
          v128.store(yo + o, lerp4(top, bottom, vy0, vy1));
        }
        for (; o < pix; o += 4) {
          const top = wx0 * load<f32>(a + o) + wx1 * load<f32>(b + o);
          const bottom = wx0 * load<f32>(c + o) + wx1 * load<f32>(d + o);
          store<f32>(yo + o, wy0 * top + wy1 * bottom);
        }
      }
    }
  }
}

/** d[c] += w * g[c] for c < C. */
// @ts-ignore: decorator
@inline function axpy(d: usize, g: usize, w: f32, pix: usize, vec: usize): void {
  const wv = f32x4.splat(w);
  let o: usize = 0;
  for (; o < vec; o += V128_BYTES) v128.store(d + o, fma(v128.load(g + o), wv, v128.load(d + o)));
  for (; o < pix; o += 4) store<f32>(d + o, load<f32>(d + o) + load<f32>(g + o) * w);
}

/**
 * dx [N, H, W, C] from dy [N, OH, OW, C]: every dy scattered back with the forward weights.
 * Splits over input rows u = n * H + iy. Input row iy gathers the output rows that read it:
 * entries [start[iy], start[iy + 1]) of `links` (i32 offsets at `linkStart`, H + 1 of them), each
 * 8 bytes (oy: i32, row weight: f32); within such a row, columns scatter by the column table.
 */
export function resize2d_grad(
  dy: usize, dx: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, linkStart: usize, links: usize, cols: usize,
  start: i32, end: i32, worker: i32,
): void {
  const pix = <usize>C << 2;
  const vec = pix & ~(V128_BYTES - 1);
  const xrow = <usize>W * pix, yrow = <usize>OW * pix;
  for (let u = start; u < end; u++) {
    const n = u / H, iy = u - n * H;
    const d = dx + <usize>u * xrow;
    memory.fill(d, 0, xrow);
    const l1 = load<i32>(linkStart + (<usize>(iy + 1) << 2));
    for (let l = load<i32>(linkStart + (<usize>iy << 2)); l < l1; l++) {
      const le = links + (<usize>l << 3);
      const oy = load<i32>(le);
      const wy = load<f32>(le, 4);
      let g = dy + <usize>(n * OH + oy) * yrow;
      for (let ox = 0; ox < OW; ox++, g += pix) {
        const ce = cols + (<usize>ox << 4);
        const wx1 = load<f32>(ce, 12);
        axpy(d + <usize>load<i32>(ce) * pix, g, wy * load<f32>(ce, 8), pix, vec);
        if (wx1 != 0) axpy(d + <usize>load<i32>(ce, 4) * pix, g, wy * wx1, pix, vec);
      }
    }
  }
}
