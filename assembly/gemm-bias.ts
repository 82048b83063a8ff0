/**
 * Channels-last bias: y = x + b along the last axis (C channels), and its gradient, the sum of dy
 * over every row. The gradient sums in f64 lanes, as the reference does, so long batches of
 * small values do not lose their low bits.
 */

/**
 * y[r, j] = x[r, j] + b[j] for rows [start, end) of a [rows, c] array. `x` and `y` may be the
 * same address. Splits over rows.
 */
export function bias_add(x: usize, b: usize, y: usize, c: i32, start: i32, end: i32, worker: i32): void {
  const rowBytes = <usize>c << 2;
  const vecBytes = <usize>(c & ~3) << 2;
  for (let r = start; r < end; r++) {
    const xs = x + <usize>r * rowBytes;
    const ys = y + <usize>r * rowBytes;
    let o: usize = 0;
    for (; o < vecBytes; o += 16) v128.store(ys + o, f32x4.add(v128.load(xs + o), v128.load(b + o)));
    for (; o < rowBytes; o += 4) store<f32>(ys + o, load<f32>(xs + o) + load<f32>(b + o));
  }
}

// @ts-ignore: decorator
@inline function lo64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// @ts-ignore: decorator
@inline function hi64(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
}

/** Two f64 lanes back to f32, stored at p. */
// @ts-ignore: decorator
@inline function store2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

/**
 * out[j] = sum over rows r of dy[r, j], for channels [4 * start, min(4 * end, c)) of a [rows, c]
 * array. Splits over groups of 4 channels; each worker walks all rows for its channels, 16 at a
 * time (a cache line per row) in f64 accumulators.
 */
export function bias_grad(dy: usize, out: usize, rows: i32, c: i32, start: i32, end: i32, worker: i32): void {
  const rowBytes = <usize>c << 2;
  let j = start << 2;
  const j1 = end << 2 < c ? end << 2 : c;
  for (; j + 16 <= j1; j += 16) {
    let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    let p = dy + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
      s0 = f64x2.add(s0, lo64(v0));
      s1 = f64x2.add(s1, hi64(v0));
      s2 = f64x2.add(s2, lo64(v1));
      s3 = f64x2.add(s3, hi64(v1));
      s4 = f64x2.add(s4, lo64(v2));
      s5 = f64x2.add(s5, hi64(v2));
      s6 = f64x2.add(s6, lo64(v3));
      s7 = f64x2.add(s7, hi64(v3));
      p += rowBytes;
    }
    const o = out + (<usize>j << 2);
    store2(o, s0);
    store2(o + 8, s1);
    store2(o + 16, s2);
    store2(o + 24, s3);
    store2(o + 32, s4);
    store2(o + 40, s5);
    store2(o + 48, s6);
    store2(o + 56, s7);
  }
  for (; j + 4 <= j1; j += 4) {
    let s0 = f64x2.splat(0), s1 = s0;
    let p = dy + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      const v = v128.load(p);
      s0 = f64x2.add(s0, lo64(v));
      s1 = f64x2.add(s1, hi64(v));
      p += rowBytes;
    }
    const o = out + (<usize>j << 2);
    store2(o, s0);
    store2(o + 8, s1);
  }
  for (; j < j1; j++) {
    let s: f64 = 0;
    let p = dy + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      s += <f64>load<f32>(p);
      p += rowBytes;
    }
    store<f32>(out + (<usize>j << 2), <f32>s);
  }
}
