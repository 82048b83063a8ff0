import { check } from '../core/errors.js';
import { defineOp } from '../core/op.js';
import { shapeToString, sizeOf, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { AttrReader } from './attrs.js';

export interface BatchNormAttrs {
  /** Added to the variance before the square root (Keras default 1e-3). */
  epsilon: number;
  /** Weight of the old running statistics in their update (Keras default 0.99). */
  momentum: number;
}

const PARAMS = ['gamma', 'beta', 'mean', 'variance'] as const;

function checkBatchNorm([x, ...params]: readonly (Shape | undefined)[]): number {
  check(x!.length >= 1, 'E_SHAPE', `batch_norm: x must have rank >= 1 ([..., C], channels last), got a scalar`, { x });
  const c = x![x!.length - 1]!;
  params.forEach((p, i) => {
    if (p) check(p.length === 1 && p[0] === c, 'E_SHAPE', () => `batch_norm: ${PARAMS[i]} must be [${c}] (the channels of x ${shapeToString(x!)}), got ${shapeToString(p)}`, { x, [PARAMS[i]!]: p });
  });
  return c;
}

/** gamma / beta go to the kernels only when present; flags tell the kernels which they got. */
function affine(gamma: Tensor | undefined, beta: Tensor | undefined): { tensors: Tensor[]; scale: boolean; center: boolean } {
  return { tensors: [gamma, beta].filter((t): t is Tensor => !!t), scale: !!gamma, center: !!beta };
}

/**
 * Batch normalization over the channel (last) axis of x [..., C], with Keras semantics.
 *
 * Inference normalizes with the given statistics: y = (x - mean) / sqrt(variance + epsilon) *
 * gamma + beta (gamma 1 and beta 0 when absent). Training normalizes with the batch's own mean and
 * biased variance over every axis but the last, and returns the updated running statistics as
 * state: moving = moving * momentum + batch * (1 - momentum). As in Keras, the moving variance
 * takes the biased batch variance (Keras removes the Bessel correction that TensorFlow's fused
 * kernel applies, so both of its code paths agree); PyTorch uses the unbiased one instead.
 *
 * Gradients: training differentiates through the batch statistics; inference is a per-channel
 * affine map. The statistics inputs get no gradient.
 */
export const batchNorm = defineOp<BatchNormAttrs>({
  name: 'batch_norm',
  inputs: ['x', 'gamma?', 'beta?', 'mean', 'variance'],
  params: ['gamma', 'beta', 'mean', 'variance'],
  kernels: { forward: ['batch_norm', 'batch_norm_train', 'moving_average'], backward: ['batch_norm_grad'] },
  attrs(raw) {
    const r = new AttrReader('batch_norm', raw);
    const epsilon = r.num('epsilon', 1e-3, 0);
    const momentum = r.num('momentum', 0.99, 0, 1);
    r.done();
    return { epsilon, momentum };
  },
  outputShape(inputs) {
    checkBatchNorm(inputs);
    return inputs[0]!;
  },
  paramShapes: (x) => {
    const c = [x[x.length - 1]!];
    return { gamma: c, beta: c, mean: c, variance: c };
  },
  // Inference, with the statistics folded into one scale and shift per channel: a multiply-add per
  // element. Training adds two passes for the statistics (about 4 more operations per element).
  cost(inputs, _attrs, y) {
    const c = checkBatchNorm(inputs);
    const params = inputs.slice(1).filter(Boolean).length;
    return { flops: 2 * sizeOf(y), bytes: 4 * (2 * sizeOf(y) + params * c) };
  },
  forward(k, [x, gamma, beta, mean, variance], { epsilon, momentum }, mode) {
    const { tensors, scale, center } = affine(gamma, beta);
    if (mode === 'infer') return { y: k.run1('batch_norm', [x!, mean!, variance!, ...tensors], { epsilon, scale, center }) };
    check(x!.size > 0, 'E_SHAPE', () => `batch_norm: training needs a non-empty batch to take statistics from, got x ${shapeToString(x!.shape)}`, { x: x!.shape });
    const [y, batchMean, batchVariance] = k.run('batch_norm_train', [x!, ...tensors], { epsilon, scale, center }) as [Tensor, Tensor, Tensor];
    return {
      y,
      saved: [batchMean, batchVariance],
      state: {
        mean: k.run1('moving_average', [mean!, batchMean], { momentum }),
        variance: k.run1('moving_average', [variance!, batchVariance], { momentum }),
      },
    };
  },
  backward(k, { dy, inputs, saved, attrs, mode, needs }) {
    const [x, gamma, beta, mean, variance] = inputs as (Tensor | undefined)[];
    const training = mode === 'train';
    const [m, v] = training ? saved : [mean!, variance!];
    const g = gamma ? [gamma] : [];
    const [dx, dgamma, dbeta] = k.run('batch_norm_grad', [dy, x!, m!, v!, ...g], { epsilon: attrs.epsilon, scale: !!gamma, training }) as [Tensor, Tensor, Tensor];
    return [needs[0] ? dx : null, gamma && needs[1] ? dgamma : null, beta && needs[2] ? dbeta : null, null, null];
  },
});
