/**
 * Vector transcendental functions on f32x4, accurate to about 1e-7 relative (a few ulp), shared by
 * the activations, softmax and anything else that needs exp. Every lane is computed the same way,
 * so vector bodies and their tails agree bit for bit.
 *
 * exp(x) = 2^n * exp(r), n = round(x / ln 2), r = x - n ln 2 in [-ln2/2, ln2/2] (Cody-Waite: ln 2
 * split into a part with few bits, whose product with n is exact, and a correction). exp(r) - 1 is
 * a degree-7 Taylor polynomial; its truncation error on that interval is below 2e-8 relative.
 */

import { fma, fnma } from './simd';

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375; // 355/512: n * LN2_HI is exact for |n| < 2^15
const LN2_LO: f32 = -2.12194440e-4; // ln 2 - LN2_HI
const C2: f32 = 1.0 / 2.0;
const C3: f32 = 1.0 / 6.0;
const C4: f32 = 1.0 / 24.0;
const C5: f32 = 1.0 / 120.0;
const C6: f32 = 1.0 / 720.0;
const C7: f32 = 1.0 / 5040.0;

/** exp(r) - 1 for |r| <= ln2/2 (plus rounding slack): r + r^2 (1/2 + r (1/6 + ...)). */
// @ts-ignore: decorator
@inline function expm1Poly(r: v128): v128 {
  let q = fma(r, f32x4.splat(C7), f32x4.splat(C6));
  q = fma(q, r, f32x4.splat(C5));
  q = fma(q, r, f32x4.splat(C4));
  q = fma(q, r, f32x4.splat(C3));
  q = fma(q, r, f32x4.splat(C2));
  return fma(f32x4.mul(r, r), q, r);
}

/** r = x - n ln 2 in two steps, the first exact. */
// @ts-ignore: decorator
@inline function reduce(x: v128, n: v128): v128 {
  return fnma(n, f32x4.splat(LN2_LO), fnma(n, f32x4.splat(LN2_HI), x));
}

/** 2^k for integer lanes k in [-126, 127], built from the exponent bits. */
// @ts-ignore: decorator
@inline function pow2i(k: v128): v128 {
  return i32x4.shl(i32x4.add(k, i32x4.splat(127)), 23);
}

/**
 * 1.5 * 2^23: adding it to a float of magnitude below 2^22 rounds that float to an integer held
 * in the low mantissa bits, so round(v) is (v + MAGIC) - MAGIC as a float and the difference of
 * the bit patterns as an integer. Cheaper than nearest + trunc_sat, which V8 lowers to long
 * sequences on x86.
 */
const MAGIC: f32 = 12582912.0;
const MAGIC_BITS: i32 = 0x4b400000;

/**
 * e^x lane-wise. Overflows to +Infinity above 88.72 and underflows through the subnormals to 0
 * below -103.9 (as float32 rounding of the exact value does); NaN stays NaN.
 */
// @ts-ignore: decorator
@inline export function expv(x: v128): v128 {
  // Clamping keeps n small; the results out there are already inf / 0. pmin / pmax keep NaN (their
  // comparisons fail and they return x), and unlike min / max they are one instruction each.
  const xc = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-104.0)), f32x4.splat(89.0));
  const t = fma(xc, f32x4.splat(LOG2E), f32x4.splat(MAGIC));
  const n = f32x4.sub(t, f32x4.splat(MAGIC));
  const p = expm1Poly(reduce(xc, n));
  // 2^n as 2^n1 * 2^n2 with both halves normal, so n = 128 (overflow) and n < -126 (subnormal
  // results) are scaled correctly by the final multiply.
  const ni = i32x4.sub(t, i32x4.splat(MAGIC_BITS));
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const s1 = pow2i(n1);
  return f32x4.mul(fma(s1, p, s1), pow2i(n2));
}

/**
 * e^x - 1 lane-wise, accurate near 0 where exp(x) - 1 would cancel: with s = 2^n it is
 * s * expm1(r) + (s - 1), where s - 1 is exact. Saturates to -1 below -88; NaN stays NaN.
 */
// @ts-ignore: decorator
@inline export function expm1v(x: v128): v128 {
  const xc = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-88.0)), f32x4.splat(89.0));
  const t = fma(xc, f32x4.splat(LOG2E), f32x4.splat(MAGIC));
  const n = f32x4.sub(t, f32x4.splat(MAGIC));
  const p = expm1Poly(reduce(xc, n));
  // n = 128 (x > 88.38) has no float32 2^n: use 2^127 and double the result (the -1 no longer
  // matters at that magnitude). n = -127 (x near -88) is clamped: the result is -1 either way.
  const ni = i32x4.max_s(i32x4.sub(t, i32x4.splat(MAGIC_BITS)), i32x4.splat(-126));
  const top = i32x4.eq(ni, i32x4.splat(128));
  const s = pow2i(i32x4.add(ni, top)); // top lanes are all ones (-1): 128 - 1 = 127
  const e = f32x4.mul(fma(s, p, f32x4.sub(s, f32x4.splat(1.0))), v128.bitselect(f32x4.splat(2.0), f32x4.splat(1.0), top));
  // expm1(-0) is -0: the formula above would give +0.
  return v128.bitselect(x, e, f32x4.eq(x, f32x4.splat(0)));
}

/** 1 / (1 + e^-x) lane-wise, from e^-|x| so that neither branch overflows. */
// @ts-ignore: decorator
@inline export function sigmoidv(x: v128): v128 {
  const e = expv(f32x4.neg(f32x4.abs(x)));
  const num = v128.bitselect(f32x4.splat(1.0), e, f32x4.ge(x, f32x4.splat(0)));
  return f32x4.div(num, f32x4.add(f32x4.splat(1.0), e));
}

/** tanh lane-wise: tanh|x| = -t / (2 + t) with t = expm1(-2|x|), accurate near 0; sign restored. */
// @ts-ignore: decorator
@inline export function tanhv(x: v128): v128 {
  const t = expm1v(f32x4.mul(f32x4.abs(x), f32x4.splat(-2.0)));
  const m = f32x4.div(f32x4.neg(t), f32x4.add(f32x4.splat(2.0), t));
  return v128.or(m, v128.and(x, i32x4.splat(<i32>0x80000000)));
}
