/**
 * Helpers shared by the convolution kernels: partial vector loads and stores for channel tails
 * (never touching memory past the last valid float, so a tensor at the very end of memory is
 * safe), the fused epilogue (bias + the activations cheap enough to apply in registers), and
 * per-worker scratch addressing.
 */

import { ACT_LEAKY_RELU, ACT_RELU, ACT_RELU6 } from './activation';
import { activation } from './elementwise';

/** Lanes 0..n-1 from n (1..4) floats at ptr, zeros above; reads exactly n floats. */
// @ts-ignore: decorator
@inline export function loadTail(ptr: usize, n: i32): v128 {
  if (n >= 4) return v128.load(ptr);
  if (n == 1) return v128.load32_zero(ptr);
  const lo = v128.load64_zero(ptr);
  return n == 2 ? lo : v128.load32_lane(ptr, lo, 2, 8);
}

/** Stores lanes 0..n-1 (n in 1..4) of v; writes exactly n floats. */
// @ts-ignore: decorator
@inline export function storeTail(ptr: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(ptr, v);
  } else if (n == 1) {
    v128.store32_lane(ptr, v, 0);
  } else {
    v128.store64_lane(ptr, v, 0);
    if (n == 3) v128.store32_lane(ptr, v, 2, 8);
  }
}

/**
 * Whether a fused activation (codes of assembly/activation.ts) is cheap enough to apply in the
 * register tiles' epilogue; the others run as a pass over each finished block (`finishBlock`).
 */
// @ts-ignore: decorator
@inline export function inTile(act: i32): bool {
  return act <= ACT_LEAKY_RELU;
}

/**
 * The in-tile activations, matching the reference lane by lane: relu sends NaN and -0 to +0
 * (pmax(0, x) is `0 < x ? x : 0`), relu6 clamps NaN to 0 the same way, leaky keeps NaN.
 */
// @ts-ignore: decorator
@inline export function activate4(v: v128, act: i32, alpha: v128): v128 {
  if (act == ACT_RELU) return f32x4.pmax(f32x4.splat(0), v);
  if (act == ACT_RELU6) return f32x4.pmin(f32x4.splat(6), f32x4.pmax(f32x4.splat(0), v));
  if (act == ACT_LEAKY_RELU) return v128.bitselect(v, f32x4.mul(v, alpha), f32x4.gt(v, f32x4.splat(0)));
  return v;
}

/** Applies an activation the tiles left out to `n` floats at `ptr`, in place (still in cache). */
export function finishBlock(ptr: usize, n: usize, act: i32, alpha: f32, beta: f32): void {
  if (!inTile(act)) activation(act, ptr, ptr, alpha, beta, 0, <i32>n, 0);
}

/** Bias lanes for output channels [c, c + n): zeros without a bias (address 0). */
// @ts-ignore: decorator
@inline export function biasAt(bias: usize, c: i32, n: i32): v128 {
  return bias == 0 ? f32x4.splat(0) : loadTail(bias + (<usize>c << 2), n);
}

/** This worker's scratch block: the binding allots `stride` bytes to each worker from `base`. */
// @ts-ignore: decorator
@inline export function workerScratch(base: usize, stride: usize, worker: i32): usize {
  return base + <usize>worker * stride;
}

/** Rounds up to a multiple of m (a power of two). */
// @ts-ignore: decorator
@inline export function roundUp(v: i32, m: i32): i32 {
  return (v + m - 1) & ~(m - 1);
}

/** floor(a / b) for b > 0. */
// @ts-ignore: decorator
@inline export function floorDiv(a: i32, b: i32): i32 {
  const q = a / b;
  return q * b > a ? q - 1 : q;
}

/** ceil(a / b) for b > 0. */
// @ts-ignore: decorator
@inline export function ceilDiv(a: i32, b: i32): i32 {
  return -floorDiv(-a, b);
}

/** Loads `nl` lanes (4: a plain load; `nl` is a constant where it matters). */
// @ts-ignore: decorator
@inline export function loadLanes(p: usize, nl: i32): v128 {
  return nl == 4 ? v128.load(p) : loadTail(p, nl);
}

/**
 * Depthwise multipliers: output channels [j, j + nl) read input channels j/mult .. (j+nl-1)/mult.
 * `lanesFrom` is how many input channels that is; `spreadPattern` the i8x16.swizzle that sends
 * each loaded input lane to the output lanes reading it (lanes past nl repeat the last).
 */
// @ts-ignore: decorator
@inline export function lanesFrom(j: i32, nl: i32, mult: i32): i32 {
  return (j + nl - 1) / mult - j / mult + 1;
}

export function spreadPattern(j: i32, nl: i32, mult: i32): v128 {
  let p = i32x4.splat(0);
  p = i32x4.replace_lane(p, 0, laneBytes(j, 0, nl, mult));
  p = i32x4.replace_lane(p, 1, laneBytes(j, 1, nl, mult));
  p = i32x4.replace_lane(p, 2, laneBytes(j, 2, nl, mult));
  return i32x4.replace_lane(p, 3, laneBytes(j, 3, nl, mult));
}

/** The 4 swizzle bytes of output lane l: bytes 4s .. 4s+3 of the loaded input lane s it reads. */
function laneBytes(j: i32, l: i32, nl: i32, mult: i32): i32 {
  const src = (j + (l < nl ? l : nl - 1)) / mult - j / mult;
  return src * 4 * 0x01010101 + 0x03020100;
}

/**
 * The input lanes of output channels [j, j + 4) at multiplier `mult` from the pixel at p: channels
 * `base` = j/mult onward, `count` of them, spread by `pattern` (mult 1: a plain load of count lanes).
 */
// @ts-ignore: decorator
@inline export function gatherLanes(p: usize, mult: i32, base: i32, count: i32, pattern: v128): v128 {
  if (mult == 1) return loadLanes(p + (<usize>base << 2), count);
  return i8x16.swizzle(loadTail(p + (<usize>base << 2), count), pattern);
}
