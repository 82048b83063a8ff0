/**
 * GEMM microkernels: one MR x 8 tile of C from a packed A panel (kc steps of MR floats, one per
 * row) and a packed B panel (kc steps of 8 floats, one per column), accumulated in f32x4
 * registers; the epilogue (bias, then an activation) is a separate pass over the finished tile.
 *
 * The tile height depends on the build. V8 on x64 leaves 15 vector registers to wasm code: the
 * relaxed builds (FMA) fit a 6x8 tile (12 accumulators + 2 B vectors + 1 broadcast A), the plain
 * builds need one more register for the product before the add, so they use 5x8. Both loops do
 * one k step per iteration: unrolling lets the engine hoist every load of the unrolled steps and
 * spill accumulators, which measured slower.
 */

import { ACT_LINEAR, activate4 } from './activation';
import { fma } from './simd';

/** Rows of C per register tile (the height of a packed A panel). */
export const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 5;
/** Columns of C per register tile (the width of a packed B panel). */
export const NR: i32 = 8;

/**
 * A full 6x8 tile: C = A B, or C += A B when `accumulate`. `ap`/`bp`: packed panels; `c`: the
 * tile's top-left element, rows `ldc` bytes apart.
 *
 * Only plain stores follow the loop: with more work after it (an epilogue that reads C or a
 * bias), V8 schedules all six broadcasts ahead of the FMAs and spills four accumulators, which
 * halves the speed. Accumulation therefore loads C into the accumulators before the loop, and
 * bias and activation run as a separate pass over the finished tile (finishTile).
 */
export function kernel6x8(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  let c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  if (accumulate) {
    let p = c;
    c00 = v128.load(p);
    c01 = v128.load(p, 16);
    p += ldc;
    c10 = v128.load(p);
    c11 = v128.load(p, 16);
    p += ldc;
    c20 = v128.load(p);
    c21 = v128.load(p, 16);
    p += ldc;
    c30 = v128.load(p);
    c31 = v128.load(p, 16);
    p += ldc;
    c40 = v128.load(p);
    c41 = v128.load(p, 16);
    p += ldc;
    c50 = v128.load(p);
    c51 = v128.load(p, 16);
  }
  for (let k = kc; k > 0; k--) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = fma(a, b0, c00);
    c01 = fma(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = fma(a, b0, c10);
    c11 = fma(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = fma(a, b0, c20);
    c21 = fma(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = fma(a, b0, c30);
    c31 = fma(a, b1, c31);
    a = v128.load32_splat(ap, 16);
    c40 = fma(a, b0, c40);
    c41 = fma(a, b1, c41);
    a = v128.load32_splat(ap, 20);
    c50 = fma(a, b0, c50);
    c51 = fma(a, b1, c51);
    ap += 24;
    bp += 32;
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  c += ldc;
  v128.store(c, c10);
  v128.store(c, c11, 16);
  c += ldc;
  v128.store(c, c20);
  v128.store(c, c21, 16);
  c += ldc;
  v128.store(c, c30);
  v128.store(c, c31, 16);
  c += ldc;
  v128.store(c, c40);
  v128.store(c, c41, 16);
  c += ldc;
  v128.store(c, c50);
  v128.store(c, c51, 16);
}

/** A full 5x8 tile; as kernel6x8. */
export function kernel5x8(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  let c30 = c00, c31 = c00, c40 = c00, c41 = c00;
  if (accumulate) {
    let p = c;
    c00 = v128.load(p);
    c01 = v128.load(p, 16);
    p += ldc;
    c10 = v128.load(p);
    c11 = v128.load(p, 16);
    p += ldc;
    c20 = v128.load(p);
    c21 = v128.load(p, 16);
    p += ldc;
    c30 = v128.load(p);
    c31 = v128.load(p, 16);
    p += ldc;
    c40 = v128.load(p);
    c41 = v128.load(p, 16);
  }
  for (let k = kc; k > 0; k--) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = fma(a, b0, c00);
    c01 = fma(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = fma(a, b0, c10);
    c11 = fma(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = fma(a, b0, c20);
    c21 = fma(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = fma(a, b0, c30);
    c31 = fma(a, b1, c31);
    a = v128.load32_splat(ap, 16);
    c40 = fma(a, b0, c40);
    c41 = fma(a, b1, c41);
    ap += 20;
    bp += 32;
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  c += ldc;
  v128.store(c, c10);
  v128.store(c, c11, 16);
  c += ldc;
  v128.store(c, c20);
  v128.store(c, c21, 16);
  c += ldc;
  v128.store(c, c30);
  v128.store(c, c31, 16);
  c += ldc;
  v128.store(c, c40);
  v128.store(c, c41, 16);
}

/**
 * The epilogue of a full tile: C = act(C + bias) over `rows` rows of 8 floats at c (`ldc` bytes
 * apart); `bias` is 8 floats or 0. Any activation code of assembly/activation.ts, with its
 * alpha and beta: the tile is in L1, so even the exp-based ones cost little here.
 */
export function finishTile(c: usize, ldc: usize, rows: i32, bias: usize, act: i32, alpha: f32, beta: f32): void {
  const zero = f32x4.splat(0);
  const b0 = bias != 0 ? v128.load(bias) : zero;
  const b1 = bias != 0 ? v128.load(bias, 16) : zero;
  const al = f32x4.splat(alpha), be = f32x4.splat(beta);
  for (let i = 0; i < rows; i++) {
    const v0 = f32x4.add(v128.load(c), b0);
    const v1 = f32x4.add(v128.load(c, 16), b1);
    v128.store(c, activate4(act, v0, al, be));
    v128.store(c, activate4(act, v1, al, be), 16);
    c += ldc;
  }
}

/** A full MR x 8 tile with this build's kernel. */
// @ts-ignore: decorator
@inline export function kernelTile(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, accumulate: bool): void {
  if (MR == 6) kernel6x8(ap, bp, kc, c, ldc, accumulate);
  else kernel5x8(ap, bp, kc, c, ldc, accumulate);
}

/**
 * A partial tile (mr < MR rows or nr < 8 columns) through `tmp` (MR x 8 floats): the full tile
 * is computed there, C (when accumulating) and the bias are added to its valid mr x nr corner,
 * the activation runs on whole rows, and the corner is copied to C. Only valid elements of C and
 * of the bias are read or written. Pass bias 0 and ACT_LINEAR for all but the last K block.
 */
export function kernelEdge(
  ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, mr: i32, nr: i32,
  accumulate: bool, bias: usize, act: i32, alpha: f32, beta: f32, tmp: usize,
): void {
  const rowBytes: usize = <usize>NR << 2;
  kernelTile(ap, bp, kc, tmp, rowBytes, false);
  const cols = <usize>nr << 2;
  for (let i = 0; i < mr; i++) {
    const t = tmp + <usize>i * rowBytes;
    const d = c + <usize>i * ldc;
    if (accumulate) for (let o: usize = 0; o < cols; o += 4) store<f32>(t + o, load<f32>(t + o) + load<f32>(d + o));
    if (bias != 0) for (let o: usize = 0; o < cols; o += 4) store<f32>(t + o, load<f32>(t + o) + load<f32>(bias + o));
  }
  if (act != ACT_LINEAR) finishTile(tmp, rowBytes, mr, 0, act, alpha, beta);
  for (let i = 0; i < mr; i++) {
    const t = tmp + <usize>i * rowBytes;
    const d = c + <usize>i * ldc;
    for (let o: usize = 0; o < cols; o += 4) store<f32>(d + o, load<f32>(t + o));
  }
}
