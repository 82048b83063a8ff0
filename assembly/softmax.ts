/**
 * Softmax and its gradient along one axis of an f32 tensor seen as [outer, len, inner] (inner is
 * the contiguous size after the axis). The last axis (inner = 1) has a fast path over contiguous
 * rows; other axes vectorize across four neighbouring positions of the inner dimension at once.
 *
 * y = exp(x - max) / sum(exp(x - max)), with max and NaN handling as the reference kernel: a NaN
 * (or +Infinity, or all -Infinity) along the axis makes that whole slice NaN. Sums accumulate in
 * f32 over short runs that are added into f64, so long axes (thousands of classes) stay accurate.
 */

import { V128_BYTES, hmax } from './simd';
import { expv } from './vmath';

/** Quads summed in f32 before they are added into the f64 total. */
const RUN: i32 = 16;

// @ts-ignore: decorator
@inline function expf(x: f32): f32 {
  return f32x4.extract_lane(expv(f32x4.splat(x)), 0);
}

/** The sum of a v128's four lanes, in f64. */
// @ts-ignore: decorator
@inline function hsum64(v: v128): f64 {
  const s = f64x2.add(f64x2.promote_low_f32x4(v), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

/** Softmax of contiguous rows of `len` floats: rows [start, end). x and y may alias. */
export function softmax_last(x: usize, y: usize, len: i32, start: i32, end: i32, worker: i32): void {
  const bytes = <usize>len << 2;
  const vec = bytes & ~(V128_BYTES - 1);
  for (let r = start; r < end; r++) {
    const xr = x + <usize>r * bytes, yr = y + <usize>r * bytes;
    let o: usize = 0;
    let m: f32 = -Infinity;
    if (vec > 0) {
      let m0 = v128.load(xr), m1 = m0, m2 = m0, m3 = m0;
      for (o = V128_BYTES; o + 4 * V128_BYTES <= vec; o += 4 * V128_BYTES) {
        m0 = f32x4.max(m0, v128.load(xr + o));
        m1 = f32x4.max(m1, v128.load(xr + o, 16));
        m2 = f32x4.max(m2, v128.load(xr + o, 32));
        m3 = f32x4.max(m3, v128.load(xr + o, 48));
      }
      for (; o < vec; o += V128_BYTES) m0 = f32x4.max(m0, v128.load(xr + o));
      m = hmax(f32x4.max(f32x4.max(m0, m1), f32x4.max(m2, m3)));
    }
    for (o = vec; o < bytes; o += 4) {
      const v = load<f32>(xr + o);
      // Math.max semantics: NaN wins.
      m = v != v || m != m ? NaN : (v > m ? v : m);
    }
    const mv = f32x4.splat(m);
    let total: f64 = 0;
    o = 0;
    while (o < vec) {
      const stop = o + <usize>RUN * V128_BYTES < vec ? o + <usize>RUN * V128_BYTES : vec;
      let s = f32x4.splat(0);
      // Four independent exps per step: the polynomial is a long dependency chain.
      for (; o + 4 * V128_BYTES <= stop; o += 4 * V128_BYTES) {
        const p = xr + o, q = yr + o;
        const e0 = expv(f32x4.sub(v128.load(p), mv)), e1 = expv(f32x4.sub(v128.load(p, 16), mv));
        const e2 = expv(f32x4.sub(v128.load(p, 32), mv)), e3 = expv(f32x4.sub(v128.load(p, 48), mv));
        v128.store(q, e0);
        v128.store(q, e1, 16);
        v128.store(q, e2, 32);
        v128.store(q, e3, 48);
        s = f32x4.add(s, f32x4.add(f32x4.add(e0, e1), f32x4.add(e2, e3)));
      }
      for (; o < stop; o += V128_BYTES) {
        const e = expv(f32x4.sub(v128.load(xr + o), mv));
        v128.store(yr + o, e);
        s = f32x4.add(s, e);
      }
      total += hsum64(s);
    }
    for (o = vec; o < bytes; o += 4) {
      const e = expf(load<f32>(xr + o) - m);
      store<f32>(yr + o, e);
      total += <f64>e;
    }
    const inv = <f32>(1.0 / total);
    const iv = f32x4.splat(inv);
    for (o = 0; o < vec; o += V128_BYTES) v128.store(yr + o, f32x4.mul(v128.load(yr + o), iv));
    for (o = vec; o < bytes; o += 4) store<f32>(yr + o, load<f32>(yr + o) * inv);
  }
}

/**
 * Softmax along a middle axis of [outer, len, inner], inner > 1: units u = o * quads + q cover
 * inner positions [4q, 4q + 4) of outer block o (quads = ceil(inner / 4)); a short last quad is
 * done lane by lane.
 */
export function softmax_axis(x: usize, y: usize, len: i32, inner: i32, start: i32, end: i32, worker: i32): void {
  const quads = (inner + 3) >> 2;
  const step = <usize>inner << 2;
  for (let u = start; u < end; u++) {
    const ob = u / quads, q = u - ob * quads;
    const j = q << 2;
    const base = (<usize>ob * <usize>len * <usize>inner + <usize>j) << 2;
    const xb = x + base, yb = y + base;
    if (j + 4 <= inner) {
      let mv = v128.load(xb);
      for (let i = 1; i < len; i++) mv = f32x4.max(mv, v128.load(xb + <usize>i * step));
      let lo = f64x2.splat(0), hi = lo;
      for (let i0 = 0; i0 < len; i0 += RUN) {
        const i1 = i0 + RUN < len ? i0 + RUN : len;
        let s = f32x4.splat(0);
        let i = i0;
        for (; i + 4 <= i1; i += 4) {
          const p = <usize>i * step;
          const e0 = expv(f32x4.sub(v128.load(xb + p), mv)), e1 = expv(f32x4.sub(v128.load(xb + p + step), mv));
          const e2 = expv(f32x4.sub(v128.load(xb + p + 2 * step), mv)), e3 = expv(f32x4.sub(v128.load(xb + p + 3 * step), mv));
          v128.store(yb + p, e0);
          v128.store(yb + p + step, e1);
          v128.store(yb + p + 2 * step, e2);
          v128.store(yb + p + 3 * step, e3);
          s = f32x4.add(s, f32x4.add(f32x4.add(e0, e1), f32x4.add(e2, e3)));
        }
        for (; i < i1; i++) {
          const o = <usize>i * step;
          const e = expv(f32x4.sub(v128.load(xb + o), mv));
          v128.store(yb + o, e);
          s = f32x4.add(s, e);
        }
        lo = f64x2.add(lo, f64x2.promote_low_f32x4(s));
        hi = f64x2.add(hi, f64x2.promote_low_f32x4(i32x4.shuffle(s, s, 2, 3, 0, 1)));
      }
      const one = f64x2.splat(1.0);
      const iv = i32x4.shuffle(f32x4.demote_f64x2_zero(f64x2.div(one, lo)), f32x4.demote_f64x2_zero(f64x2.div(one, hi)), 0, 1, 4, 5);
      for (let i = 0; i < len; i++) {
        const o = <usize>i * step;
        v128.store(yb + o, f32x4.mul(v128.load(yb + o), iv));
      }
    } else {
      for (let k = 0; k < inner - j; k++) {
        const xk = xb + (<usize>k << 2), yk = yb + (<usize>k << 2);
        let m = load<f32>(xk);
        for (let i = 1; i < len; i++) {
          const v = load<f32>(xk + <usize>i * step);
          m = v != v || m != m ? NaN : (v > m ? v : m);
        }
        let total: f64 = 0;
        for (let i = 0; i < len; i++) {
          const e = expf(load<f32>(xk + <usize>i * step) - m);
          store<f32>(yk + <usize>i * step, e);
          total += <f64>e;
        }
        const inv = <f32>(1.0 / total);
        for (let i = 0; i < len; i++) {
          const o = <usize>i * step;
          store<f32>(yk + o, load<f32>(yk + o) * inv);
        }
      }
    }
  }
}

/** dx = y * (dy - sum(dy * y)) over contiguous rows of `len` floats: rows [start, end). */
export function softmax_grad_last(dy: usize, y: usize, dx: usize, len: i32, start: i32, end: i32, worker: i32): void {
  const bytes = <usize>len << 2;
  const vec = bytes & ~(V128_BYTES - 1);
  for (let r = start; r < end; r++) {
    const off = <usize>r * bytes;
    const gr = dy + off, yr = y + off, dr = dx + off;
    let dot: f64 = 0;
    let o: usize = 0;
    while (o < vec) {
      const stop = o + <usize>RUN * V128_BYTES < vec ? o + <usize>RUN * V128_BYTES : vec;
      let s = f32x4.splat(0);
      for (; o < stop; o += V128_BYTES) s = f32x4.add(s, f32x4.mul(v128.load(gr + o), v128.load(yr + o)));
      dot += hsum64(s);
    }
    for (o = vec; o < bytes; o += 4) dot += <f64>(load<f32>(gr + o) * load<f32>(yr + o));
    const d = <f32>dot;
    const dv = f32x4.splat(d);
    for (o = 0; o < vec; o += V128_BYTES) v128.store(dr + o, f32x4.mul(v128.load(yr + o), f32x4.sub(v128.load(gr + o), dv)));
    for (o = vec; o < bytes; o += 4) store<f32>(dr + o, load<f32>(yr + o) * (load<f32>(gr + o) - d));
  }
}

/** softmax_grad along a middle axis of [outer, len, inner], units as in softmax_axis. */
export function softmax_grad_axis(dy: usize, y: usize, dx: usize, len: i32, inner: i32, start: i32, end: i32, worker: i32): void {
  const quads = (inner + 3) >> 2;
  const step = <usize>inner << 2;
  for (let u = start; u < end; u++) {
    const ob = u / quads, q = u - ob * quads;
    const j = q << 2;
    const base = (<usize>ob * <usize>len * <usize>inner + <usize>j) << 2;
    const gb = dy + base, yb = y + base, db = dx + base;
    if (j + 4 <= inner) {
      let lo = f64x2.splat(0), hi = lo;
      for (let i0 = 0; i0 < len; i0 += RUN) {
        const i1 = i0 + RUN < len ? i0 + RUN : len;
        let s = f32x4.splat(0);
        for (let i = i0; i < i1; i++) {
          const o = <usize>i * step;
          s = f32x4.add(s, f32x4.mul(v128.load(gb + o), v128.load(yb + o)));
        }
        lo = f64x2.add(lo, f64x2.promote_low_f32x4(s));
        hi = f64x2.add(hi, f64x2.promote_low_f32x4(i32x4.shuffle(s, s, 2, 3, 0, 1)));
      }
      const dv = i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
      for (let i = 0; i < len; i++) {
        const o = <usize>i * step;
        v128.store(db + o, f32x4.mul(v128.load(yb + o), f32x4.sub(v128.load(gb + o), dv)));
      }
    } else {
      for (let k = 0; k < inner - j; k++) {
        const kb = <usize>k << 2;
        let dot: f64 = 0;
        for (let i = 0; i < len; i++) {
          const o = <usize>i * step + kb;
          dot += <f64>(load<f32>(gb + o) * load<f32>(yb + o));
        }
        const d = <f32>dot;
        for (let i = 0; i < len; i++) {
          const o = <usize>i * step + kb;
          store<f32>(db + o, load<f32>(yb + o) * (load<f32>(gb + o) - d));
        }
      }
    }
  }
}
