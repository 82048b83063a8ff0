import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.js';
import type { OpCase } from '../conformance/case.js';
import { analyticGrads64, backward, caseInputs, forward, forward64, generate } from '../conformance/harness.js';
import { testBackends } from '../util/backends.js';
import { closeReport } from '../util/close.js';

/**
 * The wasm convolution kernels swept around their tile and lane boundaries, forward and backward,
 * against the float64 reference: channel counts 1..9, 15, 16, 17 (the 4- and 8-lane blocks and
 * their tails), output widths around the 4-pixel tile and the 64-pixel indirection block, and
 * shapes that land on each algorithm: the GEMM for pointwise convolutions, the direct kernel, the im2col-style direct kernel for few
 * channels, Winograd F(4x4, 3x3) (3x3 stride 1 with >= 16 channels, forward and the stride-1
 * input gradient), the transposed kernel (input gradient at stride > 1), and for depthwise the
 * 3x3 kernel, the general one and the gather for the input gradient.
 */

const CHANNELS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17];

const conv = (name: string, x: number[], w: number[], bias: boolean, attrs: Record<string, unknown> = {}): OpCase => ({
  op: 'conv2d', name, inputs: [x, w, bias ? [w[3]!] : null], attrs,
});
const dw = (name: string, x: number[], w: number[], bias: boolean, attrs: Record<string, unknown> = {}): OpCase => ({
  op: 'depthwise_conv2d', name, inputs: [x, w, bias ? [w[2]! * w[3]!] : null], attrs,
});

const convCases: OpCase[] = [
  // Input and output channels through every lane tail (Cout 1..8 and 15..17 hit the 4- and 8-wide tiles).
  ...CHANNELS.map((cin, i) => {
    const cout = CHANNELS[(i + 5) % CHANNELS.length]!;
    return conv(`3x3 same, ${cin} -> ${cout}`, [1, 5, 6, cin], [3, 3, cin, cout], i % 2 === 0, { padding: 'same' });
  }),
  ...CHANNELS.map((c) => conv(`1x1, ${c} -> ${c}, relu`, [2, 3, 3, c], [1, 1, c, c], true, { activation: 'relu' })),
  // Output widths around the 4-pixel tile, and pixel counts around the 64-pixel block of a 1x1.
  ...[1, 2, 3, 4, 5, 7, 8, 9].map((wo) => conv(`width ${wo}, 3x3 valid, 5 -> 9`, [1, 3, wo + 2, 5], [3, 3, 5, 9], true)),
  ...[[8, 8], [1, 63], [1, 65], [9, 8]].map(([h, w]) => conv(`1x1 over ${h}x${w} pixels, 12 -> 10`, [1, h!, w!, 12], [1, 1, 12, 10], true)),
  // Pointwise convolutions on the GEMM: row tails of its 5- and 6-row tiles, column tails of its
  // 8-wide panels, dilation (moot for 1x1); from 64 input channels the filter gradient runs there
  // too, and the last case is big enough to split across workers in every direction.
  conv('1x1 gemm, 23 pixels, 11 -> 13, swish', [1, 1, 23, 11], [1, 1, 11, 13], true, { activation: 'swish' }),
  conv('1x1 gemm, dilation 2, 9 -> 16', [2, 3, 4, 9], [1, 1, 9, 16], false, { dilations: 2 }),
  conv('1x1 gemm, 64 -> 20, batch 2, relu', [2, 5, 7, 64], [1, 1, 64, 20], true, { activation: 'relu' }),
  conv('1x1 gemm, 70 -> 72, 32x32, split', [1, 32, 32, 70], [1, 1, 70, 72], true),
  // Winograd F(4x4, 3x3): whole and partial tiles, every padding, batches, fused activations.
  conv('winograd 8x8 image, 16 -> 16', [1, 8, 8, 16], [3, 3, 16, 16], true, { padding: 'same' }),
  conv('winograd batch 4 of one tile each, 16 -> 24', [4, 4, 4, 16], [3, 3, 16, 24], true, { padding: 'same' }),
  conv('winograd 5x7 image, 17 -> 19', [1, 5, 7, 17], [3, 3, 17, 19], true, { padding: 'same', activation: 'relu6' }),
  conv('winograd 9x12 valid, 16 -> 17', [1, 9, 12, 16], [3, 3, 16, 17], false),
  conv('winograd batch 2, 8x9, 24 -> 16, swish', [2, 8, 9, 24], [3, 3, 24, 16], true, { padding: 'same', activation: 'swish' }),
  conv('winograd padding [2, 0, 0, 2], 16 -> 20, leaky', [1, 7, 6, 16], [3, 3, 16, 20], true, { padding: [2, 0, 0, 2], activation: 'leaky_relu' }),
  conv('winograd padding [0, 1, 2, 0], 18 -> 16, hard_sigmoid', [1, 6, 9, 18], [3, 3, 18, 16], true, { padding: [0, 1, 2, 0], activation: 'hard_sigmoid' }),
  // Few input channels (the first layer of an image network), strided.
  conv('rgb 3 -> 8, stride 2, same', [1, 9, 11, 3], [3, 3, 3, 8], true, { padding: 'same', strides: 2, activation: 'relu6' }),
  conv('1 -> 5, 5x5, padding [2, 1, 0, 2]', [2, 7, 8, 1], [5, 5, 1, 5], true, { padding: [2, 1, 0, 2] }),
  // Input gradients through the transposed kernel: strides, dilation, groups, channel tails.
  ...[5, 9, 17].map((c) => conv(`stride 2 same, ${c} -> ${c + 2}`, [1, 7, 8, c], [3, 3, c, c + 2], true, { padding: 'same', strides: 2 })),
  conv('stride 3, 2x2, 6 -> 4', [1, 8, 10, 6], [2, 2, 6, 4], false, { strides: 3 }),
  conv('strides [2, 1], dilation [1, 2], 7 -> 3', [1, 9, 9, 7], [3, 3, 7, 3], true, { strides: [2, 1], dilations: [1, 2], padding: [1, 2, 2, 1] }),
  conv('stride 2, groups 3, 9 -> 6', [1, 7, 7, 9], [3, 3, 3, 6], true, { strides: 2, groups: 3 }),
  conv('stride 1, groups 4, 16 -> 20, padding wider than the kernel', [1, 5, 5, 16], [3, 3, 4, 20], true, { groups: 4, padding: [3, 0, 2, 4] }),
  conv('groups 17 (depthwise-like), 17 -> 34', [1, 5, 6, 17], [3, 3, 1, 34], false, { groups: 17, padding: 'same' }),
];

const depthwiseCases: OpCase[] = [
  // The 3x3 kernel: every channel tail, widths around its interior columns, strides 1 and 2.
  ...CHANNELS.map((c, i) => dw(`3x3 same, ${c} channels, stride ${1 + (i % 2)}`, [1, 6, 7, c], [3, 3, c, 1], i % 3 !== 0, { padding: 'same', strides: 1 + (i % 2) })),
  ...[1, 2, 3, 4, 5, 6, 9].map((w) => dw(`3x3 width ${w}, 5 channels, relu6`, [1, 4, w, 5], [3, 3, 5, 1], true, { padding: 'same', activation: 'relu6' })),
  dw('3x3 valid, 8 channels, swish', [2, 5, 6, 8], [3, 3, 8, 1], true, { activation: 'swish' }),
  dw('3x3 padding [2, 0, 1, 3] (wider than the kernel), 6 channels', [1, 4, 5, 6], [3, 3, 6, 1], true, { padding: [2, 0, 1, 3] }),
  dw('3x3 stride 3, 9 channels', [1, 8, 10, 9], [3, 3, 9, 1], true, { strides: 3, padding: 'same' }),
  // The general kernel: 5x5, uneven windows, dilation, multipliers.
  ...[1, 4, 7, 16, 17].map((c) => dw(`5x5 same, ${c} channels`, [1, 7, 12, c], [5, 5, c, 1], true, { padding: 'same' })),
  dw('5x5 stride 2, 6 channels, hard_swish', [1, 9, 9, 6], [5, 5, 6, 1], true, { padding: 'same', strides: 2, activation: 'hard_swish' }),
  dw('2x4 kernel, dilation [2, 1], 5 channels', [1, 7, 9, 5], [2, 4, 5, 1], true, { dilations: [2, 1] }),
  dw('3x3 dilation 2 same, 4 channels', [1, 7, 7, 4], [3, 3, 4, 1], false, { dilations: 2, padding: 'same' }),
  ...[[1, 2], [3, 2], [5, 3], [6, 4], [2, 5]].map(([c, m]) => dw(`multiplier ${m}, ${c} channels, stride 2`, [1, 7, 8, c!], [3, 3, c!, m!], true, { padding: 'same', strides: 2 })),
  dw('multiplier 2, 3 channels, stride 1, elu', [2, 5, 5, 3], [3, 3, 3, 2], true, { padding: 'same', activation: 'elu' }),
];

const wasmBackends = testBackends().filter((b) => b.name.startsWith('wasm'));

describe.each(wasmBackends.map((b) => [b.name, b] as const))('%s convolutions', (_name, backend) => {
  const all = [...convCases, ...depthwiseCases];
  it.for(all.map((c) => [`${c.op}: ${c.name}`, c] as const))('%s', async ([, c]) => {
    const values = caseInputs(c, 77);
    const expected = forward64(c, values);
    const actual = await forward(backend, c, values);
    expect(actual.shape).toEqual(expected.shape);
    expect(closeReport(actual.y, expected.y, { rtol: 1e-4 }), 'forward').toBeNull();
    const dy = generate('normal', expected.shape, new Rng(5));
    const want = analyticGrads64(c, values, dy);
    const got = await backward(backend, c, values, dy);
    got.forEach((g, k) => expect(closeReport(g, want[k]!, { rtol: 1e-4 }), `gradient of input ${k}`).toBeNull());
  });
});
