/**
 * Depthwise 2-D convolution over NHWC: output channel j = c * mult + m is input channel c convolved
 * with filter m of that channel. The filter [kh, kw, C, mult] is already [tap][C * mult], so the
 * packed form only pads each tap's row to a multiple of 4 lanes (depthwise_pack).
 *
 * Channels run in f32x4 lanes; every kernel works one output row at a time (threads split rows)
 * and, within a row, one block of 4 channels at a time so the block's weights stay in registers
 * (3x3) or L1 (others), with the interior columns (every tap inside the image) separated from
 * the border columns (taps checked one by one). The last block of a channel count that is not a
 * multiple of 4 loads and stores only its valid lanes.
 *
 * - depthwise3x3: 3x3, multiplier 1, dilation 1, any stride; the 9 weights in registers. Rows
 *   outside the image read a zero row, so only columns need border handling.
 * - depthwise_general: any window, stride, dilation and multiplier; interior pixels 4 at a time.
 */

import { fma } from './simd';
import {
  activate4, biasAt, finishBlock, floorDiv, gatherLanes, inTile, lanesFrom, loadLanes, roundUp, spreadPattern, storeTail, workerScratch,
} from './conv-common';

/** First output column whose window starts inside the image, and one past the last whose window ends inside. */
// @ts-ignore: decorator
@inline function interiorLo(pl: i32, sw: i32, wo: i32): i32 {
  const lo = -floorDiv(-pl, sw);
  return lo < 0 ? 0 : lo > wo ? wo : lo;
}

// @ts-ignore: decorator
@inline function interiorHi(w: i32, span: i32, pl: i32, sw: i32, lo: i32, wo: i32): i32 {
  const hi = floorDiv(w - span + pl, sw) + 1;
  return hi < lo ? lo : hi > wo ? wo : hi;
}

/**
 * Pads w [taps][cout] to [taps][roundUp(cout, 4)] with zeros; `flip` reverses the taps (the
 * filter of depthwise_conv2d_grad_input at stride 1, a correlation with the rotated window).
 */
export function depthwise_pack(w: usize, dst: usize, taps: i32, cout: i32, flip: i32): void {
  const c4 = roundUp(cout, 4);
  for (let t = 0; t < taps; t++) {
    const src = flip ? taps - 1 - t : t;
    memory.copy(dst + <usize>t * c4 * 4, w + <usize>src * cout * 4, <usize>cout * 4);
    memory.fill(dst + (<usize>t * c4 + cout) * 4, 0, <usize>(c4 - cout) * 4);
  }
}

/** Per-worker scratch of depthwise3x3: a zero image row. */
export function depthwise3x3_scratch(w: i32, c: i32): i32 {
  return w * c * 4 + 16;
}

/**
 * One column of three taps: acc + x[r0] w0 + x[r1] w1 + x[r2] w2, the rows at byte offset `off`.
 */
// @ts-ignore: decorator
@inline function col3(acc: v128, r0: usize, r1: usize, r2: usize, off: usize, nl: i32, w0: v128, w1: v128, w2: v128): v128 {
  acc = fma(loadLanes(r0 + off, nl), w0, acc);
  acc = fma(loadLanes(r1 + off, nl), w1, acc);
  return fma(loadLanes(r2 + off, nl), w2, acc);
}

/** One channel block of one output row of depthwise3x3 (nl lanes, a constant where inlined). */
// @ts-ignore: decorator
@inline function row3x3(
  r0: usize, r1: usize, r2: usize, yrow: usize, wp: usize, bias: usize, c0: i32, nl: i32, c4: i32,
  c: i32, w: i32, wo: i32, sw: i32, pl: i32, lo: i32, hi: i32, act: i32, al: v128,
): void {
  const wb = wp + (<usize>c0 << 2);
  const rs = <usize>c4 * 4;
  const w00 = v128.load(wb), w01 = v128.load(wb + rs), w02 = v128.load(wb + 2 * rs);
  const w10 = v128.load(wb + 3 * rs), w11 = v128.load(wb + 4 * rs), w12 = v128.load(wb + 5 * rs);
  const w20 = v128.load(wb + 6 * rs), w21 = v128.load(wb + 7 * rs), w22 = v128.load(wb + 8 * rs);
  const bv = biasAt(bias, c0, nl);
  const pix = <usize>c * 4;
  const cb = <usize>c0 << 2;
  // Border columns: taps outside the image are skipped.
  for (let ow = 0; ow < wo; ow++) {
    if (ow >= lo && ow < hi) {
      ow = hi - 1;
      continue;
    }
    const iw = ow * sw - pl;
    let acc = bv;
    if (iw >= 0 && iw < w) acc = col3(acc, r0, r1, r2, <usize>iw * pix + cb, nl, w00, w10, w20);
    if (iw + 1 >= 0 && iw + 1 < w) acc = col3(acc, r0, r1, r2, <usize>(iw + 1) * pix + cb, nl, w01, w11, w21);
    if (iw + 2 >= 0 && iw + 2 < w) acc = col3(acc, r0, r1, r2, <usize>(iw + 2) * pix + cb, nl, w02, w12, w22);
    storeTail(yrow + <usize>ow * pix + cb, activate4(acc, act, al), nl);
  }
  // Interior columns.
  let xo = <usize>(lo * sw - pl) * pix + cb;
  const xstep = <usize>sw * pix;
  let yo = yrow + <usize>lo * pix + cb;
  for (let ow = lo; ow < hi; ow++) {
    let acc = col3(bv, r0, r1, r2, xo, nl, w00, w10, w20);
    acc = col3(acc, r0, r1, r2, xo + pix, nl, w01, w11, w21);
    acc = col3(acc, r0, r1, r2, xo + 2 * pix, nl, w02, w12, w22);
    if (nl == 4) v128.store(yo, activate4(acc, act, al));
    else storeTail(yo, activate4(acc, act, al), nl);
    xo += xstep;
    yo += pix;
  }
}

/**
 * y = act(depthwise3x3(x, w) + b) for multiplier 1, dilation 1. `wp` is depthwise_pack output.
 * x [n, h, w, c], y [n, ho, wo, c]. Splits over output rows: [start, end) of n * ho.
 */
export function depthwise3x3(
  x: usize, wp: usize, bias: usize, y: usize, scratch: usize, scratchStride: usize,
  h: i32, w: i32, c: i32, ho: i32, wo: i32, sh: i32, sw: i32, pt: i32, pl: i32,
  act: i32, alpha: f32, beta: f32,
  start: i32, end: i32, worker: i32,
): void {
  const zero = workerScratch(scratch, scratchStride, worker);
  const rowBytes = <usize>w * c * 4;
  memory.fill(zero, 0, rowBytes);
  const c4 = roundUp(c, 4);
  const lo = interiorLo(pl, sw, wo);
  const hi = interiorHi(w, 3, pl, sw, lo, wo);
  const al = f32x4.splat(alpha);
  const a = inTile(act) ? act : 0;
  const full = c & ~3;
  for (let r = start; r < end; r++) {
    const b = r / ho, oh = r - b * ho;
    const ih = oh * sh - pt;
    const img = x + <usize>b * h * rowBytes;
    const r0 = ih >= 0 && ih < h ? img + <usize>ih * rowBytes : zero;
    const r1 = ih + 1 >= 0 && ih + 1 < h ? img + <usize>(ih + 1) * rowBytes : zero;
    const r2 = ih + 2 >= 0 && ih + 2 < h ? img + <usize>(ih + 2) * rowBytes : zero;
    const yrow = y + <usize>r * wo * c * 4;
    for (let c0 = 0; c0 < full; c0 += 4) row3x3(r0, r1, r2, yrow, wp, bias, c0, 4, c4, c, w, wo, sw, pl, lo, hi, a, al);
    if (full < c) row3x3(r0, r1, r2, yrow, wp, bias, full, c - full, c4, c, w, wo, sw, pl, lo, hi, a, al);
    finishBlock(yrow, <usize>wo * c, act, alpha, beta);
  }
}

/**
 * Four neighbouring output pixels of one channel block, every tap inside the image: `rows` window
 * rows from xp (rowStep bytes apart), kw taps per row (tapStep apart), pixels pixStep apart.
 */
// @ts-ignore: decorator
@inline function quad(
  xp: usize, wt: usize, yo: usize, rows: i32, kw: i32, rowStep: usize, tapStep: usize, pixStep: usize,
  tapBytes: usize, opix: usize, mult: i32, base: i32, count: i32, nl: i32, pattern: v128, bv: v128, act: i32, al: v128,
): void {
  let a0 = bv, a1 = bv, a2 = bv, a3 = bv;
  for (let ky = 0; ky < rows; ky++) {
    let p = xp;
    for (let kx = 0; kx < kw; kx++) {
      const wv = v128.load(wt);
      a0 = fma(gatherLanes(p, mult, base, count, pattern), wv, a0);
      a1 = fma(gatherLanes(p + pixStep, mult, base, count, pattern), wv, a1);
      a2 = fma(gatherLanes(p + 2 * pixStep, mult, base, count, pattern), wv, a2);
      a3 = fma(gatherLanes(p + 3 * pixStep, mult, base, count, pattern), wv, a3);
      p += tapStep;
      wt += tapBytes;
    }
    xp += rowStep;
  }
  storeTail(yo, activate4(a0, act, al), nl);
  storeTail(yo + opix, activate4(a1, act, al), nl);
  storeTail(yo + 2 * opix, activate4(a2, act, al), nl);
  storeTail(yo + 3 * opix, activate4(a3, act, al), nl);
}

/**
 * y = act(depthwise(x, w) + b) for any window, stride, dilation and multiplier. `wp` is
 * depthwise_pack output. x [n, h, w, c], y [n, ho, wo, c * mult]. Splits over output rows.
 */
export function depthwise_general(
  x: usize, wp: usize, bias: usize, y: usize,
  h: i32, w: i32, c: i32, ho: i32, wo: i32, mult: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32,
  act: i32, alpha: f32, beta: f32,
  start: i32, end: i32, worker: i32,
): void {
  const cout = c * mult;
  const c4 = roundUp(cout, 4);
  const span = (kw - 1) * dw + 1;
  const lo = interiorLo(pl, sw, wo);
  const hi = interiorHi(w, span, pl, sw, lo, wo);
  const al = f32x4.splat(alpha);
  const a = inTile(act) ? act : 0;
  const pix = <usize>c * 4;
  const opix = <usize>cout * 4;
  const tapBytes = <usize>c4 * 4;
  for (let r = start; r < end; r++) {
    const b = r / ho, oh = r - b * ho;
    const ih0 = oh * sh - pt;
    // Valid taps rows: ih0 + ky*dh in [0, h).
    let ky0 = 0;
    while (ky0 < kh && ih0 + ky0 * dh < 0) ky0++;
    let ky1 = kh;
    while (ky1 > ky0 && ih0 + (ky1 - 1) * dh >= h) ky1--;
    const img = x + <usize>b * h * w * pix;
    const yrow = y + <usize>r * wo * opix;
    for (let j = 0; j < cout; j += 4) {
      const nl = cout - j < 4 ? cout - j : 4;
      // Input channels of this block and the swizzle that spreads them over the output lanes.
      const base = j / mult;
      const count = lanesFrom(j, nl, mult);
      const pattern = spreadPattern(j, nl, mult);
      const bv = biasAt(bias, j, nl);
      const wj = wp + (<usize>j << 2);
      let yo = yrow + (<usize>j << 2);
      let ow = 0;
      while (ow < wo) {
        if (ow >= lo && ow + 4 <= hi) {
          // Four interior pixels; the common case (multiplier 1, whole vector) is its own copy
          // with the lane logic folded away.
          const xp = img + (<usize>(ih0 + ky0 * dh) * w + ow * sw - pl) * pix;
          const wt = wj + <usize>(ky0 * kw) * tapBytes;
          if (mult == 1 && nl == 4) quad(xp, wt, yo, ky1 - ky0, kw, <usize>dh * w * pix, <usize>dw * pix, <usize>sw * pix, tapBytes, opix, 1, base, 4, 4, pattern, bv, a, al);
          else quad(xp, wt, yo, ky1 - ky0, kw, <usize>dh * w * pix, <usize>dw * pix, <usize>sw * pix, tapBytes, opix, mult, base, count, nl, pattern, bv, a, al);
          ow += 4;
          yo += 4 * opix;
          continue;
        }
        // One pixel, checking each column.
        let acc = bv;
        const iw0 = ow * sw - pl;
        for (let ky = ky0; ky < ky1; ky++) {
          const xr = img + <usize>(ih0 + ky * dh) * w * pix;
          const wt = wj + <usize>(ky * kw) * tapBytes;
          for (let kx = 0; kx < kw; kx++) {
            const iw = iw0 + kx * dw;
            if (iw < 0 || iw >= w) continue;
            acc = fma(gatherLanes(xr + <usize>iw * pix, mult, base, count, pattern), v128.load(wt + <usize>kx * tapBytes), acc);
          }
        }
        storeTail(yo, activate4(acc, a, al), nl);
        ow++;
        yo += opix;
      }
    }
    finishBlock(yrow, <usize>wo * cout, act, alpha, beta);
  }
}
