/**
 * The register tiles every dense convolution path runs on (direct, transposed, 1x1, Winograd):
 * a block of up to TILE_PX output pixels x 8 (or 4) output channels held in f32x4 accumulators.
 *
 * Inputs come through an indirection table, so padding, strides, dilation and the transposed
 * convolution's phases are all just addresses: for each tap t, `ind` holds TILE_PX u32 addresses
 * (one per pixel) of K contiguous input floats, pointing at a zero buffer where the tap falls into
 * the padding. `taps` maps t to the tap's index in the packed weight block: weights for tap
 * index i start at wb + i * tapStride and hold K rows of 8 (or 4) output channels.
 * Pixels past `np` repeat the last valid address and are not stored; channels past `nc` are
 * computed against zero weights and not stored.
 *
 * 4 x 8 measured fastest on V8 / x64 in both builds: 8 accumulators, 2 weight vectors and the
 * broadcast input (plus the product in the plain build) leave the 15 vector registers V8 gives
 * wasm unspilled, where 6 x 8 spills in the plain build; unrolling the reduction loop let the
 * engine hoist loads and spill, and measured slower too.
 */

import { fma } from './simd';
import { activate4, biasAt, storeTail } from './conv-common';

// @ts-ignore: decorator
@inline function emit8(p: usize, lo: v128, hi: v128, b0: v128, b1: v128, nc: i32, act: i32, al: v128): void {
  const r0 = activate4(f32x4.add(lo, b0), act, al);
  const r1 = activate4(f32x4.add(hi, b1), act, al);
  if (nc >= 8) {
    v128.store(p, r0);
    v128.store(p, r1, 16);
  } else if (nc > 4) {
    v128.store(p, r0);
    storeTail(p + 16, r1, nc - 4);
  } else {
    storeTail(p, r0, nc);
  }
}

// @ts-ignore: decorator
@inline function emit4(p: usize, v: v128, b0: v128, nc: i32, act: i32, al: v128): void {
  storeTail(p, activate4(f32x4.add(v, b0), act, al), nc);
}

/** Output pixels per tile: the indirection tables are laid out in groups of this many. */
export const TILE_PX: i32 = 4;

/** TILE_PX pixels x 8 channels; see the file comment for the operands. */
export function tile8(
  ind: usize, taps: usize, nt: i32, k: i32, goff: usize, wb: usize, tapStride: usize,
  out: usize, ostride: usize, np: i32, nc: i32, bias: usize, act: i32, alpha: f32,
): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
  let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
  for (let t = 0; t < nt; t++) {
    const ip = ind + <usize>t * 16;
    let p0 = <usize>load<u32>(ip) + goff, p1 = <usize>load<u32>(ip, 4) + goff;
    let p2 = <usize>load<u32>(ip, 8) + goff, p3 = <usize>load<u32>(ip, 12) + goff;
    let w = wb + <usize>load<u32>(taps + (<usize>t << 2)) * tapStride;
    for (let r = k; r > 0; r--) {
      const w0 = v128.load(w), w1 = v128.load(w, 16);
      let x = v128.load32_splat(p0); a00 = fma(x, w0, a00); a01 = fma(x, w1, a01);
      x = v128.load32_splat(p1); a10 = fma(x, w0, a10); a11 = fma(x, w1, a11);
      x = v128.load32_splat(p2); a20 = fma(x, w0, a20); a21 = fma(x, w1, a21);
      x = v128.load32_splat(p3); a30 = fma(x, w0, a30); a31 = fma(x, w1, a31);
      p0 += 4; p1 += 4; p2 += 4; p3 += 4;
      w += 32;
    }
  }
  const b0 = biasAt(bias, 0, nc < 4 ? nc : 4);
  const b1 = nc > 4 ? biasAt(bias, 4, nc - 4) : f32x4.splat(0);
  const al = f32x4.splat(alpha);
  emit8(out, a00, a01, b0, b1, nc, act, al);
  if (np > 1) emit8(out + ostride, a10, a11, b0, b1, nc, act, al);
  if (np > 2) emit8(out + 2 * ostride, a20, a21, b0, b1, nc, act, al);
  if (np > 3) emit8(out + 3 * ostride, a30, a31, b0, b1, nc, act, al);
}

/** TILE_PX pixels x 4 channels: the last block of a group whose channel count leaves 1..4. */
export function tile4(
  ind: usize, taps: usize, nt: i32, k: i32, goff: usize, wb: usize, tapStride: usize,
  out: usize, ostride: usize, np: i32, nc: i32, bias: usize, act: i32, alpha: f32,
): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  for (let t = 0; t < nt; t++) {
    const ip = ind + <usize>t * 16;
    let p0 = <usize>load<u32>(ip) + goff, p1 = <usize>load<u32>(ip, 4) + goff;
    let p2 = <usize>load<u32>(ip, 8) + goff, p3 = <usize>load<u32>(ip, 12) + goff;
    let w = wb + <usize>load<u32>(taps + (<usize>t << 2)) * tapStride;
    for (let r = k; r > 0; r--) {
      const w0 = v128.load(w);
      a0 = fma(v128.load32_splat(p0), w0, a0);
      a1 = fma(v128.load32_splat(p1), w0, a1);
      a2 = fma(v128.load32_splat(p2), w0, a2);
      a3 = fma(v128.load32_splat(p3), w0, a3);
      p0 += 4; p1 += 4; p2 += 4; p3 += 4;
      w += 16;
    }
  }
  const b0 = biasAt(bias, 0, nc);
  const al = f32x4.splat(alpha);
  emit4(out, a0, b0, nc, act, al);
  if (np > 1) emit4(out + ostride, a1, b0, nc, act, al);
  if (np > 2) emit4(out + 2 * ostride, a2, b0, nc, act, al);
  if (np > 3) emit4(out + 3 * ostride, a3, b0, nc, act, al);
}
