import type { OpCase } from '../case.js';

export const cases: OpCase[] = [
  { op: 'flatten', name: 'default axis 1 (Keras Flatten) on NHWC', inputs: [[2, 3, 4, 5]] },
  { op: 'flatten', name: 'axis 0 -> [1, n]', inputs: [[2, 3, 4]], attrs: { axis: 0 } },
  { op: 'flatten', name: 'axis 3 -> [N*H*W, C]', inputs: [[2, 3, 2, 5]], attrs: { axis: 3 } },
  { op: 'flatten', name: 'axis -1', inputs: [[2, 3, 4]], attrs: { axis: -1 } },
  { op: 'flatten', name: 'axis = rank -> [n, 1]', inputs: [[2, 3, 2, 2]], attrs: { axis: 4 } },
  { op: 'flatten', name: '1x1 image', inputs: [[3, 1, 1, 7]] },
];
