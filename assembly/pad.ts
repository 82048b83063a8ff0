/**
 * Padding (constant / reflect / edge, negative pads cropping) and its gradient over f32 tensors.
 * The binding resolves the geometry with src/ops/pad-geometry.ts into small index tables, so these
 * loops only copy: trailing unpadded dimensions are merged into one contiguous block, the last
 * padded axis becomes a list of runs (copy from the source, or fill), and the axes before it are
 * "row" axes, each with a table of source offsets per output index.
 */

import { V128_BYTES } from './simd';
import { fill_f32 } from './movement';

/**
 * Forward pad. Output row u (rowOut floats) has the multi-index of u over the `rank` row axes
 * (out sizes at dims, i32); its source offset is the sum of each axis' table entry (tables holds
 * the axes' tables one after another, i32 element offsets, -1 where the constant fill goes). A row
 * with any -1 is all fill; otherwise it is built from nSegs segments at segs, i32 triples
 * (dst offset, src offset or -1 for fill, length) in floats. `idx` is per-worker scratch of rank
 * i32 at idx + worker * idxStride. Splits over output rows.
 */
export function pad_rows(
  src: usize, dst: usize, rank: i32, dims: usize, tables: usize, segs: usize, nSegs: i32, rowOut: i32, value: f32,
  idx: usize, idxStride: i32, start: i32, end: i32, worker: i32,
): void {
  const id = idx + <usize>worker * <usize>idxStride;
  let rem = start;
  for (let k = rank - 1; k >= 0; k--) {
    const d = load<i32>(dims + (<usize>k << 2));
    store<i32>(id + (<usize>k << 2), rem % d);
    rem /= d;
  }
  for (let u = start; u < end; u++) {
    const d = dst + (<usize>u * <usize>rowOut << 2);
    let base = 0, tab = tables;
    for (let k = 0; k < rank; k++) {
      const ko = <usize>k << 2;
      const t = load<i32>(tab + (<usize>load<i32>(id + ko) << 2));
      if (t < 0) {
        base = -1;
        break;
      }
      base += t;
      tab += <usize>load<i32>(dims + ko) << 2;
    }
    if (base < 0) {
      fill_f32(d, value, 0, rowOut, worker);
    } else {
      const s = src + (<usize>base << 2);
      for (let g = 0; g < nSegs; g++) {
        const e = segs + <usize>g * 12;
        const at = d + (<usize>load<i32>(e) << 2);
        const from = load<i32>(e, 4), len = load<i32>(e, 8);
        if (from < 0) fill_f32(at, value, 0, len, worker);
        else memory.copy(at, s + (<usize>from << 2), <usize>len << 2);
      }
    }
    for (let k = rank - 1; k >= 0; k--) {
      const ko = <usize>k << 2;
      const i = load<i32>(id + ko) + 1;
      if (i < load<i32>(dims + ko)) {
        store<i32>(id + ko, i);
        break;
      }
      store<i32>(id + ko, 0);
    }
  }
}

/**
 * The gradient of padding along one axis: src [outer, lenIn, B] -> dst [outer, lenOut, B] with
 * dst[o, table[i]] += src[o, i] for every i whose table entry (i32) is >= 0. Splits over outer
 * rows o; each dst row is zeroed first.
 */
export function pad_grad_axis(src: usize, dst: usize, lenIn: i32, lenOut: i32, B: i32, table: usize, start: i32, end: i32, worker: i32): void {
  const blk = <usize>B << 2;
  const vec = blk & ~(V128_BYTES - 1);
  for (let o = start; o < end; o++) {
    const s = src + <usize>o * <usize>lenIn * blk;
    const d = dst + <usize>o * <usize>lenOut * blk;
    memory.fill(d, 0, <usize>lenOut * blk);
    for (let i = 0; i < lenIn; i++) {
      const t = load<i32>(table + (<usize>i << 2));
      if (t < 0) continue;
      const sp = s + <usize>i * blk, dp = d + <usize>t * blk;
      let j: usize = 0;
      for (; j < vec; j += V128_BYTES) v128.store(dp + j, f32x4.add(v128.load(dp + j), v128.load(sp + j)));
      for (; j < blk; j += 4) store<f32>(dp + j, load<f32>(dp + j) + load<f32>(sp + j));
    }
  }
}
