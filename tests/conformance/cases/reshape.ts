import type { OpCase } from '../case.js';

export const cases: OpCase[] = [
  { op: 'reshape', name: 'keep batch, infer the rest', inputs: [[2, 3, 4, 5]], attrs: { shape: [2, -1] } },
  { op: 'reshape', name: '0 copies dims 0 and 1', inputs: [[2, 3, 20]], attrs: { shape: [0, 0, 4, 5] } },
  { op: 'reshape', name: 'matrix to NHWC', inputs: [[6, 4]], attrs: { shape: [2, 3, 2, 2] } },
  { op: 'reshape', name: 'to a vector with -1', inputs: [[2, 2, 2, 3]], attrs: { shape: [-1] } },
  { op: 'reshape', name: '-1 in the middle', inputs: [[4, 6]], attrs: { shape: [3, -1, 2] } },
  { op: 'reshape', name: '1x1 image to [N, C] with 0 and -1', inputs: [[3, 1, 1, 7]], attrs: { shape: [0, -1] } },
];
