/**
 * Data movement over f32 tensors: copies, fills, concatenation, strided gathers (slice, general
 * transpose) and a cache-blocked batched 2-D transpose (NHWC <-> NCHW and matrix transposes).
 * Shapes arrive collapsed by the binding (adjacent dimensions that move together are merged), so
 * the loops here see few dimensions and long contiguous runs.
 */

import { V128_BYTES } from './simd';

/** dst[i] = src[i] for i in [start, end) (elements). The ranges must not overlap. */
export function copy_f32(src: usize, dst: usize, start: i32, end: i32, worker: i32): void {
  const o = <usize>start << 2;
  memory.copy(dst + o, src + o, <usize>(end - start) << 2);
}

/** dst[i] = value for i in [start, end) (elements). */
export function fill_f32(dst: usize, value: f32, start: i32, end: i32, worker: i32): void {
  const p = dst + (<usize>start << 2);
  const bytes = <usize>(end - start) << 2;
  // +0 is all zero bytes (-0 is not).
  if (reinterpret<u32>(value) == 0) {
    memory.fill(p, 0, bytes);
    return;
  }
  const v = f32x4.splat(value);
  const vec = bytes & ~(V128_BYTES - 1);
  let o: usize = 0;
  for (; o < vec; o += V128_BYTES) v128.store(p + o, v);
  for (; o < bytes; o += 4) store<f32>(p + o, value);
}

/**
 * Concatenation as rows: output row o (of outRow floats) is input 0's row o, then input 1's, ...
 * `table` holds `count` pairs (src address: u32, row floats: i32). Splits over rows o.
 */
export function concat_rows(table: usize, count: i32, dst: usize, outRow: i32, start: i32, end: i32, worker: i32): void {
  for (let o = start; o < end; o++) {
    let d = dst + (<usize>o * <usize>outRow << 2);
    for (let k = 0; k < count; k++) {
      const e = table + (<usize>k << 3);
      const rowBytes = <usize>load<i32>(e, 4) << 2;
      memory.copy(d, <usize>load<u32>(e) + <usize>o * rowBytes, rowBytes);
      d += rowBytes;
    }
  }
}

/**
 * A strided view copied out contiguously: output row u (of `inner` floats) reads
 * src[off(u) + j * innerStride], off(u) = sum_k idx_k * strides[k] over the multi-index of u in
 * `dims` (rank i32 values; strides in elements). `idx` is per-worker scratch of rank i32 at
 * idx + worker * idxStride. Splits over output rows; innerStride 1 copies rows with memory.copy.
 */
export function gather_strided(
  src: usize, dst: usize, rank: i32, dims: usize, strides: usize, inner: i32, innerStride: i32,
  idx: usize, idxStride: i32, start: i32, end: i32, worker: i32,
): void {
  const id = idx + <usize>worker * <usize>idxStride;
  let rem = start, off = 0;
  for (let k = rank - 1; k >= 0; k--) {
    const d = load<i32>(dims + (<usize>k << 2));
    const i = rem % d;
    rem /= d;
    store<i32>(id + (<usize>k << 2), i);
    off += i * load<i32>(strides + (<usize>k << 2));
  }
  const rowBytes = <usize>inner << 2;
  const step = <usize>innerStride << 2;
  for (let u = start; u < end; u++) {
    const d = dst + <usize>u * rowBytes;
    const s = src + (<usize>off << 2);
    if (innerStride == 1) {
      memory.copy(d, s, rowBytes);
    } else {
      for (let j: usize = 0, p = s; j < rowBytes; j += 4, p += step) store<f32>(d + j, load<f32>(p));
    }
    // Advance the multi-index like an odometer.
    for (let k = rank - 1; k >= 0; k--) {
      const ko = <usize>k << 2;
      const i = load<i32>(id + ko) + 1;
      const st = load<i32>(strides + ko);
      if (i < load<i32>(dims + ko)) {
        store<i32>(id + ko, i);
        off += st;
        break;
      }
      store<i32>(id + ko, 0);
      off -= st * (i - 1);
    }
  }
}

/** Rows of a strip that one unit of transpose2d handles. */
const STRIP: i32 = 16;

/**
 * Batched 2-D transpose: dst[b, s, r] = src[b, r, s] for src [batch, R, S]. Units u = b * strips
 * + t cover rows [16t, 16t + 16) of matrix b (strips = ceil(R / 16)); each 4x4 tile is loaded as
 * four quads, transposed with shuffles and stored as four quads, and ragged edges go element-wise.
 */
export function transpose2d(src: usize, dst: usize, R: i32, S: i32, start: i32, end: i32, worker: i32): void {
  const strips = (R + STRIP - 1) / STRIP;
  const plane = <usize>R * <usize>S << 2;
  const srow = <usize>S << 2, drow = <usize>R << 2;
  const S4 = S & ~3;
  for (let u = start; u < end; u++) {
    const b = u / strips;
    const r0 = (u - b * strips) * STRIP;
    const r1 = r0 + STRIP < R ? r0 + STRIP : R;
    const sb = src + <usize>b * plane, db = dst + <usize>b * plane;
    let r = r0;
    for (; r + 4 <= r1; r += 4) {
      const s0 = sb + <usize>r * srow;
      const d0 = db + (<usize>r << 2);
      let s = 0;
      for (; s < S4; s += 4) {
        const so = s0 + (<usize>s << 2);
        const a = v128.load(so), bb = v128.load(so + srow), c = v128.load(so + 2 * srow), d = v128.load(so + 3 * srow);
        const t0 = i32x4.shuffle(a, bb, 0, 4, 1, 5), t1 = i32x4.shuffle(c, d, 0, 4, 1, 5);
        const t2 = i32x4.shuffle(a, bb, 2, 6, 3, 7), t3 = i32x4.shuffle(c, d, 2, 6, 3, 7);
        const dp = d0 + <usize>s * drow;
        v128.store(dp, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
        v128.store(dp + drow, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
        v128.store(dp + 2 * drow, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
        v128.store(dp + 3 * drow, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
      }
      for (; s < S; s++) {
        const so = s0 + (<usize>s << 2), dp = d0 + <usize>s * drow;
        for (let k: usize = 0; k < 4; k++) store<f32>(dp + (k << 2), load<f32>(so + k * srow));
      }
    }
    for (; r < r1; r++) {
      const s0 = sb + <usize>r * srow, d0 = db + (<usize>r << 2);
      for (let s = 0; s < S; s++) store<f32>(d0 + <usize>s * drow, load<f32>(s0 + (<usize>s << 2)));
    }
  }
}
