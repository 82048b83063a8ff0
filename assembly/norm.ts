/**
 * Batch normalization over the channel (last) axis of x [..., C], f32 NHWC data.
 *
 * Every pass walks x as one flat array, four lanes at a time, whatever C is: element i has
 * channel i % C, so per-channel values are laid out as a "pattern" of L = lcm(C, 4) floats
 * (pattern[p] = value[p % C]) plus four wrapped ones, and a quad starting at flat index i uses
 * pattern[i % L ..]. That keeps C = 1, 3, 5... fully vectorized with no per-channel tail.
 *
 * Statistics are two-pass (mean, then squared deviations from it) and accumulate in f32 over
 * short runs that are added into f64 per-worker partials, so rtol 1e-4 holds for large N * H * W;
 * the partials are folded per channel by a non-splitting call. Element-wise passes split over
 * quads of the flat array; reductions over periods of L elements (worker w owns the partial at
 * acc + w * stride, zeroed by the caller, so a worker may take several chunks).
 */

import { V128_BYTES, fma } from './simd';

/** Periods summed in f32 before the run is added into the f64 partial. */
const RUN: i32 = 16;

/** Writes pattern[p] = f32(values[p % C]) for p < L + 4, from f64 (`wide`) or f32 values. */
function expand(values: usize, wide: bool, C: i32, L: i32, pattern: usize): void {
  for (let p = 0, c = 0; p < L + 4; p++) {
    const v: f32 = wide ? <f32>load<f64>(values + (<usize>c << 3)) : load<f32>(values + (<usize>c << 2));
    store<f32>(pattern + (<usize>p << 2), v);
    if (++c == C) c = 0;
  }
}

/** Expands per-channel f32 values (a [C] tensor) into a pattern of L + 4 floats. */
export function bn_pattern_f32(values: usize, C: i32, L: i32, pattern: usize): void {
  expand(values, false, C, L, pattern);
}

/** Expands per-channel f64 values into a pattern of L + 4 floats (rounded to f32). */
export function bn_pattern_f64(values: usize, C: i32, L: i32, pattern: usize): void {
  expand(values, true, C, L, pattern);
}

/**
 * Inference statistics as patterns: mean at pat, scale = gamma / sqrt(variance + epsilon) at
 * pat + (L + 4) floats, beta (0 when absent) after that. gamma / beta addresses of 0 mean absent.
 */
export function bn_infer_prepare(mean: usize, variance: usize, gamma: usize, beta: usize, C: i32, L: i32, epsilon: f64, pat: usize): void {
  const P = <usize>(L + 4) << 2;
  for (let p = 0, c = 0; p < L + 4; p++) {
    const o = <usize>c << 2, q = <usize>p << 2;
    const g: f64 = gamma ? <f64>load<f32>(gamma + o) : 1.0;
    store<f32>(pat + q, load<f32>(mean + o));
    store<f32>(pat + P + q, <f32>(g / Math.sqrt(<f64>load<f32>(variance + o) + epsilon)));
    store<f32>(pat + 2 * P + q, beta ? load<f32>(beta + o) : 0);
    if (++c == C) c = 0;
  }
}

/**
 * y = (x - mean) * scale + beta per channel, with the three patterns at pat (as bn_infer_prepare
 * lays them out). x and y may alias. Splits over quads of the flat array (total ceil(n / 4)).
 */
export function bn_affine(x: usize, y: usize, n: i32, L: i32, pat: usize, start: i32, end: i32, worker: i32): void {
  const P = <usize>(L + 4) << 2;
  const pm = pat, ps = pat + P, pb = pat + 2 * P;
  const i0 = start << 2, i1 = (end << 2) < n ? end << 2 : n;
  let p = i0 % L, i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2, q = <usize>p << 2;
    v128.store(y + o, fma(f32x4.sub(v128.load(x + o), v128.load(pm + q)), v128.load(ps + q), v128.load(pb + q)));
    p += 4;
    if (p == L) p = 0;
  }
  for (; i < i1; i++, p++) {
    const o = <usize>i << 2, q = <usize>p << 2;
    store<f32>(y + o, (load<f32>(x + o) - load<f32>(pm + q)) * load<f32>(ps + q) + load<f32>(pb + q));
  }
}

/** Adds the f32 run accumulator into the f64 partial (L floats, L a multiple of 4) and clears it. */
// @ts-ignore: decorator
@inline function flush(run: usize, partial: usize, L: i32): void {
  for (let p = 0; p < L; p += 4) {
    const s = v128.load(run + (<usize>p << 2));
    const d = partial + (<usize>p << 3);
    v128.store(d, f64x2.add(v128.load(d), f64x2.promote_low_f32x4(s)));
    v128.store(d, f64x2.add(v128.load(d, 16), f64x2.promote_low_f32x4(i32x4.shuffle(s, s, 2, 3, 0, 1))), 16);
  }
  memory.fill(run, 0, <usize>L << 2);
}

/**
 * Partial per-position sums of x (mode 0) or of (x - mean)^2 (mode 1, mean as a pattern at pm)
 * over periods [start, end) of L elements (total ceil(n / L)). Worker w's partial at
 * acc + w * stride holds an f32 run [L] then the f64 sums [L].
 */
export function bn_moments_partial(x: usize, n: i32, L: i32, mode: i32, pm: usize, acc: usize, stride: i32, start: i32, end: i32, worker: i32): void {
  const run = acc + <usize>worker * <usize>stride;
  const partial = run + (<usize>L << 2);
  const Lb = <usize>L << 2;
  for (let b = start; b < end; b += RUN) {
    const e = b + RUN < end ? b + RUN : end;
    for (let k = b; k < e; k++) {
      const base = <usize>k * <usize>L;
      const xp = x + (base << 2);
      const cnt = n - <i32>base < L ? n - <i32>base : L;
      if (cnt == L) {
        if (mode == 0) {
          for (let o: usize = 0; o < Lb; o += V128_BYTES) v128.store(run + o, f32x4.add(v128.load(run + o), v128.load(xp + o)));
        } else {
          for (let o: usize = 0; o < Lb; o += V128_BYTES) {
            const d = f32x4.sub(v128.load(xp + o), v128.load(pm + o));
            v128.store(run + o, fma(d, d, v128.load(run + o)));
          }
        }
      } else {
        for (let j = 0; j < cnt; j++) {
          const o = <usize>j << 2;
          let v = load<f32>(xp + o);
          if (mode != 0) {
            v -= load<f32>(pm + o);
            v *= v;
          }
          store<f32>(run + o, load<f32>(run + o) + v);
        }
      }
    }
    flush(run, partial, L);
  }
}

/**
 * Partial sums for the gradient over periods [start, end): sum dy and sum dy * (x - mean).
 * Worker w's partial at acc + w * stride: f32 runs [L] [L], then f64 sums [L] [L].
 */
export function bn_grad_partial(dy: usize, x: usize, n: i32, L: i32, pm: usize, acc: usize, stride: i32, start: i32, end: i32, worker: i32): void {
  const Lb = <usize>L << 2;
  const runB = acc + <usize>worker * <usize>stride, runG = runB + Lb;
  const sumB = runG + Lb, sumG = sumB + (Lb << 1);
  for (let b = start; b < end; b += RUN) {
    const e = b + RUN < end ? b + RUN : end;
    for (let k = b; k < e; k++) {
      const base = <usize>k * <usize>L;
      const gp = dy + (base << 2), xp = x + (base << 2);
      const cnt = n - <i32>base < L ? n - <i32>base : L;
      if (cnt == L) {
        for (let o: usize = 0; o < Lb; o += V128_BYTES) {
          const g = v128.load(gp + o);
          v128.store(runB + o, f32x4.add(v128.load(runB + o), g));
          v128.store(runG + o, fma(g, f32x4.sub(v128.load(xp + o), v128.load(pm + o)), v128.load(runG + o)));
        }
      } else {
        for (let j = 0; j < cnt; j++) {
          const o = <usize>j << 2;
          const g = load<f32>(gp + o);
          store<f32>(runB + o, load<f32>(runB + o) + g);
          store<f32>(runG + o, load<f32>(runG + o) + g * (load<f32>(xp + o) - load<f32>(pm + o)));
        }
      }
    }
    flush(runB, sumB, L);
    flush(runG, sumG, L);
  }
}

/** out[c] = scale * sum over workers and positions p = c (mod C) of the f64 partials at acc + offset. */
function fold(acc: usize, workers: i32, stride: i32, offset: i32, C: i32, L: i32, scale: f64, out: usize): void {
  for (let c = 0; c < C; c++) store<f64>(out + (<usize>c << 3), 0);
  for (let w = 0; w < workers; w++) {
    const part = acc + <usize>w * <usize>stride + <usize>offset;
    for (let p = 0, c = 0; p < L; p++) {
      const o = out + (<usize>c << 3);
      store<f64>(o, load<f64>(o) + load<f64>(part + (<usize>p << 3)));
      if (++c == C) c = 0;
    }
  }
  for (let c = 0; c < C; c++) {
    const o = out + (<usize>c << 3);
    store<f64>(o, load<f64>(o) * scale);
  }
}

/** Folds bn_moments_partial's partials into out [C] f64: the sums times `scale` (1 / count). */
export function bn_moments_fold(acc: usize, workers: i32, stride: i32, C: i32, L: i32, scale: f64, out: usize): void {
  fold(acc, workers, stride, L << 2, C, L, scale, out);
}

/**
 * Training statistics from the folded mean (f64 [C]) and mean squared deviation from f32(mean)
 * (f64 [C]): writes the batch mean and biased variance ([C] f32 outputs) and the bn_affine
 * patterns at pat. Deviations were taken from the mean rounded to f32, so the exact variance is
 * their mean square less the square of that rounding.
 */
export function bn_train_prepare(mean: usize, sq: usize, gamma: usize, beta: usize, C: i32, L: i32, epsilon: f64, meanOut: usize, varOut: usize, pat: usize): void {
  for (let c = 0; c < C; c++) {
    const m = load<f64>(mean + (<usize>c << 3));
    const r = m - <f64><f32>m;
    let v = load<f64>(sq + (<usize>c << 3)) - r * r;
    if (v < 0) v = 0;
    store<f32>(meanOut + (<usize>c << 2), <f32>m);
    store<f32>(varOut + (<usize>c << 2), <f32>v);
    // The f64 variance goes into the scale; the folded sums are reused for it.
    store<f64>(sq + (<usize>c << 3), v);
  }
  const P = <usize>(L + 4) << 2;
  for (let p = 0, c = 0; p < L + 4; p++) {
    const q = <usize>p << 2;
    const g: f64 = gamma ? <f64>load<f32>(gamma + (<usize>c << 2)) : 1.0;
    store<f32>(pat + q, load<f32>(meanOut + (<usize>c << 2)));
    store<f32>(pat + P + q, <f32>(g / Math.sqrt(load<f64>(sq + (<usize>c << 3)) + epsilon)));
    store<f32>(pat + 2 * P + q, beta ? load<f32>(beta + (<usize>c << 2)) : 0);
    if (++c == C) c = 0;
  }
}

/**
 * Finishes batch_norm_grad's reductions: with inv = 1 / sqrt(variance + epsilon), k = gamma * inv,
 * sb = sum dy and sg = inv * sum dy (x - mean): dgamma = sg, dbeta = sb ([C] f32 outputs), and the
 * dx patterns after the mean pattern at pat: A = k, B = -k * inv * sg / n, D = -k * sb / n when
 * `training` (the statistics are the batch's own), else B = D = 0. `sums` is f64 scratch [2C].
 */
export function bn_grad_prepare(
  acc: usize, workers: i32, stride: i32, C: i32, L: i32, count: f64,
  variance: usize, gamma: usize, epsilon: f64, training: i32,
  dgamma: usize, dbeta: usize, sums: usize, pat: usize,
): void {
  const Lb = L << 2;
  const sb = sums, sg = sums + (<usize>C << 3);
  fold(acc, workers, stride, 2 * Lb, C, L, 1.0, sb);
  fold(acc, workers, stride, 4 * Lb, C, L, 1.0, sg);
  const P = <usize>(L + 4) << 2;
  for (let c = 0; c < C; c++) {
    const o = <usize>c << 3;
    const inv = 1.0 / Math.sqrt(<f64>load<f32>(variance + (<usize>c << 2)) + epsilon);
    const g = inv * load<f64>(sg + o);
    store<f64>(sg + o, g);
    store<f32>(dgamma + (<usize>c << 2), <f32>g);
    store<f32>(dbeta + (<usize>c << 2), <f32>load<f64>(sb + o));
  }
  for (let p = 0, c = 0; p < L + 4; p++) {
    const q = <usize>p << 2, o = <usize>c << 3;
    const inv = 1.0 / Math.sqrt(<f64>load<f32>(variance + (<usize>c << 2)) + epsilon);
    const k = (gamma ? <f64>load<f32>(gamma + (<usize>c << 2)) : 1.0) * inv;
    store<f32>(pat + P + q, <f32>k);
    store<f32>(pat + 2 * P + q, training ? <f32>(-k * inv * load<f64>(sg + o) / count) : 0);
    store<f32>(pat + 3 * P + q, training ? <f32>(-k * load<f64>(sb + o) / count) : 0);
    if (++c == C) c = 0;
  }
}

/**
 * dx = A * dy + B * (x - mean) + D per channel (patterns at pat: mean, A, B, D as laid out by
 * bn_grad_prepare); with `training` 0 only dx = A * dy is computed (x is not read).
 * Splits over quads of the flat array (total ceil(n / 4)).
 */
export function bn_grad_dx(dy: usize, x: usize, dx: usize, n: i32, L: i32, training: i32, pat: usize, start: i32, end: i32, worker: i32): void {
  const P = <usize>(L + 4) << 2;
  const pm = pat, pa = pat + P, pb = pat + 2 * P, pd = pat + 3 * P;
  const i0 = start << 2, i1 = (end << 2) < n ? end << 2 : n;
  let p = i0 % L, i = i0;
  if (training) {
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i << 2, q = <usize>p << 2;
      const dev = f32x4.sub(v128.load(x + o), v128.load(pm + q));
      v128.store(dx + o, fma(v128.load(dy + o), v128.load(pa + q), fma(dev, v128.load(pb + q), v128.load(pd + q))));
      p += 4;
      if (p == L) p = 0;
    }
    for (; i < i1; i++, p++) {
      const o = <usize>i << 2, q = <usize>p << 2;
      const dev = load<f32>(x + o) - load<f32>(pm + q);
      store<f32>(dx + o, load<f32>(dy + o) * load<f32>(pa + q) + (dev * load<f32>(pb + q) + load<f32>(pd + q)));
    }
  } else {
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i << 2, q = <usize>p << 2;
      v128.store(dx + o, f32x4.mul(v128.load(dy + o), v128.load(pa + q)));
      p += 4;
      if (p == L) p = 0;
    }
    for (; i < i1; i++, p++) {
      const o = <usize>i << 2, q = <usize>p << 2;
      store<f32>(dx + o, load<f32>(dy + o) * load<f32>(pa + q));
    }
  }
}
