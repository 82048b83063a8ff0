import type { OpCase } from '../case.js';

/**
 * Pooling: windowed max / average / mixed and the global pools. Max-based cases draw 'distinct'
 * inputs so no window holds a tie that a finite-difference step could flip. Max pooling in
 * inference computes no argmax (max_pool2d_infer) and its backward recomputes it; 'train' rows
 * run the kernel that saves it.
 */

const max = (name: string, inputs: OpCase['inputs'], attrs: Record<string, unknown>): OpCase => ({ op: 'max_pool2d', name, inputs, attrs, gen: 'distinct' });
const avg = (name: string, inputs: OpCase['inputs'], attrs: Record<string, unknown>): OpCase => ({ op: 'avg_pool2d', name, inputs, attrs });
const train = (c: OpCase): OpCase => ({ ...c, name: `train, ${c.name}`, mode: 'train' });
const mixed = (name: string, inputs: OpCase['inputs'], attrs: Record<string, unknown>): OpCase => ({ op: 'mixed_pool2d', name, inputs, attrs, gen: 'distinct' });

const maxCases: OpCase[] = [
  max('2x2 default stride, 3 channels', [[1, 4, 4, 3]], { poolSize: [2, 2] }),
  max('poolSize as one integer, odd size drops the last row and column', [[1, 5, 7, 1]], { poolSize: 2 }),
  max('1x1 image, 1x1 pool, batch 2', [[2, 1, 1, 5]], { poolSize: 1 }),
  max('1x1 image, 2x2 pool with same padding', [[1, 1, 1, 3]], { poolSize: 2, strides: 1, padding: 'same' }),
  max('3x3 stride 2 on odd 7x5, 7 channels', [[1, 7, 5, 7]], { poolSize: 3, strides: 2 }),
  max('stride 3 > pool 2 skips cells', [[1, 8, 7, 3]], { poolSize: 2, strides: 3 }),
  max('3x3 stride 1 overlapping windows', [[2, 5, 6, 1]], { poolSize: 3, strides: 1 }),
  max('asymmetric explicit padding [1, 0, 2, 1]', [[1, 5, 6, 5]], { poolSize: 3, strides: 2, padding: [1, 0, 2, 1] }),
  max('same padding 3x3 stride 2, 13 channels', [[1, 6, 7, 13]], { poolSize: 3, strides: 2, padding: 'same' }),
  max('same padding 2x2 stride 1 pads bottom/right', [[1, 4, 5, 3]], { poolSize: 2, strides: 1, padding: 'same' }),
  max('dilations [2, 2]', [[1, 6, 6, 3]], { poolSize: 2, strides: 1, dilations: [2, 2] }),
  max('dilations [2, 3] with same padding', [[1, 7, 8, 5]], { poolSize: [2, 2], strides: 2, padding: 'same', dilations: [2, 3] }),
  max('ceil mode without padding keeps partial windows', [[1, 5, 7, 3]], { poolSize: 2, ceilMode: true }),
  max('ceil mode with padding 1', [[1, 6, 6, 1]], { poolSize: 3, strides: 2, padding: [1, 1, 1, 1], ceilMode: true }),
  max('ceil mode drops a window that would start on padding', [[1, 2, 2, 3]], { poolSize: 3, strides: 3, padding: [1, 1, 1, 1], ceilMode: true }),
  max('non-square 3x1 pool stride [2, 1], batch 3', [[3, 7, 4, 5]], { poolSize: [3, 1], strides: [2, 1] }),
  max('non-square 1x3 pool stride [1, 2], ceil mode', [[2, 3, 8, 7]], { poolSize: [1, 3], strides: [1, 2], ceilMode: true }),
  max('window as large as the image', [[2, 3, 4, 3]], { poolSize: [3, 4] }),
  train(max('2x2 default stride, 3 channels', [[1, 4, 4, 3]], { poolSize: [2, 2] })),
  train(max('asymmetric explicit padding [1, 0, 2, 1]', [[1, 5, 6, 5]], { poolSize: 3, strides: 2, padding: [1, 0, 2, 1] })),
  train(max('dilations [2, 3] with same padding', [[1, 7, 8, 5]], { poolSize: [2, 2], strides: 2, padding: 'same', dilations: [2, 3] })),
  train(max('ceil mode with padding 1, batch 2, 17 channels', [[2, 6, 6, 17]], { poolSize: 3, strides: 2, padding: [1, 1, 1, 1], ceilMode: true })),
];

const avgCases: OpCase[] = [
  avg('2x2 default stride, 3 channels', [[1, 4, 4, 3]], { poolSize: [2, 2] }),
  avg('1x1 image, 1x1 pool, batch 2', [[2, 1, 1, 5]], { poolSize: 1 }),
  avg('1x1 image, 3x3 pool, padding 1 counted', [[1, 1, 1, 3]], { poolSize: 3, padding: [1, 1, 1, 1], countIncludePad: true }),
  avg('3x3 stride 2 on odd 7x5, 7 channels', [[1, 7, 5, 7]], { poolSize: 3, strides: 2 }),
  avg('stride 3 > pool 2', [[1, 8, 7, 3]], { poolSize: 2, strides: 3 }),
  avg('3x3 stride 1 overlapping windows, batch 2', [[2, 5, 6, 1]], { poolSize: 3, strides: 1 }),
  avg('asymmetric padding, padding not counted', [[1, 5, 6, 5]], { poolSize: 3, strides: 2, padding: [1, 0, 2, 1] }),
  avg('asymmetric padding, padding counted', [[1, 5, 6, 5]], { poolSize: 3, strides: 2, padding: [1, 0, 2, 1], countIncludePad: true }),
  avg('same padding, padding not counted (Keras)', [[1, 6, 7, 13]], { poolSize: 3, strides: 2, padding: 'same' }),
  avg('same padding, padding counted', [[1, 5, 5, 3]], { poolSize: 3, strides: 2, padding: 'same', countIncludePad: true }),
  avg('dilations [2, 2]', [[1, 6, 6, 3]], { poolSize: 2, strides: 1, dilations: [2, 2] }),
  avg('ceil mode without padding', [[1, 5, 7, 3]], { poolSize: 2, ceilMode: true }),
  avg('ceil mode without padding, countIncludePad: the overhang never counts', [[1, 5, 7, 3]], { poolSize: 2, ceilMode: true, countIncludePad: true }),
  avg('ceil mode with padding, padding not counted', [[1, 6, 6, 1]], { poolSize: 3, strides: 2, padding: [1, 1, 1, 1], ceilMode: true }),
  avg('ceil mode with padding counted, overhang not', [[1, 6, 6, 5]], { poolSize: 3, strides: 2, padding: [1, 1, 1, 1], ceilMode: true, countIncludePad: true }),
  avg('non-square 3x1 pool stride [2, 1], batch 3', [[3, 7, 4, 5]], { poolSize: [3, 1], strides: [2, 1] }),
  avg('non-square 2x3 pool, asymmetric padding counted, 7 channels', [[1, 4, 7, 7]], { poolSize: [2, 3], strides: [1, 2], padding: [0, 1, 2, 0], countIncludePad: true }),
];

const mixedCases: OpCase[] = [
  mixed('default alpha 0.5, 2x2', [[1, 4, 4, 3]], { poolSize: 2 }),
  mixed('alpha 0.3, same padding 3x3 stride 2, 5 channels', [[2, 5, 6, 5]], { poolSize: 3, strides: 2, padding: 'same', alpha: 0.3 }),
  mixed('alpha 0.8, asymmetric padding counted', [[1, 5, 6, 3]], { poolSize: 3, strides: 2, padding: [1, 0, 2, 1], countIncludePad: true, alpha: 0.8 }),
  mixed('alpha 0 is average pooling', [[1, 4, 5, 3]], { poolSize: 2, strides: 1, alpha: 0 }),
  mixed('alpha 1 is max pooling', [[1, 4, 5, 3]], { poolSize: 2, strides: 1, alpha: 1 }),
  mixed('ceil mode with padding, dilations [1, 2]', [[1, 6, 7, 7]], { poolSize: 3, strides: 2, padding: [1, 1, 1, 1], dilations: [1, 2], ceilMode: true, alpha: 0.6 }),
  mixed('non-square 1x3 pool, batch 3', [[3, 3, 7, 1]], { poolSize: [1, 3], strides: [1, 2], alpha: 0.25 }),
  train(mixed('default alpha 0.5, 2x2', [[1, 4, 4, 3]], { poolSize: 2 })),
  train(mixed('alpha 1 is max pooling', [[1, 4, 5, 3]], { poolSize: 2, strides: 1, alpha: 1 })),
  train(mixed('ceil mode with padding, dilations [1, 2]', [[1, 6, 7, 7]], { poolSize: 3, strides: 2, padding: [1, 1, 1, 1], dilations: [1, 2], ceilMode: true, alpha: 0.6 })),
];

const globalCases: OpCase[] = [
  { op: 'global_avg_pool2d', name: '5x7, 3 channels', inputs: [[1, 5, 7, 3]] },
  { op: 'global_avg_pool2d', name: 'keepDims, batch 3, 13 channels', inputs: [[3, 4, 3, 13]], attrs: { keepDims: true } },
  { op: 'global_avg_pool2d', name: '1x1 image, 5 channels', inputs: [[2, 1, 1, 5]] },
  { op: 'global_max_pool2d', name: '5x7, 3 channels', inputs: [[1, 5, 7, 3]], gen: 'distinct' },
  { op: 'global_max_pool2d', name: 'keepDims, batch 3, 13 channels', inputs: [[3, 4, 3, 13]], attrs: { keepDims: true }, gen: 'distinct' },
  { op: 'global_max_pool2d', name: '1x1 image, 7 channels', inputs: [[2, 1, 1, 7]], gen: 'distinct' },
];

export const cases: OpCase[] = [...maxCases, ...avgCases, ...mixedCases, ...globalCases];
