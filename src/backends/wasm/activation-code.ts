import type { Activation } from '../../ops/activation-math.js';

/**
 * The activation codes the wasm kernels take (constants ACT_* in assembly/activation.ts); kernels
 * that fuse an activation (conv2d, dense...) pass the same codes.
 */
export const ACTIVATION_CODE: Readonly<Record<Activation, number>> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  leaky_relu: 3,
  elu: 4,
  sigmoid: 5,
  hard_sigmoid: 6,
  tanh: 7,
  swish: 8,
  hard_swish: 9,
};
