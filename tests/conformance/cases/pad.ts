import type { OpCase } from '../case.js';

/** pads are [begin_0..begin_{r-1}, end_0..end_{r-1}]; for NHWC: [0, top, left, 0, 0, bottom, right, 0]. */
export const cases: OpCase[] = [
  { op: 'pad', name: 'constant, asymmetric spatial', inputs: [[2, 3, 4, 3]], attrs: { pads: [0, 1, 2, 0, 0, 2, 1, 0] } },
  { op: 'pad', name: 'constant 1.5, rank 2', inputs: [[3, 4]], attrs: { pads: [2, 0, 1, 3], value: 1.5 } },
  { op: 'pad', name: 'constant on channels (3 -> 8)', inputs: [[2, 2, 2, 3]], attrs: { pads: [0, 0, 0, 2, 0, 0, 0, 3] } },
  { op: 'pad', name: 'constant, 1x1 image', inputs: [[2, 1, 1, 3]], attrs: { pads: [0, 1, 1, 0, 0, 1, 1, 0] } },
  { op: 'pad', name: 'reflect, asymmetric spatial', inputs: [[1, 4, 5, 3]], attrs: { pads: [0, 2, 1, 0, 0, 1, 2, 0], mode: 'reflect' } },
  { op: 'pad', name: 'reflect, rank 2', inputs: [[3, 4]], attrs: { pads: [1, 2, 2, 1], mode: 'reflect' } },
  { op: 'pad', name: 'reflect on every axis', inputs: [[2, 3, 3, 2]], attrs: { pads: [1, 1, 1, 1, 1, 1, 1, 1], mode: 'reflect' } },
  { op: 'pad', name: 'edge, asymmetric spatial', inputs: [[2, 3, 3, 2]], attrs: { pads: [0, 3, 1, 0, 0, 1, 3, 0], mode: 'edge' } },
  { op: 'pad', name: 'edge, rank 2', inputs: [[2, 3]], attrs: { pads: [2, 1, 0, 2], mode: 'edge' } },
  { op: 'pad', name: 'edge, 1x1 image', inputs: [[1, 1, 1, 4]], attrs: { pads: [0, 2, 1, 0, 0, 1, 2, 0], mode: 'edge' } },
  { op: 'pad', name: 'constant with cropping (negative pads)', inputs: [[1, 4, 5, 2]], attrs: { pads: [0, -1, 1, 0, 0, 1, -2, 0] } },
  { op: 'pad', name: 'reflect with cropping', inputs: [[1, 5, 5, 2]], attrs: { pads: [0, -1, 2, 0, 0, 1, -1, 0], mode: 'reflect' } },
  { op: 'pad', name: 'edge with cropping, rank 2', inputs: [[4, 5]], attrs: { pads: [-1, 2, 1, -2], mode: 'edge' } },
];
