/**
 * Packing for the GEMM microkernels. A block of op(A) (mc rows x kc) becomes ceil(mc / MR) panels
 * of kc steps x MR floats; a block of op(B) (kc x nc) becomes ceil(nc / 8) panels of kc steps x 8
 * floats. Rows and columns past the block's end are zero, so the kernels always run full tiles.
 * Sources are read with any leading dimension (`ld`, in elements) and either orientation:
 * op(A) element (i, p) is a[i * lda + p], or a[p * lda + i] when transposed; op(B) element (p, j)
 * is b[p * ldb + j], or b[j * ldb + p] when transposed.
 */

import { MR, NR } from './gemm-kernel';

/** 4x4 transpose of rows r0..r3 (4 floats each) into columns, written to four destinations. */
// @ts-ignore: decorator
@inline function transpose4(r0: v128, r1: v128, r2: v128, r3: v128, d0: usize, d1: usize, d2: usize, d3: usize): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(d0, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(d1, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(d2, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(d3, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

/** Any panel, element by element: rows (or columns) past `valid` are zero. */
function packScalar(src: usize, strideOuter: usize, strideInner: usize, valid: i32, width: i32, kc: i32, dst: usize): void {
  // Element (r, p) of the panel is at src + r * strideOuter + p * strideInner.
  for (let p = 0; p < kc; p++) {
    const d = dst + (<usize>(p * width) << 2);
    const s = src + <usize>p * strideInner;
    for (let r = 0; r < width; r++) {
      store<f32>(d + (<usize>r << 2), r < valid ? load<f32>(s + <usize>r * strideOuter) : 0);
    }
  }
}

/** A full A panel from row-major A: MR rows, each kc contiguous floats `rowBytes` apart. */
function packARows(src: usize, rowBytes: usize, kc: i32, dst: usize): void {
  const step: usize = <usize>MR << 2;
  let p = 0;
  // Four k steps at a time: one load per row, a 4x4 transpose for rows 0-3, lanes for the rest.
  for (; p + 4 <= kc; p += 4) {
    const s = src + (<usize>p << 2);
    const d = dst + <usize>p * step;
    transpose4(v128.load(s), v128.load(s + rowBytes), v128.load(s + 2 * rowBytes), v128.load(s + 3 * rowBytes), d, d + step, d + 2 * step, d + 3 * step);
    const r4 = v128.load(s + 4 * rowBytes);
    if (MR == 6) {
      const r5 = v128.load(s + 5 * rowBytes);
      const lo = i32x4.shuffle(r4, r5, 0, 4, 1, 5);
      const hi = i32x4.shuffle(r4, r5, 2, 6, 3, 7);
      v128.store64_lane(d, lo, 0, 16);
      v128.store64_lane(d + step, lo, 1, 16);
      v128.store64_lane(d + 2 * step, hi, 0, 16);
      v128.store64_lane(d + 3 * step, hi, 1, 16);
    } else {
      v128.store32_lane(d, r4, 0, 16);
      v128.store32_lane(d + step, r4, 1, 16);
      v128.store32_lane(d + 2 * step, r4, 2, 16);
      v128.store32_lane(d + 3 * step, r4, 3, 16);
    }
  }
  if (p < kc) packScalar(src + (<usize>p << 2), rowBytes, 4, MR, MR, kc - p, dst + <usize>p * step);
}

/** A full A panel from transposed A: at each k step, MR contiguous floats; steps `colBytes` apart. */
function packACols(src: usize, colBytes: usize, kc: i32, dst: usize): void {
  for (let p = 0; p < kc; p++) {
    const s = src + <usize>p * colBytes;
    const d = dst + (<usize>(p * MR) << 2);
    v128.store(d, v128.load(s));
    if (MR == 6) v128.store64_lane(d, v128.load64_zero(s, 16), 0, 16);
    else store<f32>(d, load<f32>(s, 16), 16);
  }
}

/**
 * Packs rows [i0, i0 + mc) and steps [p0, p0 + kc) of op(A) into ceil(mc / MR) panels at `dst`,
 * each kc * MR floats.
 */
export function packA(a: usize, lda: i32, transA: bool, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  const ld = <usize>lda << 2;
  // Bytes between consecutive rows (i) and consecutive steps (p) of op(A).
  const rowStride: usize = transA ? 4 : ld;
  const stepStride: usize = transA ? ld : 4;
  const panelBytes = <usize>(kc * MR) << 2;
  for (let ir = 0; ir < mc; ir += MR) {
    const src = a + <usize>(i0 + ir) * rowStride + <usize>p0 * stepStride;
    const d = dst + <usize>(ir / MR) * panelBytes;
    const rows = mc - ir;
    if (rows < MR) packScalar(src, rowStride, stepStride, rows, MR, kc, d);
    else if (transA) packACols(src, ld, kc, d);
    else packARows(src, ld, kc, d);
  }
}

/** A full B panel from row-major B: at each k step, 8 contiguous floats; steps `rowBytes` apart. */
function packBRows(src: usize, rowBytes: usize, kc: i32, dst: usize): void {
  for (let p = 0; p < kc; p++) {
    const s = src + <usize>p * rowBytes;
    const d = dst + (<usize>p << 5);
    v128.store(d, v128.load(s));
    v128.store(d, v128.load(s, 16), 16);
  }
}

/** A full B panel from transposed B: 8 columns, each kc contiguous floats `colBytes` apart. */
function packBCols(src: usize, colBytes: usize, kc: i32, dst: usize): void {
  let p = 0;
  for (; p + 4 <= kc; p += 4) {
    const s = src + (<usize>p << 2);
    const d = dst + (<usize>p << 5);
    transpose4(v128.load(s), v128.load(s + colBytes), v128.load(s + 2 * colBytes), v128.load(s + 3 * colBytes), d, d + 32, d + 64, d + 96);
    const s4 = s + 4 * colBytes;
    transpose4(v128.load(s4), v128.load(s4 + colBytes), v128.load(s4 + 2 * colBytes), v128.load(s4 + 3 * colBytes), d + 16, d + 48, d + 80, d + 112);
  }
  if (p < kc) packScalar(src + (<usize>p << 2), colBytes, 4, NR, NR, kc - p, dst + (<usize>p << 5));
}

/**
 * Packs steps [p0, p0 + kc) and columns [j0, j0 + nc) of op(B) into ceil(nc / 8) panels at
 * `dst`, each kc * 8 floats.
 */
export function packB(b: usize, ldb: i32, transB: bool, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  const ld = <usize>ldb << 2;
  // Bytes between consecutive columns (j) and consecutive steps (p) of op(B).
  const colStride: usize = transB ? ld : 4;
  const stepStride: usize = transB ? 4 : ld;
  const panelBytes = <usize>(kc * NR) << 2;
  for (let jr = 0; jr < nc; jr += NR) {
    const src = b + <usize>(j0 + jr) * colStride + <usize>p0 * stepStride;
    const d = dst + <usize>(jr / NR) * panelBytes;
    const cols = nc - jr;
    if (cols < NR) packScalar(src, colStride, stepStride, cols, NR, kc, d);
    else if (transB) packBCols(src, ld, kc, d);
    else packBRows(src, ld, kc, d);
  }
}
