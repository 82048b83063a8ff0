/**
 * Products of a few rows with a weight packed once by gemm_pack_b: y = act(x B + bias) for x
 * [rows, K] with fewer rows than the GEMM's register tile (assembly/gemm-kernel.ts, MR), where
 * the GEMM would compute a whole MR-row tile per 8 columns and throw most of it away. Dense layers
 * at batch 1 are the case that matters: a matrix-vector product, bound by reading B once.
 *
 * B is read in the layout packWholeB (assembly/gemm-driver.ts) writes: K block after K block (KC
 * deep), each holding the ceil(N / 8) panels of that block, kc x 8 floats apiece. The dense tests
 * compare with float64 at K past KC, so a change of that layout shows up there.
 */

import { activate4 } from './activation';
import { KC } from './gemm-driver';
import { NR } from './gemm-kernel';
import { fma, loadTail, storeTail } from './simd';

// @ts-ignore: decorator
@inline function min(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

/**
 * y = act(x B + bias): x [rows, K] (rows `ldx` floats apart), B packed by gemm_pack_b for K x N,
 * y [rows, N] (rows N floats apart), bias N floats or 0, act an ACT_* code with its alpha and beta.
 * Splits over 8-column panels of y (total ceil(N / 8)); each row of a panel re-reads that panel
 * of B from cache.
 */
export function gemv_packed(
  x: usize, ldx: i32, b: usize, y: usize, rows: i32, k: i32, n: i32,
  bias: usize, act: i32, actAlpha: f32, actBeta: f32,
  start: i32, end: i32, worker: i32,
): void {
  const npad = <usize>((n + NR - 1) / NR * NR);
  const alpha = f32x4.splat(actAlpha), beta = f32x4.splat(actBeta);
  const zero = f32x4.splat(0);
  for (let j = start; j < end; j++) {
    const col = j * NR;
    const valid = min(NR, n - col);
    // The bias of the panel's valid columns (never read past N).
    const bp = bias + (<usize>col << 2);
    const b0 = bias == 0 ? zero : valid >= 4 ? v128.load(bp) : loadTail(bp, valid);
    const b1 = bias == 0 || valid <= 4 ? zero : valid == 8 ? v128.load(bp, 16) : loadTail(bp + 16, valid - 4);
    for (let i = 0; i < rows; i++) {
      // Two k steps per iteration into separate accumulators, so consecutive FMAs do not wait on
      // each other.
      let c0 = zero, c1 = zero, c2 = zero, c3 = zero;
      const xi = x + (<usize>i * <usize>ldx << 2);
      for (let pc = 0; pc < k; pc += KC) {
        const kc = min(KC, k - pc);
        let p = b + ((<usize>pc * npad + <usize>col * <usize>kc) << 2);
        let xp = xi + (<usize>pc << 2);
        let q = 0;
        for (; q + 1 < kc; q += 2) {
          const a0 = v128.load32_splat(xp), a1 = v128.load32_splat(xp, 4);
          c0 = fma(a0, v128.load(p), c0);
          c1 = fma(a0, v128.load(p, 16), c1);
          c2 = fma(a1, v128.load(p, 32), c2);
          c3 = fma(a1, v128.load(p, 48), c3);
          p += 64;
          xp += 8;
        }
        if (q < kc) {
          const a0 = v128.load32_splat(xp);
          c0 = fma(a0, v128.load(p), c0);
          c1 = fma(a0, v128.load(p, 16), c1);
        }
      }
      const lo = activate4(act, f32x4.add(f32x4.add(c0, c2), b0), alpha, beta);
      const hi = activate4(act, f32x4.add(f32x4.add(c1, c3), b1), alpha, beta);
      const yp = y + ((<usize>i * <usize>n + <usize>col) << 2);
      if (valid == 8) {
        v128.store(yp, lo);
        v128.store(yp, hi, 16);
      } else if (valid >= 4) {
        v128.store(yp, lo);
        storeTail(yp + 16, hi, valid - 4);
      } else {
        storeTail(yp, lo, valid);
      }
    }
  }
}
