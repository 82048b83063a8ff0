/**
 * The blocked GEMM: C = act(op(A) op(B) + (accumulate ? C : 0) + bias), for other AssemblyScript
 * kernels (im2col and 1x1 convolutions) and for the exports in gemm.ts.
 *
 * Loop order as in BLIS / GotoBLAS: columns in NC blocks, K in KC blocks (op(B) packed once per
 * block, or once per weight by packWholeB), rows in MC blocks (op(A) packed into an L2-resident
 * block), then 8-column panels of B, then MR-row panels of A: each B panel is reused by every
 * row tile of the block while it sits in L1. Block sizes were picked by measurement.
 */

import { ACT_LINEAR } from './activation';
import { MR, NR, finishTile, kernelEdge, kernelTile } from './gemm-kernel';
import { packA, packB } from './gemm-pack';

/** op(A) is A^T: element (i, p) is a[p * lda + i]. */
export const GEMM_TRANS_A: i32 = 1;
/** op(B) is B^T: element (p, j) is b[j * ldb + p]. */
export const GEMM_TRANS_B: i32 = 2;
/** Add the product to C instead of overwriting it (gradient accumulation). */
export const GEMM_ACCUMULATE: i32 = 4;
/** `b` holds all of op(B) packed by `packWholeB` (gemm_pack_b); `ldb` is ignored. */
export const GEMM_PACKED_B: i32 = 8;

/**
 * Depth of a K block: a 512 x 8 B panel (16 KiB) stays in L1 while the kernel walks down the A
 * panels. Measured against 256 on Zen 3: 5-9% faster at 512^3 and 1024^2 x 1000 (half the passes
 * over C and half the kernel calls), and no worse elsewhere.
 */
export const KC: i32 = 512;
/** Rows per packed A block (a multiple of both tile heights): 120 x 512 floats = 240 KiB, in L2. */
export const MC: i32 = 120;
/** Columns per packed B block: 512 x 512 floats = 1 MiB of scratch per worker. */
export const NC: i32 = 512;

// @ts-ignore: decorator
@inline function min(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

// @ts-ignore: decorator
@inline function roundUp(x: i32, m: i32): i32 {
  return ((x + m - 1) / m) * m;
}

/** Bytes of a fully packed op(B) (K x N): K x roundUp(N, 8) floats. */
export function packedBBytes(k: i32, n: i32): usize {
  return <usize>roundUp(n, NR) * <usize>k << 2;
}

/**
 * Packs all of op(B) once (a constant weight), in the order the blocked loop reads it: K block
 * after K block, each the ceil(N / 8) panels of that block (kc x 8 floats each), so every block
 * streams from memory in one sequential run. The layout depends on KC and stays private to this
 * module.
 */
export function packWholeB(b: usize, ldb: i32, transB: bool, k: i32, n: i32, dst: usize): void {
  const npad = <usize>roundUp(n, NR);
  for (let pc = 0; pc < k; pc += KC) packB(b, ldb, transB, pc, min(KC, k - pc), 0, n, dst + (<usize>pc * npad << 2));
}

/** Scratch bytes one `gemm` call needs (16-byte multiple), for any row or column range. */
export function gemmScratchBytes(m: i32, n: i32, k: i32, flags: i32): usize {
  const kc = <usize>min(KC, k);
  const aBytes: usize = <usize>min(MC, roundUp(m, MR)) * kc << 2;
  const bBytes: usize = (flags & GEMM_PACKED_B) != 0 ? 0 : <usize>min(NC, roundUp(n, NR)) * kc << 2;
  const tile: usize = <usize>(MR * NR) << 2;
  return (aBytes + bBytes + tile + 15) & ~15;
}

/**
 * Computes rows [row0, row1) and columns [col0, col1) of C (M x N, rows `ldc` elements apart).
 * `bias` (N floats, or 0) and `act` (an ACT_* code of assembly/activation.ts, with its alpha and
 * beta) form the epilogue, applied after the last K block.
 * `scratch` holds gemmScratchBytes(m, n, k, flags) bytes owned by this call. With GEMM_PACKED_B,
 * col0 must be a multiple of 8.
 * Different row or column ranges of one C may run on different threads at once.
 */
export function gemm(
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  m: i32, n: i32, k: i32, flags: i32, bias: usize, act: i32, actAlpha: f32, actBeta: f32,
  row0: i32, row1: i32, col0: i32, col1: i32, scratch: usize,
): void {
  if (row0 >= row1 || col0 >= col1) return;
  const transA = (flags & GEMM_TRANS_A) != 0;
  const transB = (flags & GEMM_TRANS_B) != 0;
  const packedB = (flags & GEMM_PACKED_B) != 0;
  const kcMax = min(KC, k);
  const aBlock = scratch;
  const bBlock = scratch + (<usize>min(MC, roundUp(m, MR)) * <usize>kcMax << 2);
  const tile = bBlock + (packedB ? 0 : <usize>min(NC, roundUp(n, NR)) * <usize>kcMax << 2);
  const ldcBytes = <usize>ldc << 2;

  for (let jc = col0; jc < col1; jc += NC) {
    const nc = min(NC, col1 - jc);
    // K == 0 still runs one (empty) block so the epilogue writes C.
    let pc = 0;
    do {
      const kc = min(KC, k - pc);
      const last = pc + kc >= k;
      // Later K blocks add to what the earlier ones wrote; bias and activation after the last.
      const accumulate = pc > 0 || (flags & GEMM_ACCUMULATE) != 0;
      const finish = last && (bias != 0 || act != ACT_LINEAR);
      // Panels of this K block, kc x 8 floats each, one after another.
      const bPanel = <usize>kc * NR << 2;
      let bp: usize;
      if (packedB) {
        bp = b + ((<usize>pc * <usize>roundUp(n, NR) + <usize>jc * <usize>kc) << 2);
      } else {
        packB(b, ldb, transB, pc, kc, jc, nc, bBlock);
        bp = bBlock;
      }
      for (let ic = row0; ic < row1; ic += MC) {
        const mc = min(MC, row1 - ic);
        packA(a, lda, transA, ic, mc, pc, kc, aBlock);
        const aPanel = <usize>kc * MR << 2;
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bpj = bp + <usize>(jr / NR) * bPanel;
          const biasj: usize = bias != 0 ? bias + (<usize>(jc + jr) << 2) : 0;
          let cp = c + ((<usize>ic * <usize>ldc + <usize>(jc + jr)) << 2);
          let api = aBlock;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            if (mr == MR && nr == NR) {
              kernelTile(api, bpj, kc, cp, ldcBytes, accumulate);
              if (finish) finishTile(cp, ldcBytes, MR, biasj, act, actAlpha, actBeta);
            } else if (finish) {
              kernelEdge(api, bpj, kc, cp, ldcBytes, mr, nr, accumulate, biasj, act, actAlpha, actBeta, tile);
            } else {
              kernelEdge(api, bpj, kc, cp, ldcBytes, mr, nr, accumulate, 0, ACT_LINEAR, 0, 0, tile);
            }
            api += aPanel;
            cp += <usize>MR * ldcBytes;
          }
        }
      }
      pc += kc;
    } while (pc < k);
  }
}
