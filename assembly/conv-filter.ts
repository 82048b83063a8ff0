/**
 * conv2d_grad_filter: dw[ky, kx, ci, co] = sum over batch and output pixels of
 * x[n, oh*sh - pt + ky*dh, ow*sw - pl + kx*dw, g*cg + ci] * dy[n, oh, ow, g*og + co].
 *
 * For each tap that is a GEMM [cg, pixels] x [pixels, og]. Workers split the output rows (the
 * reduction) and accumulate into their own partial dw, laid out [g][tap][cg][og rounded to 8];
 * conv2d_grad_filter_reduce then sums the partials into dw. Register tiles are 4 input channels
 * (broadcast from x, which is contiguous over ci) x 8 output channels (vectors from a copy of the
 * dy row whose groups are padded to 8 lanes, so no load reads past the tensor), reduced along
 * the valid pixels of one output row.
 */

import { fma } from './simd';
import { ceilDiv, floorDiv, roundUp, workerScratch } from './conv-common';

/** Bytes of one worker's partial dw. */
export function conv2d_grad_filter_partial_bytes(kh: i32, kw: i32, cg: i32, og: i32, groups: i32): i32 {
  return groups * kh * kw * cg * roundUp(og, 8) * 4;
}

/** Output rows per block: enough pixels per block that each tile's partial sums load and store rarely. */
function rowBlock(wo: i32): i32 {
  const r = (128 + wo - 1) / wo;
  return r > 16 ? 16 : r;
}

/** Per-worker scratch of conv2d_grad_filter beyond the partial: a block of padded dy rows and a row list. */
export function conv2d_grad_filter_scratch(wo: i32, og: i32, groups: i32): i32 {
  const rb = rowBlock(wo);
  return rb * wo * groups * roundUp(og, 8) * 4 + rb * 8;
}

/**
 * acc[4][8] at part (rows pstride bytes apart) += sum over the `nrows` rows of `list` (pairs of
 * u32 x-row and dy-row addresses, offset by xoff and doff) and npx pixels of each of
 * x[ci0..ci0+3] (xstep bytes per pixel) outer dy[8] (dstep bytes per pixel).
 */
function tile4x8(list: usize, nrows: i32, xoff: usize, doff: usize, xstep: usize, dstep: usize, npx: i32, part: usize, pstride: usize): void {
  let a00 = v128.load(part), a01 = v128.load(part, 16);
  let a10 = v128.load(part + pstride), a11 = v128.load(part + pstride, 16);
  let a20 = v128.load(part + 2 * pstride), a21 = v128.load(part + 2 * pstride, 16);
  let a30 = v128.load(part + 3 * pstride), a31 = v128.load(part + 3 * pstride, 16);
  for (let e = 0; e < nrows; e++) {
    let xp = <usize>load<u32>(list + <usize>e * 8) + xoff;
    let dp = <usize>load<u32>(list + <usize>e * 8 + 4) + doff;
    for (let i = 0; i < npx; i++) {
      const d0 = v128.load(dp), d1 = v128.load(dp, 16);
      let s = v128.load32_splat(xp); a00 = fma(s, d0, a00); a01 = fma(s, d1, a01);
      s = v128.load32_splat(xp, 4); a10 = fma(s, d0, a10); a11 = fma(s, d1, a11);
      s = v128.load32_splat(xp, 8); a20 = fma(s, d0, a20); a21 = fma(s, d1, a21);
      s = v128.load32_splat(xp, 12); a30 = fma(s, d0, a30); a31 = fma(s, d1, a31);
      xp += xstep;
      dp += dstep;
    }
  }
  v128.store(part, a00); v128.store(part, a01, 16);
  v128.store(part + pstride, a10); v128.store(part + pstride, a11, 16);
  v128.store(part + 2 * pstride, a20); v128.store(part + 2 * pstride, a21, 16);
  v128.store(part + 3 * pstride, a30); v128.store(part + 3 * pstride, a31, 16);
}

/** tile4x8 for the last 1..3 input channels: rows past `rows` repeat the last one, unstored. */
function tileRows8(list: usize, nrows: i32, xoff: usize, doff: usize, xstep: usize, dstep: usize, npx: i32, part: usize, pstride: usize, rows: i32): void {
  const o1: usize = rows > 1 ? 4 : 0;
  const o2: usize = rows > 2 ? 8 : o1;
  const p1 = part + (rows > 1 ? pstride : 0), p2 = part + (rows > 2 ? 2 * pstride : 0);
  let a00 = v128.load(part), a01 = v128.load(part, 16);
  let a10 = v128.load(p1), a11 = v128.load(p1, 16);
  let a20 = v128.load(p2), a21 = v128.load(p2, 16);
  for (let e = 0; e < nrows; e++) {
    let xp = <usize>load<u32>(list + <usize>e * 8) + xoff;
    let dp = <usize>load<u32>(list + <usize>e * 8 + 4) + doff;
    for (let i = 0; i < npx; i++) {
      const d0 = v128.load(dp), d1 = v128.load(dp, 16);
      let s = v128.load32_splat(xp); a00 = fma(s, d0, a00); a01 = fma(s, d1, a01);
      s = v128.load32_splat(xp + o1); a10 = fma(s, d0, a10); a11 = fma(s, d1, a11);
      s = v128.load32_splat(xp + o2); a20 = fma(s, d0, a20); a21 = fma(s, d1, a21);
      xp += xstep;
      dp += dstep;
    }
  }
  v128.store(part, a00); v128.store(part, a01, 16);
  if (rows > 1) { v128.store(p1, a10); v128.store(p1, a11, 16); }
  if (rows > 2) { v128.store(p2, a20); v128.store(p2, a21, 16); }
}

/**
 * Adds this worker's output rows [start, end) of n * ho to its partial dw at `part` + worker *
 * `partStride` (zeroed by the caller before the run). x [n, h, w, cin], dy [n, ho, wo, cout].
 * Rows go in blocks: each tile then sums a tap over every row of the block before touching its
 * partial sums again.
 */
export function conv2d_grad_filter(
  x: usize, dy: usize, part: usize, partStride: usize, scratch: usize, scratchStride: usize,
  h: i32, w: i32, cin: i32, ho: i32, wo: i32, cout: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, groups: i32,
  start: i32, end: i32, worker: i32,
): void {
  const cg = cin / groups, og = cout / groups;
  const op = roundUp(og, 8);
  const nt = kh * kw;
  const rb = rowBlock(wo);
  const myPart = part + <usize>worker * partStride;
  const drows = workerScratch(scratch, scratchStride, worker);
  const dstep = <usize>groups * op * 4;
  const list = drows + <usize>rb * wo * dstep;
  const pstride = <usize>op * 4;
  const xstep = <usize>sw * cin * 4;
  const xRowBytes = <usize>w * cin * 4;
  for (let r0 = start; r0 < end; r0 += rb) {
    const nr = end - r0 < rb ? end - r0 : rb;
    // The block's dy rows with each group's channels padded to op lanes.
    for (let i = 0; i < nr; i++) {
      const src = dy + <usize>(r0 + i) * wo * cout * 4;
      const dst = drows + <usize>i * wo * dstep;
      for (let ow = 0; ow < wo; ow++) {
        for (let g = 0; g < groups; g++) {
          const d = dst + <usize>ow * dstep + <usize>g * op * 4;
          memory.copy(d, src + (<usize>(ow * cout + g * og)) * 4, <usize>og * 4);
          if (op > og) memory.fill(d + <usize>og * 4, 0, <usize>(op - og) * 4);
        }
      }
    }
    for (let ky = 0; ky < kh; ky++) {
      // The block's rows whose tap row ky falls inside the image.
      let nrows = 0;
      for (let i = 0; i < nr; i++) {
        const r = r0 + i;
        const b = r / ho, oh = r - b * ho;
        const ih = oh * sh - pt + ky * dh;
        if (ih < 0 || ih >= h) continue;
        store<u32>(list + <usize>nrows * 8, <u32>(x + <usize>(b * h + ih) * xRowBytes));
        store<u32>(list + <usize>nrows * 8 + 4, <u32>(drows + <usize>i * wo * dstep));
        nrows++;
      }
      if (nrows == 0) continue;
      for (let kx = 0; kx < kw; kx++) {
        const off = kx * dw - pl; // iw = ow * sw + off
        const lo = max(0, ceilDiv(-off, sw));
        const hi = min(wo, floorDiv(w - 1 - off, sw) + 1);
        if (hi <= lo) continue;
        const npx = hi - lo;
        const t = ky * kw + kx;
        const xoff = <usize>(lo * sw + off) * cin * 4;
        const doff = <usize>lo * dstep;
        for (let g = 0; g < groups; g++) {
          const pg = myPart + ((<usize>(g * nt + t) * cg) * op) * 4;
          for (let c0 = 0; c0 < cg; c0 += 4) {
            const rows = cg - c0 < 4 ? cg - c0 : 4;
            const xo = xoff + <usize>(g * cg + c0) * 4;
            for (let o0 = 0; o0 < op; o0 += 8) {
              const pp = pg + (<usize>c0 * op + o0) * 4;
              const dof = doff + <usize>(g * op + o0) * 4;
              if (rows == 4) tile4x8(list, nrows, xo, dof, xstep, dstep, npx, pp, pstride);
              else tileRows8(list, nrows, xo, dof, xstep, dstep, npx, pp, pstride, rows);
            }
          }
        }
      }
    }
  }
}

/**
 * dw[tap, ci, g*og + co] = sum over `workers` partials (partStride bytes apart) of
 * part[g][tap][ci][co]. Splits over dw rows [start, end) of kh * kw * cg.
 */
export function conv2d_grad_filter_reduce(
  part: usize, partStride: usize, workers: i32, dwt: usize, nt: i32, cg: i32, og: i32, groups: i32,
  start: i32, end: i32, worker: i32,
): void {
  const op = roundUp(og, 8);
  const cout = og * groups;
  for (let row = start; row < end; row++) {
    // row = t * cg + ci
    const t = row / cg, ci = row - t * cg;
    for (let g = 0; g < groups; g++) {
      const src = part + ((<usize>(g * nt + t) * cg + ci) * op) * 4;
      const dst = dwt + (<usize>row * cout + g * og) * 4;
      let c = 0;
      for (; c + 4 <= og; c += 4) {
        let s = v128.load(src + (<usize>c << 2));
        for (let k = 1; k < workers; k++) s = f32x4.add(s, v128.load(src + <usize>k * partStride + (<usize>c << 2)));
        v128.store(dst + (<usize>c << 2), s);
      }
      for (; c < og; c++) {
        let s = load<f32>(src + (<usize>c << 2));
        for (let k = 1; k < workers; k++) s += load<f32>(src + <usize>k * partStride + (<usize>c << 2));
        store<f32>(dst + (<usize>c << 2), s);
      }
    }
  }
}
