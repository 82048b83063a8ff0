import type { Kernel } from '../../../core/backend.js';
import type { Tensor } from '../../../core/tensor.js';
import type { GpuRuntime } from '../runtime.js';
import { f32bits } from '../uniforms.js';
import { runtimeOf } from './common.js';
import { expectShape } from './checks.js';
import { dispatchFolds } from './folds.js';

/**
 * Batch normalization over the channel (last) axis (kernels/norm.wgsl). Per-channel statistics
 * and gradient sums fold one channel per workgroup (two passes for the variance); the per-element
 * passes read a small per-channel table. The running-statistics update is moving_average
 * (eltwise family).
 */

/** The batch_norm / batch_norm_train kernels' attributes (src/ops/batch-norm.ts). */
interface BatchNormKernelAttrs {
  epsilon: number;
  /** gamma is among the inputs. */
  scale: boolean;
  /** beta is among the inputs. */
  center: boolean;
}

/** The batch_norm_grad kernel's attributes. */
interface BatchNormGradKernelAttrs {
  epsilon: number;
  scale: boolean;
  /** The statistics are the batch's own, so the gradient flows through them too. */
  training: boolean;
}

interface Flags {
  epsilon: number;
  gamma: boolean;
  beta: boolean;
  training: boolean;
}

/** norm.wgsl's NormParams for x of `size` elements and `c` channels. */
function params(size: number, c: number, f: Flags): number[] {
  return [c === 0 ? 0 : size / c, c, f32bits(f.epsilon), f.gamma ? 1 : 0, f.beta ? 1 : 0, f.training ? 1 : 0, size, 0];
}

const channels = (t: Tensor): number => t.shape[t.shape.length - 1]!;

/** y = (x - mean) * scale + beta, with scale = gamma / sqrt(variance + epsilon) from a per-channel table. */
function normalize(rt: GpuRuntime, x: Tensor, mean: Tensor, variance: Tensor, gamma: Tensor | undefined, beta: Tensor | undefined, epsilon: number): Tensor {
  const c = channels(x);
  const u = params(x.size, c, { epsilon, gamma: !!gamma, beta: !!beta, training: false });
  const tab = rt.tensor([3 * c]);
  rt.dispatch1d('norm', 'norm_scale', {}, [rt.buffer(variance), gamma ? rt.buffer(gamma) : rt.dummy, rt.buffer(tab)], u, c);
  rt.dispatch1d('norm', 'norm_center', {}, [rt.buffer(mean), beta ? rt.buffer(beta) : rt.dummy, rt.buffer(tab)], u, c);
  const y = rt.tensor(x.shape);
  rt.dispatch1d('norm', 'norm_apply', {}, [rt.buffer(x), rt.buffer(tab), rt.buffer(y)], u, x.size);
  tab.dispose();
  return y;
}

/** gamma and beta follow the inputs from `first` on, when the flags say they are there. */
function affine(inputs: readonly Tensor[], first: number, scale: boolean, center: boolean): { gamma?: Tensor; beta?: Tensor } {
  const gamma = scale ? inputs[first] : undefined;
  const beta = center ? inputs[first + (scale ? 1 : 0)] : undefined;
  return { ...(gamma ? { gamma } : {}), ...(beta ? { beta } : {}) };
}

/** Per-channel inputs (those present) must be [C]. */
function expectChannels(kernel: string, inputs: Record<string, Tensor | undefined>, c: number): void {
  for (const [what, t] of Object.entries(inputs)) if (t) expectShape(kernel, what, t.shape, [c]);
}

export const normKernels: Record<string, Kernel> = {
  /** Inference: inputs x, mean, variance, gamma?, beta?. */
  batch_norm: (inputs, { epsilon, scale, center }: BatchNormKernelAttrs, be) => {
    const rt = runtimeOf(be);
    const [x, mean, variance] = inputs as [Tensor, Tensor, Tensor];
    const { gamma, beta } = affine(inputs, 3, scale, center);
    const c = channels(x);
    expectChannels('batch_norm', { mean, variance, gamma, beta }, c);
    return [normalize(rt, x, mean, variance, gamma, beta, epsilon)];
  },

  /** Training: inputs x, gamma?, beta?; outputs y, the batch mean and the biased batch variance. */
  batch_norm_train: (inputs, { epsilon, scale, center }: BatchNormKernelAttrs, be) => {
    const rt = runtimeOf(be);
    const x = inputs[0]!, c = channels(x);
    const { gamma, beta } = affine(inputs, 1, scale, center);
    expectChannels('batch_norm_train', { gamma, beta }, c);
    const mean = rt.tensor([c]), variance = rt.tensor([c]);
    const u = params(x.size, c, { epsilon, gamma: false, beta: false, training: true });
    dispatchFolds(rt, 'norm', 'norm_stats', {}, [rt.buffer(x), rt.buffer(mean), rt.buffer(variance)], u, c, u[0]!);
    return [normalize(rt, x, mean, variance, gamma, beta, epsilon), mean, variance];
  },

  /**
   * Inputs dy, x, mean, variance, gamma?; outputs dx, dgamma = sum dy x^, dbeta = sum dy, and
   * dx through the batch statistics when `training` (as the reference kernel).
   */
  batch_norm_grad: (inputs, { epsilon, scale, training }: BatchNormGradKernelAttrs, be) => {
    const rt = runtimeOf(be);
    const [dy, x, mean, variance] = inputs as [Tensor, Tensor, Tensor, Tensor];
    const gamma = scale ? inputs[4] : undefined;
    const c = channels(x);
    expectShape('batch_norm_grad', 'dy', dy.shape, x.shape);
    expectChannels('batch_norm_grad', { mean, variance, gamma }, c);
    const u = params(x.size, c, { epsilon, gamma: !!gamma, beta: false, training });
    const tab = rt.tensor([4 * c]);
    dispatchFolds(rt, 'norm', 'norm_grad_sums', {}, [rt.buffer(dy), rt.buffer(x), rt.buffer(mean), rt.buffer(tab)], u, c, u[0]!);
    const dgamma = rt.tensor([c]), dbeta = rt.tensor([c]);
    rt.dispatch1d('norm', 'norm_grad_params', {}, [rt.buffer(variance), rt.buffer(tab), rt.buffer(dgamma), rt.buffer(dbeta)], u, c);
    rt.dispatch1d('norm', 'norm_grad_coef', {}, [rt.buffer(variance), gamma ? rt.buffer(gamma) : rt.dummy, rt.buffer(tab)], u, c);
    const dx = rt.tensor(x.shape);
    rt.dispatch1d('norm', 'norm_grad_dx', {}, [rt.buffer(dy), rt.buffer(x), rt.buffer(tab), rt.buffer(dx)], u, x.size);
    tab.dispose();
    return [dx, dgamma, dbeta];
  },
};
