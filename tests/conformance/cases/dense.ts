import { ACTIVATIONS } from '../../../src/ops/activation-math.js';
import type { OpCase } from '../case.js';

/**
 * dense runs one fused kernel (dense) in inference and whenever the activation is linear; training
 * with an activation runs matmul + bias_add, saves the pre-activation and applies the activation
 * apart. The gradient test runs backward after a forward in the case's mode, so 'infer' rows also
 * check the pre-activation recomputed from the unfused kernels.
 */
export const cases: OpCase[] = [
  // Every fused activation once per path: the fused kernel, and training's saved pre-activation.
  ...ACTIVATIONS.map((activation): OpCase => ({ op: 'dense', name: `fused ${activation}, 3x5 -> 4`, inputs: [[3, 5], [5, 4], [4]], attrs: { activation } })),
  ...ACTIVATIONS.map((activation): OpCase => ({ op: 'dense', name: `train ${activation}, 3x5 -> 4`, inputs: [[3, 5], [5, 4], [4]], attrs: { activation }, mode: 'train' })),
  { op: 'dense', name: 'no bias, relu', inputs: [[4, 6], [6, 3], null], attrs: { activation: 'relu' } },
  { op: 'dense', name: 'train, no bias, elu', inputs: [[4, 6], [6, 3], null], attrs: { activation: 'elu' }, mode: 'train' },
  { op: 'dense', name: 'rank 3 input (sequence), hard_swish', inputs: [[2, 3, 5], [5, 4], [4]], attrs: { activation: 'hard_swish' } },
  { op: 'dense', name: 'train, rank 3 input (sequence), hard_swish', inputs: [[2, 3, 5], [5, 4], [4]], attrs: { activation: 'hard_swish' }, mode: 'train' },
  { op: 'dense', name: 'rank 4 input, linear, no bias', inputs: [[2, 2, 3, 4], [4, 5], null] },
  { op: 'dense', name: 'train, linear runs the fused kernel too', inputs: [[2, 3, 4], [4, 5], [5]], mode: 'train' },
  { op: 'dense', name: 'leaky_relu alpha 0.1, one unit', inputs: [[5, 3], [3, 1], [1]], attrs: { activation: 'leaky_relu', alpha: 0.1 } },
  { op: 'dense', name: 'hard_sigmoid alpha 0.25 beta 0.4', inputs: [[3, 6], [6, 5], [5]], attrs: { activation: 'hard_sigmoid', alpha: 0.25, beta: 0.4 } },
  { op: 'dense', name: 'batch 1, K 1', inputs: [[1, 1], [1, 7], [7]], attrs: { activation: 'tanh' } },
  { op: 'dense', name: 'batch 1, 9 units (a full and a partial tile of 8)', inputs: [[1, 13], [13, 9], [9]], attrs: { activation: 'sigmoid' } },
];
