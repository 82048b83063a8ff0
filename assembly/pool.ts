/**
 * Pooling kernels over NHWC f32 images, SIMD over channels: blocks of 16 channels (four v128
 * accumulators per window), then single quads, then a scalar tail for C % 4.
 *
 * Geometry arrives resolved by the op (src/ops/pool-window.ts): output row `oh` pools input rows
 * `oh * sh - padTop + j * dh` for j in [0, kh); likewise for columns. The taps of a window that
 * land inside the input form a contiguous range, computed per output row and column, so padding
 * is never read. Semantics are those of the reference kernels (src/backends/reference/kernels/
 * pool.ts): max pooling seeds each window with its first tap inside the input, a larger value or
 * the first NaN replaces the best (ties keep the first), and argmax is the winner's
 * window-relative index jh * kw + jw stored as f32.
 *
 * Forward kernels split over output rows (n * outH + oh); backward kernels over input rows
 * (n * inH + ih) and gather every window that covers that row, so threads never write the same
 * cell. Global pools split over (image, 16-channel block) pairs.
 */

import { V128_BYTES, fma } from './simd';

/** First tap j >= 0 of a window starting at `start` (step d) whose position is >= lo. */
// @ts-ignore: decorator
@inline function tapFrom(start: i32, d: i32, lo: i32): i32 {
  const s = lo - start;
  return s <= 0 ? 0 : (s + d - 1) / d;
}

/** One past the last tap j < k whose position is < hi (at least `from`). */
// @ts-ignore: decorator
@inline function tapTo(start: i32, k: i32, d: i32, hi: i32, from: i32): i32 {
  const s = hi - 1 - start;
  if (s < 0) return from;
  const t = s / d + 1;
  const to = t < k ? t : k;
  return to > from ? to : from;
}

/**
 * Lanes where v beats the best b: v > b, or v is NaN and b is not (the first NaN wins). That is
 * "not v <= b" (true for v > b and for a NaN v) where b is not NaN: three instructions.
 */
// @ts-ignore: decorator
@inline function beats4(v: v128, b: v128): v128 {
  return v128.andnot(f32x4.eq(b, b), f32x4.le(v, b));
}

/**
 * m ? a : b lane-wise for whole-lane masks (comparison results): one blend instruction in the
 * relaxed builds, where bitselect is three.
 */
// @ts-ignore: decorator
@inline function select4(a: v128, b: v128, m: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i32x4.relaxed_laneselect(a, b, m);
  return v128.bitselect(a, b, m);
}

// @ts-ignore: decorator
@inline function beats(v: f32, b: f32): bool {
  return v > b || (v != v && b == b);
}

/**
 * Max pooling: y and argmax [N, outH, outW, C] from x [N, inH, inW, C].
 * Splits over output rows u = n * outH + oh.
 */
export function max_pool2d(
  x: usize, y: usize, arg: usize,
  inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32,
  start: i32, end: i32, worker: i32,
): void {
  const pix = <usize>C << 2;
  const row = <usize>inW * pix;
  const c16 = C & ~15, c4 = C & ~3;
  for (let u = start; u < end; u++) {
    const n = u / outH, oh = u - n * outH;
    const hs = oh * sh - padTop;
    const jh0 = tapFrom(hs, dh, 0), jh1 = tapTo(hs, kh, dh, inH, jh0);
    const img = x + <usize>n * <usize>inH * row;
    let yo = y + <usize>u * <usize>outW * pix;
    let ao = arg + <usize>u * <usize>outW * pix;
    for (let ow = 0; ow < outW; ow++, yo += pix, ao += pix) {
      const ws = ow * sw - padLeft;
      const jw0 = tapFrom(ws, dw, 0), jw1 = tapTo(ws, kw, dw, inW, jw0);
      // The window's first tap inside the input: every channel's maximum starts there.
      const seed = img + <usize>(hs + jh0 * dh) * row + <usize>(ws + jw0 * dw) * pix;
      const seedTap = f32x4.splat(<f32>(jh0 * kw + jw0));
      let c = 0;
      for (; c < c16; c += 16) {
        const o = <usize>c << 2;
        let b0 = v128.load(seed + o), b1 = v128.load(seed + o, 16), b2 = v128.load(seed + o, 32), b3 = v128.load(seed + o, 48);
        let a0 = seedTap, a1 = seedTap, a2 = seedTap, a3 = seedTap;
        for (let jh = jh0; jh < jh1; jh++) {
          const rp = img + <usize>(hs + jh * dh) * row + o;
          for (let jw = jw0; jw < jw1; jw++) {
            const p = rp + <usize>(ws + jw * dw) * pix;
            const t = f32x4.splat(<f32>(jh * kw + jw));
            const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
            const m0 = beats4(v0, b0), m1 = beats4(v1, b1), m2 = beats4(v2, b2), m3 = beats4(v3, b3);
            b0 = select4(v0, b0, m0); a0 = select4(t, a0, m0);
            b1 = select4(v1, b1, m1); a1 = select4(t, a1, m1);
            b2 = select4(v2, b2, m2); a2 = select4(t, a2, m2);
            b3 = select4(v3, b3, m3); a3 = select4(t, a3, m3);
          }
        }
        v128.store(yo + o, b0); v128.store(yo + o, b1, 16); v128.store(yo + o, b2, 32); v128.store(yo + o, b3, 48);
        v128.store(ao + o, a0); v128.store(ao + o, a1, 16); v128.store(ao + o, a2, 32); v128.store(ao + o, a3, 48);
      }
      for (; c < c4; c += 4) {
        const o = <usize>c << 2;
        let b = v128.load(seed + o);
        let a = seedTap;
        for (let jh = jh0; jh < jh1; jh++) {
          const rp = img + <usize>(hs + jh * dh) * row + o;
          for (let jw = jw0; jw < jw1; jw++) {
            const v = v128.load(rp + <usize>(ws + jw * dw) * pix);
            const m = beats4(v, b);
            b = select4(v, b, m);
            a = select4(f32x4.splat(<f32>(jh * kw + jw)), a, m);
          }
        }
        v128.store(yo + o, b);
        v128.store(ao + o, a);
      }
      for (; c < C; c++) {
        const o = <usize>c << 2;
        let b = load<f32>(seed + o);
        let a = <f32>(jh0 * kw + jw0);
        for (let jh = jh0; jh < jh1; jh++) {
          const rp = img + <usize>(hs + jh * dh) * row + o;
          for (let jw = jw0; jw < jw1; jw++) {
            const v = load<f32>(rp + <usize>(ws + jw * dw) * pix);
            if (beats(v, b)) {
              b = v;
              a = <f32>(jh * kw + jw);
            }
          }
        }
        store<f32>(yo + o, b);
        store<f32>(ao + o, a);
      }
    }
  }
}

/** The canonical quiet NaN in every lane: the result of a window that holds a NaN. */
// @ts-ignore: decorator
@inline function nan4(): v128 {
  return f32x4.splat(NaN);
}

/**
 * Max pooling without the argmax (inference): y [N, outH, outW, C] from x, the values of
 * max_pool2d. Per tap and vector, pmax(b, v) (b < v ? v : b, one instruction) keeps the first of
 * equal values (so -0 and +0 tie as in max_pool2d) and keeps a NaN once it holds one; a NaN that
 * arrives later is remembered in a lane mask and put in at the end, so any NaN in a window still
 * wins. Splits over output rows u = n * outH + oh.
 */
export function max_pool2d_infer(
  x: usize, y: usize,
  inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32,
  start: i32, end: i32, worker: i32,
): void {
  const pix = <usize>C << 2;
  const row = <usize>inW * pix;
  const c16 = C & ~15, c4 = C & ~3;
  const none = i32x4.splat(0);
  for (let u = start; u < end; u++) {
    const n = u / outH, oh = u - n * outH;
    const hs = oh * sh - padTop;
    const jh0 = tapFrom(hs, dh, 0), jh1 = tapTo(hs, kh, dh, inH, jh0);
    const img = x + <usize>n * <usize>inH * row;
    let yo = y + <usize>u * <usize>outW * pix;
    for (let ow = 0; ow < outW; ow++, yo += pix) {
      const ws = ow * sw - padLeft;
      const jw0 = tapFrom(ws, dw, 0), jw1 = tapTo(ws, kw, dw, inW, jw0);
      // The window's first tap inside the input seeds every channel's maximum.
      const seed = img + <usize>(hs + jh0 * dh) * row + <usize>(ws + jw0 * dw) * pix;
      let c = 0;
      for (; c < c16; c += 16) {
        const o = <usize>c << 2;
        let b0 = v128.load(seed + o), b1 = v128.load(seed + o, 16), b2 = v128.load(seed + o, 32), b3 = v128.load(seed + o, 48);
        let n0 = none, n1 = none, n2 = none, n3 = none;
        for (let jh = jh0; jh < jh1; jh++) {
          const rp = img + <usize>(hs + jh * dh) * row + o;
          for (let jw = jw0; jw < jw1; jw++) {
            const p = rp + <usize>(ws + jw * dw) * pix;
            const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
            b0 = f32x4.pmax(b0, v0); n0 = v128.or(n0, f32x4.ne(v0, v0));
            b1 = f32x4.pmax(b1, v1); n1 = v128.or(n1, f32x4.ne(v1, v1));
            b2 = f32x4.pmax(b2, v2); n2 = v128.or(n2, f32x4.ne(v2, v2));
            b3 = f32x4.pmax(b3, v3); n3 = v128.or(n3, f32x4.ne(v3, v3));
          }
        }
        v128.store(yo + o, select4(nan4(), b0, n0));
        v128.store(yo + o, select4(nan4(), b1, n1), 16);
        v128.store(yo + o, select4(nan4(), b2, n2), 32);
        v128.store(yo + o, select4(nan4(), b3, n3), 48);
      }
      for (; c < c4; c += 4) {
        const o = <usize>c << 2;
        let b = v128.load(seed + o);
        let nn = none;
        for (let jh = jh0; jh < jh1; jh++) {
          const rp = img + <usize>(hs + jh * dh) * row + o;
          for (let jw = jw0; jw < jw1; jw++) {
            const v = v128.load(rp + <usize>(ws + jw * dw) * pix);
            b = f32x4.pmax(b, v);
            nn = v128.or(nn, f32x4.ne(v, v));
          }
        }
        v128.store(yo + o, select4(nan4(), b, nn));
      }
      for (; c < C; c++) {
        const o = <usize>c << 2;
        let b = load<f32>(seed + o);
        for (let jh = jh0; jh < jh1; jh++) {
          const rp = img + <usize>(hs + jh * dh) * row + o;
          for (let jw = jw0; jw < jw1; jw++) {
            const v = load<f32>(rp + <usize>(ws + jw * dw) * pix);
            if (beats(v, b)) b = v;
          }
        }
        store<f32>(yo + o, b);
      }
    }
  }
}

/** Zeroes `bytes` bytes at `p`. */
// @ts-ignore: decorator
@inline function zero(p: usize, bytes: usize): void {
  memory.fill(p, 0, bytes);
}

/** dst[c] += src[c] for c < C, SIMD with a scalar tail. */
// @ts-ignore: decorator
@inline function addRow(dst: usize, src: usize, C: i32): void {
  const bytes = <usize>C << 2, vec = bytes & ~(V128_BYTES - 1);
  let o: usize = 0;
  for (; o < vec; o += V128_BYTES) v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  for (; o < bytes; o += 4) store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
}

/**
 * Max pooling gradient: dx [N, inH, inW, C] from dy and argmax [N, outH, outW, C]. Each dy goes
 * to the input cell its window's argmax names. Splits over input rows u = n * inH + ih: the row
 * gathers from every output row whose window covers it, so no two threads write one cell.
 */
export function max_pool2d_grad(
  dy: usize, arg: usize, dx: usize,
  inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32,
  start: i32, end: i32, worker: i32,
): void {
  const pix = <usize>C << 2;
  const xrow = <usize>inW * pix, yrow = <usize>outW * pix;
  const c4 = C & ~3;
  for (let u = start; u < end; u++) {
    const n = u / inH, ih = u - n * inH;
    const dxr = dx + <usize>u * xrow;
    zero(dxr, xrow);
    for (let jh = 0; jh < kh; jh++) {
      // Output row oh reads input row ih with tap jh when oh * sh - padTop + jh * dh == ih.
      const t = ih + padTop - jh * dh;
      if (t < 0) break;
      const oh = t / sh;
      if (oh * sh != t || oh >= outH) continue;
      const yr = <usize>(n * outH + oh) * yrow;
      for (let ow = 0; ow < outW; ow++) {
        const ws = ow * sw - padLeft;
        const jw0 = tapFrom(ws, dw, 0), jw1 = tapTo(ws, kw, dw, inW, jw0);
        const g = dy + yr + <usize>ow * pix, a = arg + yr + <usize>ow * pix;
        for (let jw = jw0; jw < jw1; jw++) {
          const tap = <f32>(jh * kw + jw);
          const tv = f32x4.splat(tap);
          const d = dxr + <usize>(ws + jw * dw) * pix;
          let c = 0;
          for (; c < c4; c += 4) {
            const o = <usize>c << 2;
            const hit = f32x4.eq(v128.load(a + o), tv);
            v128.store(d + o, f32x4.add(v128.load(d + o), v128.and(v128.load(g + o), hit)));
          }
          for (; c < C; c++) {
            const o = <usize>c << 2;
            if (load<f32>(a + o) == tap) store<f32>(d + o, load<f32>(d + o) + load<f32>(g + o));
          }
        }
      }
    }
  }
}

/** Cells an average divides by along one axis: the taps inside [lo, hi). */
// @ts-ignore: decorator
@inline function tapCount(start: i32, k: i32, d: i32, lo: i32, hi: i32): i32 {
  const f = tapFrom(start, d, lo);
  return tapTo(start, k, d, hi, f) - f;
}

/**
 * Average pooling: y [N, outH, outW, C] from x. countIncludePad (0/1) divides by the cells of the
 * padded input [-padTop, inH + padBottom) x [-padLeft, inW + padRight) a window covers, otherwise
 * by its input cells. Splits over output rows u = n * outH + oh.
 */
export function avg_pool2d(
  x: usize, y: usize,
  inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padTop: i32, padBottom: i32, padLeft: i32, padRight: i32, countIncludePad: i32,
  start: i32, end: i32, worker: i32,
): void {
  const pix = <usize>C << 2;
  const row = <usize>inW * pix;
  const c16 = C & ~15, c4 = C & ~3;
  for (let u = start; u < end; u++) {
    const n = u / outH, oh = u - n * outH;
    const hs = oh * sh - padTop;
    const jh0 = tapFrom(hs, dh, 0), jh1 = tapTo(hs, kh, dh, inH, jh0);
    const rows = countIncludePad ? tapCount(hs, kh, dh, -padTop, inH + padBottom) : jh1 - jh0;
    const img = x + <usize>n * <usize>inH * row;
    let yo = y + <usize>u * <usize>outW * pix;
    for (let ow = 0; ow < outW; ow++, yo += pix) {
      const ws = ow * sw - padLeft;
      const jw0 = tapFrom(ws, dw, 0), jw1 = tapTo(ws, kw, dw, inW, jw0);
      const cols = countIncludePad ? tapCount(ws, kw, dw, -padLeft, inW + padRight) : jw1 - jw0;
      const divisor = <f32>(rows * cols);
      const dv = f32x4.splat(divisor);
      let c = 0;
      for (; c < c16; c += 16) {
        const o = <usize>c << 2;
        let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
        for (let jh = jh0; jh < jh1; jh++) {
          const rp = img + <usize>(hs + jh * dh) * row + o;
          for (let jw = jw0; jw < jw1; jw++) {
            const p = rp + <usize>(ws + jw * dw) * pix;
            s0 = f32x4.add(s0, v128.load(p));
            s1 = f32x4.add(s1, v128.load(p, 16));
            s2 = f32x4.add(s2, v128.load(p, 32));
            s3 = f32x4.add(s3, v128.load(p, 48));
          }
        }
        v128.store(yo + o, f32x4.div(s0, dv));
        v128.store(yo + o, f32x4.div(s1, dv), 16);
        v128.store(yo + o, f32x4.div(s2, dv), 32);
        v128.store(yo + o, f32x4.div(s3, dv), 48);
      }
      for (; c < c4; c += 4) {
        const o = <usize>c << 2;
        let s = f32x4.splat(0);
        for (let jh = jh0; jh < jh1; jh++) {
          const rp = img + <usize>(hs + jh * dh) * row + o;
          for (let jw = jw0; jw < jw1; jw++) s = f32x4.add(s, v128.load(rp + <usize>(ws + jw * dw) * pix));
        }
        v128.store(yo + o, f32x4.div(s, dv));
      }
      for (; c < C; c++) {
        const o = <usize>c << 2;
        let s: f32 = 0;
        for (let jh = jh0; jh < jh1; jh++) {
          const rp = img + <usize>(hs + jh * dh) * row + o;
          for (let jw = jw0; jw < jw1; jw++) s += load<f32>(rp + <usize>(ws + jw * dw) * pix);
        }
        store<f32>(yo + o, s / divisor);
      }
    }
  }
}

/**
 * Average pooling gradient: dx [N, inH, inW, C] += dy / count for every window covering a cell.
 * Splits over input rows u = n * inH + ih (each row gathers the windows that cover it).
 */
export function avg_pool2d_grad(
  dy: usize, dx: usize,
  inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padTop: i32, padBottom: i32, padLeft: i32, padRight: i32, countIncludePad: i32,
  start: i32, end: i32, worker: i32,
): void {
  const pix = <usize>C << 2;
  const xrow = <usize>inW * pix, yrow = <usize>outW * pix;
  const c4 = C & ~3;
  for (let u = start; u < end; u++) {
    const n = u / inH, ih = u - n * inH;
    const dxr = dx + <usize>u * xrow;
    zero(dxr, xrow);
    for (let jh = 0; jh < kh; jh++) {
      const t = ih + padTop - jh * dh;
      if (t < 0) break;
      const oh = t / sh;
      if (oh * sh != t || oh >= outH) continue;
      const hs = oh * sh - padTop;
      const rows = countIncludePad ? tapCount(hs, kh, dh, -padTop, inH + padBottom) : tapCount(hs, kh, dh, 0, inH);
      const yr = dy + <usize>(n * outH + oh) * yrow;
      for (let ow = 0; ow < outW; ow++) {
        const ws = ow * sw - padLeft;
        const jw0 = tapFrom(ws, dw, 0), jw1 = tapTo(ws, kw, dw, inW, jw0);
        const cols = countIncludePad ? tapCount(ws, kw, dw, -padLeft, inW + padRight) : jw1 - jw0;
        const inv: f32 = <f32>(1.0 / <f64>(rows * cols));
        const iv = f32x4.splat(inv);
        const g = yr + <usize>ow * pix;
        for (let jw = jw0; jw < jw1; jw++) {
          const d = dxr + <usize>(ws + jw * dw) * pix;
          let c = 0;
          for (; c < c4; c += 4) {
            const o = <usize>c << 2;
            v128.store(d + o, fma(v128.load(g + o), iv, v128.load(d + o)));
          }
          for (; c < C; c++) {
            const o = <usize>c << 2;
            store<f32>(d + o, load<f32>(d + o) + load<f32>(g + o) * inv);
          }
        }
      }
    }
  }
}

/** Pixels summed in f32 before the partial sum is added into f64 (keeps large H x W accurate). */
const RUN: i32 = 64;

/**
 * Global average pooling: y [N, C] = the mean over the H x W cells of x [N, H, W, C]. Splits over
 * units u = n * blocks + b, b a block of 16 channels (blocks = ceil(C / 16)).
 */
export function global_avg_pool2d(x: usize, y: usize, cells: i32, C: i32, start: i32, end: i32, worker: i32): void {
  const pix = <usize>C << 2;
  const blocks = (C + 15) >> 4;
  const inv: f64 = 1.0 / <f64>cells;
  for (let u = start; u < end; u++) {
    const n = u / blocks, c0 = (u - n * blocks) << 4;
    const c1 = c0 + 16 < C ? c0 + 16 : C;
    const img = x + <usize>n * <usize>cells * pix;
    const yo = y + <usize>n * pix;
    let c = c0;
    for (; c + 4 <= c1; c += 4) {
      const o = <usize>c << 2;
      let lo = f64x2.splat(0), hi = lo;
      for (let p0 = 0; p0 < cells; p0 += RUN) {
        const p1 = p0 + RUN < cells ? p0 + RUN : cells;
        let s = f32x4.splat(0);
        for (let p = p0; p < p1; p++) s = f32x4.add(s, v128.load(img + <usize>p * pix + o));
        lo = f64x2.add(lo, f64x2.promote_low_f32x4(s));
        hi = f64x2.add(hi, f64x2.promote_low_f32x4(i32x4.shuffle(s, s, 2, 3, 0, 1)));
      }
      const ivd = f64x2.splat(inv);
      const r = i32x4.shuffle(f32x4.demote_f64x2_zero(f64x2.mul(lo, ivd)), f32x4.demote_f64x2_zero(f64x2.mul(hi, ivd)), 0, 1, 4, 5);
      v128.store(yo + o, r);
    }
    for (; c < c1; c++) {
      const o = <usize>c << 2;
      let acc: f64 = 0;
      for (let p0 = 0; p0 < cells; p0 += RUN) {
        const p1 = p0 + RUN < cells ? p0 + RUN : cells;
        let s: f32 = 0;
        for (let p = p0; p < p1; p++) s += load<f32>(img + <usize>p * pix + o);
        acc += s;
      }
      store<f32>(yo + o, <f32>(acc * inv));
    }
  }
}

/** Gradient of the global average: dx[n, p, c] = dy[n, c] / cells. Splits over pixels n * cells + p. */
export function global_avg_pool2d_grad(dy: usize, dx: usize, cells: i32, C: i32, start: i32, end: i32, worker: i32): void {
  const pix = <usize>C << 2;
  const inv: f32 = <f32>(1.0 / <f64>cells);
  const iv = f32x4.splat(inv);
  const vec = pix & ~(V128_BYTES - 1);
  for (let u = start; u < end; u++) {
    const n = u / cells;
    const g = dy + <usize>n * pix, d = dx + <usize>u * pix;
    let o: usize = 0;
    for (; o < vec; o += V128_BYTES) v128.store(d + o, f32x4.mul(v128.load(g + o), iv));
    for (; o < pix; o += 4) store<f32>(d + o, load<f32>(g + o) * inv);
  }
}

/**
 * Global max pooling: y and argmax [N, C]; argmax = h * W + w of the first maximum (a NaN wins).
 * Splits over units u = n * blocks + b as the global average does.
 */
export function global_max_pool2d(x: usize, y: usize, arg: usize, cells: i32, C: i32, start: i32, end: i32, worker: i32): void {
  const pix = <usize>C << 2;
  const blocks = (C + 15) >> 4;
  for (let u = start; u < end; u++) {
    const n = u / blocks, c0 = (u - n * blocks) << 4;
    const c1 = c0 + 16 < C ? c0 + 16 : C;
    const img = x + <usize>n * <usize>cells * pix;
    const yo = y + <usize>n * pix, ao = arg + <usize>n * pix;
    let c = c0;
    if (c1 - c0 == 16) {
      const o = <usize>c << 2;
      let b0 = v128.load(img + o), b1 = v128.load(img + o, 16), b2 = v128.load(img + o, 32), b3 = v128.load(img + o, 48);
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (let p = 1; p < cells; p++) {
        const q = img + <usize>p * pix + o;
        const t = f32x4.splat(<f32>p);
        const v0 = v128.load(q), v1 = v128.load(q, 16), v2 = v128.load(q, 32), v3 = v128.load(q, 48);
        const m0 = beats4(v0, b0), m1 = beats4(v1, b1), m2 = beats4(v2, b2), m3 = beats4(v3, b3);
        b0 = select4(v0, b0, m0); a0 = select4(t, a0, m0);
        b1 = select4(v1, b1, m1); a1 = select4(t, a1, m1);
        b2 = select4(v2, b2, m2); a2 = select4(t, a2, m2);
        b3 = select4(v3, b3, m3); a3 = select4(t, a3, m3);
      }
      v128.store(yo + o, b0); v128.store(yo + o, b1, 16); v128.store(yo + o, b2, 32); v128.store(yo + o, b3, 48);
      v128.store(ao + o, a0); v128.store(ao + o, a1, 16); v128.store(ao + o, a2, 32); v128.store(ao + o, a3, 48);
      continue;
    }
    for (; c + 4 <= c1; c += 4) {
      const o = <usize>c << 2;
      let b = v128.load(img + o);
      let a = f32x4.splat(0);
      for (let p = 1; p < cells; p++) {
        const v = v128.load(img + <usize>p * pix + o);
        const m = beats4(v, b);
        b = select4(v, b, m);
        a = select4(f32x4.splat(<f32>p), a, m);
      }
      v128.store(yo + o, b);
      v128.store(ao + o, a);
    }
    for (; c < c1; c++) {
      const o = <usize>c << 2;
      let b = load<f32>(img + o);
      let a: f32 = 0;
      for (let p = 1; p < cells; p++) {
        const v = load<f32>(img + <usize>p * pix + o);
        if (beats(v, b)) {
          b = v;
          a = <f32>p;
        }
      }
      store<f32>(yo + o, b);
      store<f32>(ao + o, a);
    }
  }
}

/**
 * Gradient of the global maximum: dx [N, H, W, C] is zero except dx[n, argmax[n, c], c] = dy[n, c].
 * Splits over images n (each image's dx is zeroed and written by one call).
 */
export function global_max_pool2d_grad(dy: usize, arg: usize, dx: usize, cells: i32, C: i32, start: i32, end: i32, worker: i32): void {
  const pix = <usize>C << 2;
  for (let n = start; n < end; n++) {
    const d = dx + <usize>n * <usize>cells * pix;
    zero(d, <usize>cells * pix);
    const g = dy + <usize>n * pix, a = arg + <usize>n * pix;
    for (let c = 0; c < C; c++) {
      const o = <usize>c << 2;
      const p = <usize>(<i32>load<f32>(a + o));
      store<f32>(d + p * pix + o, load<f32>(g + o));
    }
  }
}
