import type { OpCase } from '../case.js';

export const cases: OpCase[] = [
  { op: 'concat', name: '2 inputs on channels 3 + 5', inputs: [[2, 4, 4, 3], [2, 4, 4, 5]] },
  { op: 'concat', name: '3 inputs on channels 3 + 5 + 3, axis 3', inputs: [[1, 3, 3, 3], [1, 3, 3, 5], [1, 3, 3, 3]], attrs: { axis: 3 } },
  { op: 'concat', name: '4 inputs on channels 1 + 3 + 5 + 2', inputs: [[2, 2, 2, 1], [2, 2, 2, 3], [2, 2, 2, 5], [2, 2, 2, 2]], attrs: { axis: -1 } },
  { op: 'concat', name: 'batch, axis 0', inputs: [[1, 3, 3, 3], [2, 3, 3, 3]], attrs: { axis: 0 } },
  { op: 'concat', name: 'height, axis 1', inputs: [[2, 2, 5, 3], [2, 3, 5, 3]], attrs: { axis: 1 } },
  { op: 'concat', name: 'width of 1, 2 and 3 columns, axis -2', inputs: [[1, 4, 1, 5], [1, 4, 2, 5], [1, 4, 3, 5]], attrs: { axis: -2 } },
  { op: 'concat', name: 'rank 2, axis 1', inputs: [[3, 4], [3, 5]], attrs: { axis: 1 } },
  { op: 'concat', name: '4 vectors, axis 0', inputs: [[3], [1], [4], [2]], attrs: { axis: 0 } },
  { op: 'concat', name: '1x1 images, channels 3 + 5', inputs: [[3, 1, 1, 3], [3, 1, 1, 5]] },
  { op: 'concat', name: 'a single input', inputs: [[2, 3, 5]], attrs: { axis: 1 } },
];
