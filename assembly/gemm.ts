/**
 * GEMM exports for the host: the matmul binding (src/backends/wasm/kernels/matmul.ts) and any
 * binding that runs a convolution as a matrix product. AssemblyScript kernels call `gemm` in
 * gemm-driver.ts directly. Tile sizes, packing and the epilogue are described there and in
 * gemm-kernel.ts / gemm-pack.ts.
 */

import { MR, NR } from './gemm-kernel';
import { GEMM_PACKED_B, GEMM_TRANS_A, GEMM_TRANS_B, gemm, gemmScratchBytes, packWholeB, packedBBytes } from './gemm-driver';

export { bias_add, bias_grad } from './gemm-bias';

/** Export-only flag: split (start, end) over 8-column tiles of C instead of MR-row tiles. */
const SPLIT_COLS: i32 = 32;

// @ts-ignore: decorator
@inline function min(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

/** Rows of C per register tile in this build (the unit of a row split). */
export function gemm_mr(): i32 {
  return MR;
}

/** Columns of C per register tile (the unit of a column split). */
export function gemm_nr(): i32 {
  return NR;
}

/** Scratch bytes each worker needs for gemm_run / gemm_batched with these sizes and flags. */
export function gemm_scratch_bytes(m: i32, n: i32, k: i32, flags: i32): usize {
  return gemmScratchBytes(m, n, k, flags);
}

/** Bytes of op(B) (K x N) packed by gemm_pack_b. */
export function gemm_packed_b_bytes(k: i32, n: i32): usize {
  return packedBBytes(k, n);
}

/** Packs all of op(B) (K x N; B^T stored N x K when transB) for GEMM_PACKED_B calls. */
export function gemm_pack_b(b: usize, ldb: i32, transB: i32, k: i32, n: i32, dst: usize): void {
  packWholeB(b, ldb, transB != 0, k, n, dst);
}

/**
 * C = act(op(A) op(B) + (accumulate ? C : 0) + bias) for one matrix (flags: GEMM_* from
 * gemm-driver.ts, plus 32 to split over columns). Splits over row tiles of MR rows (total
 * ceil(M / MR)) or column tiles of 8 (total ceil(N / 8)); worker w uses scratch + w * scratchStride.
 */
export function gemm_run(
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  m: i32, n: i32, k: i32, flags: i32, bias: usize, act: i32, actAlpha: f32, actBeta: f32,
  scratch: usize, scratchStride: usize, start: i32, end: i32, worker: i32,
): void {
  const s = scratch + <usize>worker * scratchStride;
  if ((flags & SPLIT_COLS) != 0) {
    gemm(a, lda, b, ldb, c, ldc, m, n, k, flags, bias, act, actAlpha, actBeta, 0, m, start * NR, min(end * NR, n), s);
  } else {
    gemm(a, lda, b, ldb, c, ldc, m, n, k, flags, bias, act, actAlpha, actBeta, start * MR, min(end * MR, m), 0, n, s);
  }
}

/**
 * A batch of products C[t] = op(A[t]) op(B[t]), C[t] at c + t * M * N * 4, the operands dense
 * (lda = transA ? M : K, ldb = transB ? K : N) at element offsets `offsets[2t]` and
 * `offsets[2t + 1]` (i32 pairs) from a and b, so broadcast batch dimensions share operands
 * (with GEMM_PACKED_B every entry uses the one packed b and its offsets are not read). Work items are (t, tile) pairs, t-major, tiles as for gemm_run: total nb * tiles.
 */
export function gemm_batched(
  a: usize, b: usize, c: usize, offsets: usize, m: i32, n: i32, k: i32, flags: i32,
  scratch: usize, scratchStride: usize, start: i32, end: i32, worker: i32,
): void {
  const s = scratch + <usize>worker * scratchStride;
  const splitCols = (flags & SPLIT_COLS) != 0;
  const tiles = splitCols ? (n + NR - 1) / NR : (m + MR - 1) / MR;
  const lda = (flags & GEMM_TRANS_A) != 0 ? m : k;
  const ldb = (flags & GEMM_TRANS_B) != 0 ? k : n;
  const cBytes = <usize>m * <usize>n << 2;
  let item = start;
  while (item < end) {
    const t = item / tiles;
    const q0 = item - t * tiles;
    const q1 = min(tiles, q0 + (end - item));
    const at = a + (<usize>load<i32>(offsets + (<usize>t << 3)) << 2);
    const bt = (flags & GEMM_PACKED_B) != 0 ? b : b + (<usize>load<i32>(offsets + (<usize>t << 3), 4) << 2);
    const ct = c + <usize>t * cBytes;
    if (splitCols) gemm(at, lda, bt, ldb, ct, n, m, n, k, flags, 0, 0, 0, 0, 0, m, q0 * NR, min(q1 * NR, n), s);
    else gemm(at, lda, bt, ldb, ct, n, m, n, k, flags, 0, 0, 0, 0, q0 * MR, min(q1 * MR, m), 0, n, s);
    item += q1 - q0;
  }
}
