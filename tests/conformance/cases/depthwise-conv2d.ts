import type { OpCase } from '../case.js';

/** depthwise_conv2d: x [N,H,W,C], w [kh,kw,C,mult], b [C*mult] or null. */
const c = (name: string, x: number[], w: number[], bias: boolean, attrs: Record<string, unknown> = {}, extra: Partial<OpCase> = {}): OpCase => ({
  op: 'depthwise_conv2d', name, inputs: [x, w, bias ? [w[2]! * w[3]!] : null], attrs, ...extra,
});

export const cases: OpCase[] = [
  c('3x3 valid, 3 channels, multiplier 1', [1, 5, 5, 3], [3, 3, 3, 1], true),
  c('multiplier 2, 5 channels, same', [1, 5, 4, 5], [3, 3, 5, 2], true, { padding: 'same' }),
  c('multiplier 3, 7 channels, stride 2', [1, 6, 7, 7], [3, 3, 7, 3], true, { strides: 2 }),
  c('no bias, odd 7x5 image', [1, 7, 5, 3], [3, 3, 3, 1], false),
  c('1x1 image, 3x3 kernel, same', [2, 1, 1, 3], [3, 3, 3, 2], true, { padding: 'same' }),
  c('1x1 kernel, multiplier 2', [1, 3, 4, 5], [1, 1, 5, 2], true),
  c('2x2 kernel stride 3 (stride > kernel)', [1, 8, 7, 3], [2, 2, 3, 1], true, { strides: 3 }),
  c('padding [2, 0, 1, 3]', [1, 4, 5, 3], [3, 3, 3, 2], true, { padding: [2, 0, 1, 3] }),
  c('dilation 2 valid', [1, 7, 6, 3], [3, 3, 3, 1], true, { dilations: 2 }),
  c('dilation 3 same, multiplier 2', [1, 6, 7, 3], [3, 3, 3, 2], true, { dilations: 3, padding: 'same' }),
  c('same 2x2 stride 1 (extra pad bottom/right)', [1, 4, 5, 3], [2, 2, 3, 1], true, { padding: 'same' }),
  c('same 4x4 stride 2, odd image', [1, 7, 5, 3], [4, 4, 3, 1], true, { padding: 'same', strides: 2 }),
  c('same 3x3 stride 3', [1, 7, 8, 5], [3, 3, 5, 1], true, { padding: 'same', strides: 3 }),
  c('batch 3, 13 channels', [3, 4, 4, 13], [3, 3, 13, 1], true, { padding: 'same' }),
  c('1x3 kernel', [1, 4, 6, 3], [1, 3, 3, 2], true),
  c('3x1 kernel, same', [1, 5, 4, 3], [3, 1, 3, 1], true, { padding: 'same' }),
  c('5x2 kernel, strides [2, 1]', [1, 7, 5, 3], [5, 2, 3, 3], true, { strides: [2, 1] }),

  // Fused activations. Depthwise sums are short (9 terms), so kinks and saturation are both reached.
  c('fused relu6', [1, 5, 5, 3], [3, 3, 3, 2], true, { activation: 'relu6', padding: 'same' }),
  c('fused hard_swish', [1, 5, 5, 3], [3, 3, 3, 1], true, { activation: 'hard_swish', padding: 'same' }),
  c('fused leaky_relu, no bias', [1, 4, 4, 5], [3, 3, 5, 1], false, { activation: 'leaky_relu' }),
  c('fused sigmoid, multiplier 3', [1, 4, 4, 3], [3, 3, 3, 3], true, { activation: 'sigmoid' }),
  c('fused tanh', [1, 4, 4, 3], [2, 2, 3, 2], true, { activation: 'tanh', padding: 'same' }),
  c('train: elu, multiplier 2', [2, 4, 4, 3], [3, 3, 3, 2], true, { activation: 'elu', padding: 'same' }, { mode: 'train' }),
  c('train: relu, stride 2', [1, 5, 5, 5], [3, 3, 5, 1], true, { activation: 'relu', strides: 2 }, { mode: 'train' }),
];
