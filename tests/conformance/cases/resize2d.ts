import type { OpCase } from '../case.js';

const nearest = (attrs: Record<string, unknown>) => ({ mode: 'nearest', ...attrs });
const bilinear = (attrs: Record<string, unknown>) => ({ mode: 'bilinear', ...attrs });

export const cases: OpCase[] = [
  // Nearest.
  { op: 'resize2d', name: 'nearest x2 asymmetric floor (Keras UpSampling2D)', inputs: [[2, 3, 4, 3]], attrs: nearest({ scale: [2, 2], coordinateTransform: 'asymmetric', nearestMode: 'floor' }) },
  { op: 'resize2d', name: 'nearest half_pixel, scale 1.5 x 2.5', inputs: [[1, 4, 3, 2]], attrs: nearest({ scale: [1.5, 2.5] }) },
  { op: 'resize2d', name: 'nearest align_corners round_prefer_ceil, size 7x5', inputs: [[2, 3, 4, 3]], attrs: nearest({ size: [7, 5], coordinateTransform: 'align_corners', nearestMode: 'round_prefer_ceil' }) },
  { op: 'resize2d', name: 'nearest pytorch_half_pixel floor, down to 3x2', inputs: [[1, 7, 5, 2]], attrs: nearest({ size: [3, 2], coordinateTransform: 'pytorch_half_pixel', nearestMode: 'floor' }) },
  { op: 'resize2d', name: 'nearest asymmetric ceil, scale 0.6 x 0.5', inputs: [[1, 5, 6, 3]], attrs: nearest({ scale: [0.6, 0.5], coordinateTransform: 'asymmetric', nearestMode: 'ceil' }) },
  { op: 'resize2d', name: 'nearest round_prefer_ceil x3 on a 1x1 image', inputs: [[2, 1, 1, 5]], attrs: nearest({ scale: [3, 3], nearestMode: 'round_prefer_ceil' }) },
  { op: 'resize2d', name: 'nearest down to 1x1 (default attrs)', inputs: [[1, 4, 5, 2]], attrs: { size: [1, 1] } },
  { op: 'resize2d', name: 'nearest asymmetric round_prefer_floor, scale 2.5 x 1.25', inputs: [[1, 2, 4, 3]], attrs: nearest({ scale: [2.5, 1.25], coordinateTransform: 'asymmetric' }) },
  // Bilinear.
  { op: 'resize2d', name: 'bilinear x2 half_pixel (Keras bilinear)', inputs: [[2, 3, 4, 3]], attrs: bilinear({ scale: [2, 2] }) },
  { op: 'resize2d', name: 'bilinear asymmetric, scale 2 x 3', inputs: [[1, 3, 3, 2]], attrs: bilinear({ scale: [2, 3], coordinateTransform: 'asymmetric' }) },
  { op: 'resize2d', name: 'bilinear align_corners, size 7x9', inputs: [[1, 4, 5, 3]], attrs: bilinear({ size: [7, 9], coordinateTransform: 'align_corners' }) },
  { op: 'resize2d', name: 'bilinear pytorch_half_pixel, size 5x1', inputs: [[1, 4, 4, 2]], attrs: bilinear({ size: [5, 1], coordinateTransform: 'pytorch_half_pixel' }) },
  { op: 'resize2d', name: 'bilinear pytorch_half_pixel, scale 1.7 x 2.3', inputs: [[1, 3, 4, 5]], attrs: bilinear({ scale: [1.7, 2.3], coordinateTransform: 'pytorch_half_pixel' }) },
  { op: 'resize2d', name: 'bilinear half_pixel down, scale 0.6 x 0.75', inputs: [[2, 5, 8, 3]], attrs: bilinear({ scale: [0.6, 0.75] }) },
  { op: 'resize2d', name: 'bilinear align_corners down, scale 0.5 x 0.7', inputs: [[1, 6, 7, 2]], attrs: bilinear({ scale: [0.5, 0.7], coordinateTransform: 'align_corners' }) },
  { op: 'resize2d', name: 'bilinear asymmetric down, size 3x4', inputs: [[1, 7, 9, 1]], attrs: bilinear({ size: [3, 4], coordinateTransform: 'asymmetric' }) },
  { op: 'resize2d', name: 'bilinear half_pixel from a 1x1 image, size 3x4', inputs: [[2, 1, 1, 3]], attrs: bilinear({ size: [3, 4] }) },
  { op: 'resize2d', name: 'bilinear align_corners down to 1x1', inputs: [[1, 3, 4, 2]], attrs: bilinear({ size: [1, 1], coordinateTransform: 'align_corners' }) },
];
