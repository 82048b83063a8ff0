/**
 * The element-wise activations on f32x4, shared by the activation kernels and every kernel that
 * fuses one (conv2d, dense...). Semantics follow src/ops/activation-math.ts lane by lane, NaN
 * included. The kind codes are the order of ACTIVATIONS there (the host maps names to codes in
 * src/backends/wasm/activation-code.ts). `kind` is meant to be a constant at each inlined call
 * site, so the switch folds away.
 */

import { expm1v, sigmoidv, tanhv } from './vmath';
import { fma, relu4 } from './simd';

export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_RELU6: i32 = 2;
export const ACT_LEAKY_RELU: i32 = 3;
export const ACT_ELU: i32 = 4;
export const ACT_SIGMOID: i32 = 5;
export const ACT_HARD_SIGMOID: i32 = 6;
export const ACT_TANH: i32 = 7;
export const ACT_SWISH: i32 = 8;
export const ACT_HARD_SWISH: i32 = 9;

/** f(x) lane-wise; alpha and beta are the activation's parameters, splatted. */
// @ts-ignore: decorator
@inline export function activate4(kind: i32, x: v128, alpha: v128, beta: v128): v128 {
  const zero = f32x4.splat(0);
  switch (kind) {
    case ACT_RELU: return relu4(x);
    // Clamping at 0 first (pmax) sends NaN to 0, as `x > 0 ? min(x, 6) : 0` does.
    case ACT_RELU6: return f32x4.pmin(f32x4.splat(6), relu4(x));
    case ACT_LEAKY_RELU: return v128.bitselect(x, f32x4.mul(x, alpha), f32x4.gt(x, zero));
    case ACT_ELU: return v128.bitselect(x, f32x4.mul(alpha, expm1v(x)), f32x4.gt(x, zero));
    case ACT_SIGMOID: return sigmoidv(x);
    // min / max (not pmin / pmax) propagate NaN, as Math.min / Math.max do.
    case ACT_HARD_SIGMOID: return f32x4.min(f32x4.splat(1), f32x4.max(zero, fma(alpha, x, beta)));
    case ACT_TANH: return tanhv(x);
    case ACT_SWISH: return f32x4.mul(x, sigmoidv(x));
    case ACT_HARD_SWISH: {
      const r = f32x4.min(f32x4.splat(6), f32x4.max(zero, f32x4.add(x, f32x4.splat(3))));
      // Dividing (not multiplying by 1/6, which is inexact) rounds as the reference does.
      return f32x4.div(f32x4.mul(x, r), f32x4.splat(6));
    }
    default: return x;
  }
}

/**
 * dy * f'(x) lane-wise, given the input x and the output y = f(x). Kinks take the derivative of
 * the left-closed side, as activateGrad does.
 */
// @ts-ignore: decorator
@inline export function activateGrad4(kind: i32, dy: v128, x: v128, y: v128, alpha: v128, beta: v128): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  switch (kind) {
    // Multiplying by 0 or 1 (not masking dy) keeps NaN * 0 = NaN, as the reference computes it.
    case ACT_RELU: return f32x4.mul(dy, v128.and(one, f32x4.gt(x, zero)));
    case ACT_RELU6: return f32x4.mul(dy, v128.and(one, v128.and(f32x4.gt(x, zero), f32x4.lt(x, f32x4.splat(6)))));
    case ACT_LEAKY_RELU: return f32x4.mul(dy, v128.bitselect(one, alpha, f32x4.gt(x, zero)));
    case ACT_ELU: return f32x4.mul(dy, v128.bitselect(one, f32x4.add(y, alpha), f32x4.gt(x, zero)));
    case ACT_SIGMOID: return f32x4.mul(dy, f32x4.mul(y, f32x4.sub(one, y)));
    case ACT_HARD_SIGMOID: {
      const z = fma(alpha, x, beta);
      return f32x4.mul(dy, v128.and(alpha, v128.and(f32x4.gt(z, zero), f32x4.lt(z, one))));
    }
    case ACT_TANH: return f32x4.mul(dy, f32x4.sub(one, f32x4.mul(y, y)));
    case ACT_SWISH: {
      const s = sigmoidv(x);
      return f32x4.mul(dy, fma(f32x4.mul(x, s), f32x4.sub(one, s), s));
    }
    case ACT_HARD_SWISH: {
      const mid = f32x4.div(fma(x, f32x4.splat(2), f32x4.splat(3)), f32x4.splat(6));
      const g = v128.bitselect(zero, v128.bitselect(one, mid, f32x4.gt(x, f32x4.splat(3))), f32x4.lt(x, f32x4.splat(-3)));
      return f32x4.mul(dy, g);
    }
    default: return dy;
  }
}
