import { ACTIVATIONS } from '../../../src/ops/activation-math.js';
import type { OpCase } from '../case.js';

export const cases: OpCase[] = [
  // Every fused activation once, in training mode so the saved pre-activation drives the gradient.
  ...ACTIVATIONS.map((activation): OpCase => ({ op: 'dense', name: `${activation}, 3x5 -> 4`, inputs: [[3, 5], [5, 4], [4]], attrs: { activation }, mode: 'train' })),
  { op: 'dense', name: 'swish after an inference forward (pre-activation recomputed)', inputs: [[3, 5], [5, 4], [4]], attrs: { activation: 'swish' } },
  { op: 'dense', name: 'no bias, relu', inputs: [[4, 6], [6, 3], null], attrs: { activation: 'relu' } },
  { op: 'dense', name: 'rank 3 input (sequence), hard_swish', inputs: [[2, 3, 5], [5, 4], [4]], attrs: { activation: 'hard_swish' }, mode: 'train' },
  { op: 'dense', name: 'rank 4 input, linear, no bias', inputs: [[2, 2, 3, 4], [4, 5], null] },
  { op: 'dense', name: 'leaky_relu alpha 0.1, one unit', inputs: [[5, 3], [3, 1], [1]], attrs: { activation: 'leaky_relu', alpha: 0.1 } },
  { op: 'dense', name: 'batch 1, K 1', inputs: [[1, 1], [1, 7], [7]], attrs: { activation: 'tanh' } },
];
