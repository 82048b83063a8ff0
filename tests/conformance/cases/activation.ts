import { ACTIVATIONS } from '../../../src/ops/activation-math.js';
import type { OpCase } from '../case.js';

export const cases: OpCase[] = [
  ...ACTIVATIONS.map((kind): OpCase => ({ op: 'activation', name: `${kind} on 2x5x3x7`, inputs: [[2, 5, 3, 7]], attrs: { kind }, gen: 'normal' })),
  // Values that reach the saturated and linear pieces of the clipped activations.
  ...(['relu6', 'hard_sigmoid', 'hard_swish', 'elu'] as const).map((kind): OpCase => ({
    op: 'activation', name: `${kind} over a wide range`, inputs: [[64]], attrs: { kind }, gen: 'distinct',
  })),
  { op: 'activation', name: 'leaky_relu alpha 0.01', inputs: [[3, 4]], attrs: { kind: 'leaky_relu', alpha: 0.01 } },
  { op: 'activation', name: 'elu alpha 0.5', inputs: [[3, 4]], attrs: { kind: 'elu', alpha: 0.5 } },
  { op: 'activation', name: 'hard_sigmoid alpha 1/6 beta 0.5', inputs: [[3, 4]], attrs: { kind: 'hard_sigmoid', alpha: 1 / 6, beta: 0.5 } },
];
