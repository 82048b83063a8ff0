import type { OpCase } from '../case.js';

export const cases: OpCase[] = [
  { op: 'softmax', name: 'last axis of 4x10', inputs: [[4, 10]] },
  { op: 'softmax', name: 'axis 1 of 2x5x3', inputs: [[2, 5, 3]], attrs: { axis: 1 } },
  { op: 'softmax', name: 'axis 0 of 6x4', inputs: [[6, 4]], attrs: { axis: 0 } },
  { op: 'softmax', name: 'axis -2 of 2x3x4x5', inputs: [[2, 3, 4, 5]], attrs: { axis: -2 } },
  { op: 'softmax', name: 'a single vector of 7', inputs: [[7]] },
  { op: 'softmax', name: 'axis of length 1 (constant 1, zero gradient)', inputs: [[3, 1]] },
  { op: 'softmax', name: 'wide-ranging logits', inputs: [[3, 40]], gen: 'distinct' },
];
