import type { Kernel } from '../../../core/backend.js';
import type { Tensor } from '../../../core/tensor.js';
import { alloc, arr, wrap, type Arr } from '../storage.js';

/**
 * Batch normalization over the last (channel) axis of x [..., C]. Optional gamma / beta follow the
 * required inputs when `scale` / `center` say they are present (absent: gamma 1, beta 0).
 */
export interface BatchNormKernelAttrs {
  epsilon: number;
  /** gamma is given. */
  scale: boolean;
  /** beta is given. */
  center: boolean;
}

export interface BatchNormGradKernelAttrs {
  epsilon: number;
  scale: boolean;
  /** The statistics are the batch's own, so the gradient flows through them too. */
  training: boolean;
}

function optional(inputs: readonly Tensor[], first: number, scale: boolean, center: boolean): { gamma: Arr | null; beta: Arr | null } {
  const gamma = scale ? arr(inputs[first]!) : null;
  const beta = center ? arr(inputs[first + (scale ? 1 : 0)]!) : null;
  return { gamma, beta };
}

/** y = (x - mean) / sqrt(variance + epsilon) * gamma + beta, per channel. */
function normalize(X: Arr, C: number, mean: ArrayLike<number>, variance: ArrayLike<number>, gamma: Arr | null, beta: Arr | null, epsilon: number): Arr {
  const scale = new Float64Array(C), shift = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    scale[c] = (gamma ? gamma[c]! : 1) / Math.sqrt(variance[c]! + epsilon);
    shift[c] = (beta ? beta[c]! : 0) - mean[c]! * scale[c]!;
  }
  const out = alloc(X, X.length);
  for (let i = 0; i < X.length; i++) {
    const c = i % C;
    out[i] = X[i]! * scale[c]! + shift[c]!;
  }
  return out;
}

/** Per-channel mean and biased variance (two passes, for accuracy) over all axes but the last. */
function moments(X: Arr, C: number): { mean: Float64Array; variance: Float64Array } {
  const count = X.length / C;
  const mean = new Float64Array(C), variance = new Float64Array(C);
  for (let i = 0; i < X.length; i++) mean[i % C]! += X[i]!;
  for (let c = 0; c < C; c++) mean[c]! /= count;
  for (let i = 0; i < X.length; i++) {
    const d = X[i]! - mean[i % C]!;
    variance[i % C]! += d * d;
  }
  for (let c = 0; c < C; c++) variance[c]! /= count;
  return { mean, variance };
}

const channels = (t: Tensor): number => t.shape[t.shape.length - 1]!;

export const normalizationKernels: Record<string, Kernel> = {
  /** Inference: inputs x, mean, variance, gamma?, beta?. */
  batch_norm: (inputs, { epsilon, scale, center }: BatchNormKernelAttrs, be) => {
    const [x, mean, variance] = inputs as [Tensor, Tensor, Tensor];
    const { gamma, beta } = optional(inputs, 3, scale, center);
    return [wrap(be, normalize(arr(x), channels(x), arr(mean), arr(variance), gamma, beta, epsilon), x.shape)];
  },

  /** Training: inputs x, gamma?, beta?; outputs y, the batch mean and the biased batch variance. */
  batch_norm_train: (inputs, { epsilon, scale, center }: BatchNormKernelAttrs, be) => {
    const x = inputs[0]!, X = arr(x), C = channels(x);
    const { gamma, beta } = optional(inputs, 1, scale, center);
    const { mean, variance } = moments(X, C);
    const m = alloc(X, C), v = alloc(X, C);
    m.set(mean);
    v.set(variance);
    return [wrap(be, normalize(X, C, mean, variance, gamma, beta, epsilon), x.shape), wrap(be, m, [C]), wrap(be, v, [C])];
  },

  /**
   * Inputs dy, x, mean, variance, gamma?; outputs dx, dgamma, dbeta. With x^ the normalized input
   * and n the count per channel: dbeta = sum dy, dgamma = sum dy x^, and dx = gamma / sigma * dy
   * for fixed statistics, or gamma / sigma * (dy - dbeta / n - x^ dgamma / n) when they are the
   * batch's own (the mean and variance depend on x).
   */
  batch_norm_grad: (inputs, { epsilon, scale, training }: BatchNormGradKernelAttrs, be) => {
    const [dy, x, mean, variance] = inputs as [Tensor, Tensor, Tensor, Tensor];
    const D = arr(dy), X = arr(x), M = arr(mean), V = arr(variance), C = channels(x);
    const gamma = scale ? arr(inputs[4]!) : null;
    const n = X.length / C;
    const inv = new Float64Array(C);
    for (let c = 0; c < C; c++) inv[c] = 1 / Math.sqrt(V[c]! + epsilon);
    const dg = alloc(X, C), db = alloc(X, C);
    const sg = new Float64Array(C), sb = new Float64Array(C);
    for (let i = 0; i < X.length; i++) {
      const c = i % C;
      sb[c]! += D[i]!;
      sg[c]! += D[i]! * (X[i]! - M[c]!) * inv[c]!;
    }
    dg.set(sg);
    db.set(sb);
    const dx = alloc(X, X.length);
    for (let i = 0; i < X.length; i++) {
      const c = i % C;
      const k = (gamma ? gamma[c]! : 1) * inv[c]!;
      if (!training) {
        dx[i] = k * D[i]!;
      } else {
        const xhat = (X[i]! - M[c]!) * inv[c]!;
        dx[i] = k * (D[i]! - sb[c]! / n - (xhat * sg[c]!) / n);
      }
    }
    return [wrap(be, dx, x.shape), wrap(be, dg, [C]), wrap(be, db, [C])];
  },

  /** Exponential moving average: moving * momentum + value * (1 - momentum). */
  moving_average: ([moving, value], { momentum }: { momentum: number }, be) => {
    const A = arr(moving!), B = arr(value!);
    const out = alloc(A, A.length);
    for (let i = 0; i < A.length; i++) out[i] = A[i]! * momentum + B[i]! * (1 - momentum);
    return [wrap(be, out, moving!.shape)];
  },
};
