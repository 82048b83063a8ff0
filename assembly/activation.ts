/**
 * Element-wise activations over f32 arrays: y[i] = f(x[i]) for i < n. `x` and `y` may be the same
 * address (in place). Four lanes per step with v128 ops, then a scalar loop for the last n % 4.
 *
 * Semantics match the reference kernels exactly, NaN included: relu(x) = x > 0 ? x : 0, so NaN
 * and -0 map to +0. `f32x4.pmax(0, x)` is defined as `0 < x ? x : 0`, which is that expression
 * lane by lane (unlike `f32x4.max`, which propagates NaN).
 */

const LANE_BYTES: usize = 16;

export function relu(x: usize, y: usize, n: usize): void {
  const zero = f32x4.splat(0);
  const bytes = n << 2;
  const vecEnd = bytes & ~(LANE_BYTES - 1);
  for (let o: usize = 0; o < vecEnd; o += LANE_BYTES) {
    v128.store(y + o, f32x4.pmax(zero, v128.load(x + o)));
  }
  for (let o = vecEnd; o < bytes; o += 4) {
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 ? v : 0);
  }
}

/** relu6(x) = x > 0 ? min(x, 6) : 0; clamping at 0 first sends NaN to 0, as the reference does. */
export function relu6(x: usize, y: usize, n: usize): void {
  const zero = f32x4.splat(0);
  const six = f32x4.splat(6);
  const bytes = n << 2;
  const vecEnd = bytes & ~(LANE_BYTES - 1);
  for (let o: usize = 0; o < vecEnd; o += LANE_BYTES) {
    const r = f32x4.pmax(zero, v128.load(x + o));
    v128.store(y + o, f32x4.pmin(six, r));
  }
  for (let o = vecEnd; o < bytes; o += 4) {
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 ? (v < 6 ? v : 6) : 0);
  }
}

/** leaky_relu(x) = x > 0 ? x : alpha * x (NaN stays NaN). */
export function leaky_relu(x: usize, y: usize, n: usize, alpha: f32): void {
  const zero = f32x4.splat(0);
  const a = f32x4.splat(alpha);
  const bytes = n << 2;
  const vecEnd = bytes & ~(LANE_BYTES - 1);
  for (let o: usize = 0; o < vecEnd; o += LANE_BYTES) {
    const v = v128.load(x + o);
    v128.store(y + o, v128.bitselect(v, f32x4.mul(v, a), f32x4.gt(v, zero)));
  }
  for (let o = vecEnd; o < bytes; o += 4) {
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 ? v : alpha * v);
  }
}
