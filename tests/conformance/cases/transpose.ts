import type { OpCase } from '../case.js';

export const cases: OpCase[] = [
  { op: 'transpose', name: 'default reverses the dims', inputs: [[2, 3, 4]] },
  { op: 'transpose', name: 'NHWC -> NCHW', inputs: [[2, 3, 4, 5]], attrs: { perm: [0, 3, 1, 2] } },
  { op: 'transpose', name: 'NCHW -> NHWC', inputs: [[2, 5, 3, 4]], attrs: { perm: [0, 2, 3, 1] } },
  { op: 'transpose', name: 'matrix, default', inputs: [[3, 7]] },
  { op: 'transpose', name: 'swap the first two dims', inputs: [[3, 4, 5]], attrs: { perm: [1, 0, 2] } },
  { op: 'transpose', name: 'identity permutation', inputs: [[2, 3, 4]], attrs: { perm: [0, 1, 2] } },
  { op: 'transpose', name: 'rank 5 with unit dims', inputs: [[2, 1, 3, 1, 2]], attrs: { perm: [4, 2, 0, 3, 1] } },
];
