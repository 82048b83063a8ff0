/**
 * Inline SIMD helpers shared by every kernel family. Kernels are written once; the relaxed builds
 * (compiled with `--enable relaxed-simd`) turn `fma` into `f32x4.relaxed_madd`, which engines
 * lower to a fused multiply-add where the CPU has one, and the plain builds into mul + add.
 * `ASC_FEATURE_RELAXED_SIMD` is a compile-time constant, so the other branch is never emitted.
 */

/** Bytes in one v128. */
export const V128_BYTES: usize = 16;

/** a * b + c, lane-wise (fused in the relaxed builds: one rounding instead of two). */
// @ts-ignore: decorator
@inline export function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** c - a * b, lane-wise (fused in the relaxed builds). */
// @ts-ignore: decorator
@inline export function fnma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_nmadd(a, b, c);
  return f32x4.sub(c, f32x4.mul(a, b));
}

/** Scalar a * b + c (the tails of vector loops), fused where the vector form is. */
// @ts-ignore: decorator
@inline export function fmaf(a: f32, b: f32, c: f32): f32 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.extract_lane(f32x4.relaxed_madd(f32x4.splat(a), f32x4.splat(b), f32x4.splat(c)), 0);
  return a * b + c;
}

/** The sum of the four lanes. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  const s = f32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.add(s, i32x4.shuffle(s, s, 1, 0, 3, 2)), 0);
}

/** The largest of the four lanes (NaN if any lane is NaN). */
// @ts-ignore: decorator
@inline export function hmax(v: v128): f32 {
  const s = f32x4.max(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.max(s, i32x4.shuffle(s, s, 1, 0, 3, 2)), 0);
}

/** x > 0 ? x : 0 lane-wise, sending NaN and -0 to +0 (pmax(0, x) is `0 < x ? x : 0`). */
// @ts-ignore: decorator
@inline export function relu4(x: v128): v128 {
  return f32x4.pmax(f32x4.splat(0), x);
}

/**
 * The first `count` (0 to 3) floats at `ptr` in the low lanes, zeros above: lets a vector loop
 * finish its last partial group with the same vector code, without reading past the end.
 */
// @ts-ignore: decorator
@inline export function loadTail(ptr: usize, count: i32): v128 {
  let v = f32x4.splat(0);
  if (count > 0) v = f32x4.replace_lane(v, 0, load<f32>(ptr));
  if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(ptr, 4));
  if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(ptr, 8));
  return v;
}

/** Stores the low `count` (0 to 3) lanes of `v` at `ptr`. */
// @ts-ignore: decorator
@inline export function storeTail(ptr: usize, v: v128, count: i32): void {
  if (count > 0) store<f32>(ptr, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(ptr, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(ptr, f32x4.extract_lane(v, 2), 8);
}
