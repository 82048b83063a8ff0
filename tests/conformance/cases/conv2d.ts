import type { OpCase } from '../case.js';

/**
 * conv2d: x [N,H,W,Cin], w [kh,kw,Cin/groups,Cout], b [Cout] or null. Shapes stay small so the
 * finite-difference check stays fast; channel counts avoid multiples of 4 and 8 on purpose.
 */
const c = (name: string, x: number[], w: number[], bias: boolean, attrs: Record<string, unknown> = {}, extra: Partial<OpCase> = {}): OpCase => ({
  op: 'conv2d', name, inputs: [x, w, bias ? [w[3]!] : null], attrs, ...extra,
});

export const cases: OpCase[] = [
  // Basic geometry.
  c('3x3 valid, 5x5x3 -> 4', [1, 5, 5, 3], [3, 3, 3, 4], true),
  c('no bias, odd 7x5 image', [1, 7, 5, 3], [3, 3, 3, 5], false),
  c('1x1 image, 1x1 kernel, batch 2', [2, 1, 1, 5], [1, 1, 5, 3], true),
  c('1x1 image, 3x3 kernel, same', [1, 1, 1, 3], [3, 3, 3, 2], true, { padding: 'same' }),
  c('1x1 kernel, 13 -> 7', [1, 3, 4, 13], [1, 1, 13, 7], true),
  c('kernel as large as the image', [1, 3, 4, 2], [3, 4, 2, 3], true),

  // Strides, including strides larger than the kernel.
  c('2x2 kernel stride 3 (stride > kernel)', [1, 8, 7, 2], [2, 2, 2, 3], true, { strides: 3 }),
  c('1x1 kernel stride 3', [1, 7, 7, 5], [1, 1, 5, 3], false, { strides: [3, 3] }),
  c('strides [1, 2]', [1, 5, 6, 3], [3, 3, 3, 2], true, { strides: [1, 2] }),
  c('strides [2, 1], odd image', [1, 7, 5, 3], [2, 3, 3, 2], true, { strides: [2, 1] }),

  // Explicit padding, asymmetric.
  c('padding [1, 2, 0, 3]', [1, 5, 4, 3], [3, 3, 3, 2], true, { padding: [1, 2, 0, 3] }),
  c('padding wider than the kernel [3, 0, 2, 4]', [1, 3, 3, 2], [2, 2, 2, 3], true, { padding: [3, 0, 2, 4] }),
  c('padding [0, 1, 2, 0] stride 2', [1, 6, 5, 3], [3, 3, 3, 2], false, { padding: [0, 1, 2, 0], strides: 2 }),

  // 'same' with odd and even kernels, strides 1, 2 and 3.
  c('same 3x3 stride 1', [1, 5, 6, 3], [3, 3, 3, 5], true, { padding: 'same' }),
  c('same 2x2 stride 1 (extra pad bottom/right)', [1, 4, 5, 3], [2, 2, 3, 2], true, { padding: 'same' }),
  c('same 4x4 stride 2, odd image', [1, 7, 7, 2], [4, 4, 2, 3], true, { padding: 'same', strides: 2 }),
  c('same 3x3 stride 2, even image', [1, 6, 6, 3], [3, 3, 3, 2], true, { padding: 'same', strides: 2 }),
  c('same 3x3 stride 3', [1, 7, 8, 3], [3, 3, 3, 2], true, { padding: 'same', strides: 3 }),
  c('same 5x5 stride 2 on 5x5', [1, 5, 5, 2], [5, 5, 2, 3], true, { padding: 'same', strides: 2 }),
  c('same 2x2 stride 3', [1, 7, 5, 3], [2, 2, 3, 2], true, { padding: 'same', strides: 3 }),
  c('same 1x1 stride 2', [1, 5, 4, 5], [1, 1, 5, 3], true, { padding: 'same', strides: 2 }),

  // Dilation.
  c('dilation 2 valid', [1, 7, 7, 2], [3, 3, 2, 3], true, { dilations: 2 }),
  c('dilation 3 same', [1, 6, 5, 3], [3, 3, 3, 2], true, { dilations: 3, padding: 'same' }),
  c('dilations [2, 1] stride 2', [1, 8, 5, 3], [3, 2, 3, 2], true, { dilations: [2, 1], strides: 2 }),
  c('dilation 2, stride 2, padding [2, 1, 1, 2]', [1, 6, 6, 2], [3, 3, 2, 3], true, { dilations: 2, strides: 2, padding: [2, 1, 1, 2] }),
  c('dilation 2 same, even kernel', [1, 5, 6, 2], [2, 2, 2, 3], true, { dilations: 2, padding: 'same' }),

  // Groups.
  c('groups 2: 4 -> 6', [1, 5, 5, 4], [3, 3, 2, 6], true, { groups: 2 }),
  c('groups 3: 6 -> 9, same', [1, 4, 5, 6], [3, 3, 2, 9], true, { groups: 3, padding: 'same' }),
  c('groups = Cin = Cout = 5 (depthwise-like)', [1, 5, 4, 5], [3, 3, 1, 5], true, { groups: 5, padding: 'same' }),
  c('groups = Cin = 3, 2 outputs each', [1, 5, 5, 3], [3, 3, 1, 6], false, { groups: 3 }),
  c('groups 2, stride 2, dilation 2', [1, 7, 7, 4], [2, 2, 2, 2], true, { groups: 2, strides: 2, dilations: 2 }),

  // Batches and channel counts that are not multiples of 4 or 8.
  c('batch 3, 7 -> 13', [3, 4, 4, 7], [3, 3, 7, 13], true),
  c('batch 2, 13 -> 5, same stride 2', [2, 5, 5, 13], [3, 3, 13, 5], true, { padding: 'same', strides: 2 }),

  // Non-square kernels.
  c('1x3 kernel', [1, 4, 6, 3], [1, 3, 3, 2], true),
  c('3x1 kernel, same', [1, 5, 4, 3], [3, 1, 3, 2], true, { padding: 'same' }),
  c('5x2 kernel, strides [2, 1]', [1, 7, 5, 2], [5, 2, 2, 3], true, { strides: [2, 1] }),

  // Every fused activation. Values come from 27-term sums of N(0,1) products (sd about 5), so the
  // clipped activations see both their flat and their sloped pieces.
  ...(['relu', 'relu6', 'leaky_relu', 'elu', 'sigmoid', 'hard_sigmoid', 'tanh', 'swish', 'hard_swish'] as const).map((activation) =>
    c(`fused ${activation}`, [1, 4, 5, 3], [3, 3, 3, 3], true, { activation, padding: 'same' })),
  c('fused leaky_relu alpha 0.1, no bias', [1, 4, 4, 3], [3, 3, 3, 2], false, { activation: 'leaky_relu', alpha: 0.1 }),
  c('fused hard_sigmoid alpha 1/6 beta 0.5', [1, 4, 4, 3], [3, 3, 3, 2], true, { activation: 'hard_sigmoid', alpha: 1 / 6, beta: 0.5 }),
  c('fused elu alpha 0.5, groups 3', [1, 4, 4, 3], [3, 3, 1, 3], true, { activation: 'elu', alpha: 0.5, groups: 3 }),

  // Training mode runs the activation apart and saves its input.
  c('train: relu6', [2, 4, 4, 3], [3, 3, 3, 5], true, { activation: 'relu6', padding: 'same' }, { mode: 'train' }),
  c('train: swish, groups 2, no bias', [1, 5, 5, 4], [3, 3, 2, 2], false, { activation: 'swish', groups: 2 }, { mode: 'train' }),
  c('train: linear, stride 2', [1, 5, 5, 3], [3, 3, 3, 2], true, { strides: 2 }, { mode: 'train' }),
];
