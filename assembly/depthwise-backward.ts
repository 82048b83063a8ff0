/**
 * Depthwise convolution gradients (the forward and its layouts are in depthwise.ts).
 *
 * depthwise_grad_input gathers, for each dx pixel, the taps whose output pixel reads it:
 * dx[ih, iw, c] = sum over (ky, kx) with ih = oh*sh - pt + ky*dh, iw = ow*sw - pl + kx*dw, and m,
 * of dy[oh, ow, c*mult + m] * w[ky, kx, c, m]. (At stride 1 and multiplier 1 the binding runs the
 * forward kernels on the rotated filter instead.) Channels run in lanes; with a multiplier, the
 * filter is repacked [tap][m][C] so its lanes are contiguous and dy is read with a stride.
 *
 * depthwise_grad_filter: dw[tap, j] = sum over pixels of x[.., j/mult] * dy[.., j], workers
 * splitting the output rows into partial sums [tap][C*mult rounded to 4] that
 * depthwise_grad_filter_reduce adds up.
 */

import { fma } from './simd';
import { ceilDiv, floorDiv, gatherLanes, lanesFrom, loadLanes, roundUp, spreadPattern, storeTail, workerScratch } from './conv-common';

/** w [taps][c * mult] as [taps][mult][roundUp(c, 4)]: filter m of every channel contiguous. */
export function depthwise_pack_by_multiplier(w: usize, dst: usize, taps: i32, c: i32, mult: i32): void {
  const c4 = roundUp(c, 4);
  for (let t = 0; t < taps; t++) {
    for (let m = 0; m < mult; m++) {
      const row = dst + (<usize>(t * mult + m) * c4) * 4;
      for (let ci = 0; ci < c4; ci++) {
        store<f32>(row + (<usize>ci << 2), ci < c ? load<f32>(w + (<usize>(t * c + ci) * mult + m) * 4) : 0);
      }
    }
  }
}

/** Per-worker scratch of depthwise_grad_input: the (tap, dy pixel) list of one dx pixel. */
export function depthwise_grad_input_scratch(taps: i32): i32 {
  return taps * 8 + 16;
}

/** Lanes 0..nl-1 from floats `stride` floats apart (dy of one filter m across channels). */
// @ts-ignore: decorator
@inline function loadStrided(p: usize, stride: i32, nl: i32): v128 {
  const s = <usize>stride << 2;
  let v = v128.load32_zero(p);
  if (nl > 1) v = v128.load32_lane(p + s, v, 1);
  if (nl > 2) v = v128.load32_lane(p + 2 * s, v, 2);
  if (nl > 3) v = v128.load32_lane(p + 3 * s, v, 3);
  return v;
}

/**
 * dx for any stride, dilation and multiplier. `wq` is depthwise_pack_by_multiplier output.
 * dy [n, ho, wo, c * mult], dx [n, h, w, c]. Splits over dx rows: [start, end) of n * h.
 */
export function depthwise_grad_input(
  dy: usize, wq: usize, dx: usize, scratch: usize, scratchStride: usize,
  h: i32, w: i32, c: i32, ho: i32, wo: i32, mult: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32,
  start: i32, end: i32, worker: i32,
): void {
  const list = workerScratch(scratch, scratchStride, worker);
  const cout = c * mult;
  const c4 = roundUp(c, 4);
  const dyPix = <usize>cout * 4;
  const dxPix = <usize>c * 4;
  for (let r = start; r < end; r++) {
    const b = r / h, ih = r - b * h;
    for (let iw = 0; iw < w; iw++) {
      // The taps that reach this pixel, with the dy pixel each one comes from.
      let n = 0;
      for (let ky = 0; ky < kh; ky++) {
        const vy = ih + pt - ky * dh;
        if (vy < 0 || vy % sh != 0 || vy / sh >= ho) continue;
        const dyRow = dy + <usize>(b * ho + vy / sh) * wo * dyPix;
        for (let kx = 0; kx < kw; kx++) {
          const vx = iw + pl - kx * dw;
          if (vx < 0 || vx % sw != 0 || vx / sw >= wo) continue;
          store<u32>(list + <usize>n * 8, ky * kw + kx);
          store<u32>(list + <usize>n * 8 + 4, <u32>(dyRow + <usize>(vx / sw) * dyPix));
          n++;
        }
      }
      const out = dx + (<usize>r * w + iw) * dxPix;
      for (let c0 = 0; c0 < c; c0 += 4) {
        const nl = c - c0 < 4 ? c - c0 : 4;
        let acc = f32x4.splat(0);
        for (let e = 0; e < n; e++) {
          const t = load<u32>(list + <usize>e * 8);
          const dp = <usize>load<u32>(list + <usize>e * 8 + 4);
          const wt = wq + ((<usize>t * mult) * c4 + c0) * 4;
          if (mult == 1) {
            acc = fma(loadLanes(dp + (<usize>c0 << 2), nl), v128.load(wt), acc);
          } else {
            for (let m = 0; m < mult; m++) {
              acc = fma(loadStrided(dp + (<usize>(c0 * mult + m) << 2), mult, nl), v128.load(wt + <usize>m * c4 * 4), acc);
            }
          }
        }
        storeTail(out + (<usize>c0 << 2), acc, nl);
      }
    }
  }
}

/** Bytes of one worker's partial dw. */
export function depthwise_grad_filter_partial_bytes(taps: i32, cout: i32): i32 {
  return taps * roundUp(cout, 4) * 4;
}

/**
 * Adds this worker's output rows [start, end) of n * ho to its partial dw at part + worker *
 * partStride (zeroed by the caller). x [n, h, w, c], dy [n, ho, wo, c * mult].
 */
export function depthwise_grad_filter(
  x: usize, dy: usize, part: usize, partStride: usize,
  h: i32, w: i32, c: i32, ho: i32, wo: i32, mult: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32,
  start: i32, end: i32, worker: i32,
): void {
  const cout = c * mult;
  const c4 = roundUp(cout, 4);
  const mine = part + <usize>worker * partStride;
  const pix = <usize>c * 4;
  const dyPix = <usize>cout * 4;
  const xstep = <usize>sw * pix;
  for (let r = start; r < end; r++) {
    const b = r / ho, oh = r - b * ho;
    const dyRow = dy + <usize>r * wo * dyPix;
    for (let ky = 0; ky < kh; ky++) {
      const ih = oh * sh - pt + ky * dh;
      if (ih < 0 || ih >= h) continue;
      const xRow = x + <usize>(b * h + ih) * w * pix;
      for (let kx = 0; kx < kw; kx++) {
        const off = kx * dw - pl; // iw = ow * sw + off
        const lo = max(0, ceilDiv(-off, sw));
        const hi = min(wo, floorDiv(w - 1 - off, sw) + 1);
        if (hi <= lo) continue;
        const t = ky * kw + kx;
        for (let j = 0; j < cout; j += 4) {
          const nl = cout - j < 4 ? cout - j : 4;
          const xp = xRow + <usize>(lo * sw + off) * pix;
          const dp = dyRow + <usize>lo * dyPix + (<usize>j << 2);
          const pp = mine + (<usize>t * c4 + j) * 4;
          // The common case (multiplier 1, a whole vector) is its own copy, lane logic folded away.
          if (mult == 1 && nl == 4) filterSum(xp, dp, pp, hi - lo, xstep, dyPix, 1, j, 4, 4, i32x4.splat(0));
          else filterSum(xp, dp, pp, hi - lo, xstep, dyPix, mult, j / mult, lanesFrom(j, nl, mult), nl, spreadPattern(j, nl, mult));
        }
      }
    }
  }
}

/**
 * part[j..j+nl) += sum over npx pixels of the input lanes of output channels j.. (from xp, xstep
 * bytes per pixel) times dy (from dp, dyStep bytes per pixel).
 */
// @ts-ignore: decorator
@inline function filterSum(
  xp: usize, dp: usize, pp: usize, npx: i32, xstep: usize, dyStep: usize,
  mult: i32, base: i32, count: i32, nl: i32, pattern: v128,
): void {
  // Four independent sums hide the latency of the accumulation chain.
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= npx; i += 4) {
    a0 = fma(gatherLanes(xp, mult, base, count, pattern), loadLanes(dp, nl), a0);
    a1 = fma(gatherLanes(xp + xstep, mult, base, count, pattern), loadLanes(dp + dyStep, nl), a1);
    a2 = fma(gatherLanes(xp + 2 * xstep, mult, base, count, pattern), loadLanes(dp + 2 * dyStep, nl), a2);
    a3 = fma(gatherLanes(xp + 3 * xstep, mult, base, count, pattern), loadLanes(dp + 3 * dyStep, nl), a3);
    xp += 4 * xstep;
    dp += 4 * dyStep;
  }
  for (; i < npx; i++) {
    a0 = fma(gatherLanes(xp, mult, base, count, pattern), loadLanes(dp, nl), a0);
    xp += xstep;
    dp += dyStep;
  }
  v128.store(pp, f32x4.add(v128.load(pp), f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3))));
}

/** dw[tap][j] = sum over `workers` partials of part[tap][j]. Splits over taps. */
export function depthwise_grad_filter_reduce(
  part: usize, partStride: usize, workers: i32, dwt: usize, cout: i32,
  start: i32, end: i32, worker: i32,
): void {
  const c4 = roundUp(cout, 4);
  for (let t = start; t < end; t++) {
    const src = part + <usize>t * c4 * 4;
    const dst = dwt + <usize>t * cout * 4;
    for (let j = 0; j < cout; j += 4) {
      const nl = cout - j < 4 ? cout - j : 4;
      let s = v128.load(src + (<usize>j << 2));
      for (let k = 1; k < workers; k++) s = f32x4.add(s, v128.load(src + <usize>k * partStride + (<usize>j << 2)));
      storeTail(dst + (<usize>j << 2), s, nl);
    }
  }
}
