import type { OpCase } from '../case.js';

export const cases: OpCase[] = [
  { op: 'bias_add', name: 'NHWC image, 5 channels', inputs: [[2, 3, 4, 5], [5]] },
  { op: 'bias_add', name: 'vector', inputs: [[7], [7]] },
  { op: 'bias_add', name: 'batch of rows, 13 features', inputs: [[3, 13], [13]] },
  { op: 'bias_add', name: '1x1 image, 3 channels', inputs: [[1, 1, 1, 3], [3]] },
  { op: 'bias_add', name: 'rank 5, 7 channels', inputs: [[2, 3, 2, 2, 7], [7]] },
  { op: 'bias_add', name: 'one channel', inputs: [[4, 3, 1], [1]] },
];
