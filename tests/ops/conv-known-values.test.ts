import { describe, expect, it } from 'vitest';
import { grad, runOp } from '../../src/core/engine.js';
import type { Mode } from '../../src/core/op.js';
import { Rng } from '../../src/core/random.js';
import { sizeOf, type Shape } from '../../src/core/shape.js';
import { Tensor, hostBackendOf } from '../../src/core/tensor.js';
import { closeReport } from '../util/close.js';

/**
 * Values worked out by hand, independent of the reference kernels: they pin down where 'same'
 * puts its padding, the weight and channel order (HWIO, TensorFlow depthwise order), dilation,
 * groups and the fused activation's gradient.
 */

const ref = hostBackendOf();
const t = (values: number[], shape: Shape): Tensor => Tensor.from(values, shape);
const conv = (op: string, x: Tensor, w: Tensor, b: Tensor | null, attrs: Record<string, unknown> = {}, mode: Mode = 'infer'): Tensor =>
  runOp(op, b ? [x, w, b] : [x, w], attrs, ref, mode).y;
const values = (y: Tensor): number[] => [...y.dataSync()];

// x = 1..9 as a 3x3 single-channel image:
//   1 2 3
//   4 5 6
//   7 8 9
const x3x3 = (): Tensor => t([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);

describe('conv2d, by hand', () => {
  it("'same' with an even kernel pads only the bottom and right", () => {
    // 2x2 kernel of ones, stride 1: total padding 1 per axis, all of it after the image, so each
    // output is the sum of the 2x2 block whose top-left corner is that pixel:
    //   1+2+4+5  2+3+5+6  3+6       12 16  9
    //   4+5+7+8  5+6+8+9  6+9   =   24 28 15
    //   7+8      8+9      9         15 17  9
    const y = conv('conv2d', x3x3(), t([1, 1, 1, 1], [2, 2, 1, 1]), null, { padding: 'same' });
    expect(y.shape).toEqual([1, 3, 3, 1]);
    expect(values(y)).toEqual([12, 16, 9, 24, 28, 15, 15, 17, 9]);
  });

  it("'same' with an odd kernel pads both sides equally", () => {
    // 3x3 kernel with a single 1 in its top-left corner: y[i][j] = x[i-1][j-1] (0 outside).
    const w = t([1, 0, 0, 0, 0, 0, 0, 0, 0], [3, 3, 1, 1]);
    expect(values(conv('conv2d', x3x3(), w, null, { padding: 'same' }))).toEqual([0, 0, 0, 0, 1, 2, 0, 4, 5]);
  });

  it('explicit asymmetric padding and stride 2', () => {
    // Padding [top 1, bottom 0, left 0, right 1] turns x into the 4x4
    //   0 0 0 0
    //   1 2 3 0
    //   4 5 6 0
    //   7 8 9 0
    // and a 1x1 identity kernel with stride 2 samples rows 0, 2 and columns 0, 2: [[0, 0], [4, 6]].
    const y = conv('conv2d', x3x3(), t([1], [1, 1, 1, 1]), null, { padding: [1, 0, 0, 1], strides: 2 });
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect(values(y)).toEqual([0, 0, 4, 6]);
  });

  it('weights are [kh, kw, Cin, Cout]: w[0,0,ci,co] multiplies input channel ci into output co', () => {
    // One pixel with channels [1, 2]; w rows are input channels, columns output channels:
    //   ci=0: 10 20 30
    //   ci=1:  1  2  3
    // y = [1*10 + 2*1, 1*20 + 2*2, 1*30 + 2*3] + b [0.5, 0, -1].
    const y = conv('conv2d', t([1, 2], [1, 1, 1, 2]), t([10, 20, 30, 1, 2, 3], [1, 1, 2, 3]), t([0.5, 0, -1], [3]));
    expect(values(y)).toEqual([12.5, 24, 35]);
  });

  it('kernel rows run down the image and columns across it', () => {
    // w [2, 1]: a vertical kernel (top 1, bottom 10) on x3x3: y[i][j] = x[i][j] + 10 * x[i+1][j].
    expect(values(conv('conv2d', x3x3(), t([1, 10], [2, 1, 1, 1]), null))).toEqual([41, 52, 63, 74, 85, 96]);
  });

  it('dilation spaces the taps apart', () => {
    // A 1x5 image [1..5] and a 1x2 kernel [1, 10] with dilation 3 read columns j and j+3:
    // y = [1 + 10*4, 2 + 10*5] = [41, 52].
    const y = conv('conv2d', t([1, 2, 3, 4, 5], [1, 1, 5, 1]), t([1, 10], [1, 2, 1, 1]), null, { dilations: [1, 3] });
    expect(y.shape).toEqual([1, 1, 2, 1]);
    expect(values(y)).toEqual([41, 52]);
  });

  it('groups split input and output channels into consecutive blocks', () => {
    // x = [1, 2, 3, 4], groups 2: outputs 0-1 read channels 0-1, outputs 2-3 read channels 2-3.
    // w [1, 1, 2, 4], rows are the input channel within the group:
    //   ci=0: 1  2  3  4
    //   ci=1: 10 20 30 40
    // y0 = 1*1 + 2*10 = 21, y1 = 1*2 + 2*20 = 42, y2 = 3*3 + 4*30 = 129, y3 = 3*4 + 4*40 = 172.
    const y = conv('conv2d', t([1, 2, 3, 4], [1, 1, 1, 4]), t([1, 2, 3, 4, 10, 20, 30, 40], [1, 1, 2, 4]), null, { groups: 2 });
    expect(values(y)).toEqual([21, 42, 129, 172]);
  });

  it('fused bias and relu, with the exact gradient in inference and training', () => {
    // x = [1, 2, 3] along the width, w = [1, 2], b = -6: z = [1 + 4 - 6, 2 + 6 - 6] = [-1, 2],
    // y = relu(z) = [0, 2]. With dy = 1 only the second output passes a gradient:
    // dx = [0, w0, w1] = [0, 1, 2], dw = [x1, x2] = [2, 3], db = 1.
    for (const mode of ['infer', 'train'] as const) {
      const x = t([1, 2, 3], [1, 1, 3, 1]), w = t([1, 2], [1, 2, 1, 1]), b = t([-6], [1]);
      const { y, grads } = grad(() => conv('conv2d', x, w, b, { activation: 'relu' }, mode), [x, w, b]);
      expect(values(y)).toEqual([0, 2]);
      expect(grads.map(values)).toEqual([[0, 1, 2], [2, 3], [1]]);
    }
  });

  it('hard_swish gradient uses the pre-activation, not the output', () => {
    // A 1x1 conv, z = x * w. (x, w) = (-2, 2): z = -4, where hard_swish is flat, so both gradients
    // are 0. (0.5, 2): z = 1, slope (2z + 3) / 6 = 5/6, so dx = 5/6 * 2 and dw = 5/6 * 0.5.
    // Reading the slope at y = hard_swish(1) = 2/3 instead would give 0.72.
    for (const [xv, wv, dxv, dwv] of [[-2, 2, 0, 0], [0.5, 2, 10 / 6, 5 / 12]] as const) {
      const x = t([xv], [1, 1, 1, 1]), w = t([wv], [1, 1, 1, 1]);
      const { grads } = grad(() => conv('conv2d', x, w, null, { activation: 'hard_swish' }), [x, w]);
      expect(values(grads[0]!)[0]).toBeCloseTo(dxv, 6);
      expect(values(grads[1]!)[0]).toBeCloseTo(dwv, 6);
    }
  });
});

describe('depthwise_conv2d, by hand', () => {
  it('output channel c*mult + m holds filter m of channel c', () => {
    // One pixel, channels [1, 2], multiplier 2; w[0,0,c,m]:
    //   c=0: 10 20
    //   c=1: 30 40
    // y = [1*10, 1*20, 2*30, 2*40] + b [1, 2, 3, 4] = [11, 22, 63, 84].
    const y = conv('depthwise_conv2d', t([1, 2], [1, 1, 1, 2]), t([10, 20, 30, 40], [1, 1, 2, 2]), t([1, 2, 3, 4], [4]));
    expect(values(y)).toEqual([11, 22, 63, 84]);
  });

  it("channels stay apart; 'same' 3x3 pads one pixel on each side", () => {
    // x is 2x2 with channel 0 = [[1, 2], [3, 4]] and channel 1 = [[5, 6], [7, 8]] (interleaved NHWC).
    // Channel 0's filter is all ones: every 3x3 window covers the whole image, so each output is 10.
    // Channel 1's filter has a single 1 at its center: the identity.
    const x = t([1, 5, 2, 6, 3, 7, 4, 8], [1, 2, 2, 2]);
    const w = new Array<number>(18).fill(0);
    for (let k = 0; k < 9; k++) w[k * 2] = 1; // w[ky,kx,0,0]
    w[4 * 2 + 1] = 1; // w[1,1,1,0]
    const y = conv('depthwise_conv2d', x, t(w, [3, 3, 2, 1]), null, { padding: 'same' });
    expect(values(y)).toEqual([10, 5, 10, 6, 10, 7, 10, 8]);
  });

  it('dilation 2 with stride 2', () => {
    // A 1x7 image [1..7], kernel [1, 1] with dilation 2 reads columns j and j+2; stride 2 keeps
    // j = 0, 2, 4: [1+3, 3+5, 5+7] = [4, 8, 12].
    const y = conv('depthwise_conv2d', t([1, 2, 3, 4, 5, 6, 7], [1, 1, 7, 1]), t([1, 1], [1, 2, 1, 1]), null, { dilations: 2, strides: 2 });
    expect(values(y)).toEqual([4, 8, 12]);
  });
});

describe('bias_add, by hand', () => {
  it('adds along the last axis and sums the gradient over the others', () => {
    const x = t([1, 2, 3, 4, 5, 6], [2, 3]), b = t([10, 20, 30], [3]);
    const { y, grads } = grad(() => runOp('bias_add', [x, b], {}, ref).y, [x, b], t([1, 2, 3, 4, 5, 6], [2, 3]));
    expect(values(y)).toEqual([11, 22, 33, 14, 25, 36]);
    expect(values(grads[0]!)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(values(grads[1]!)).toEqual([5, 7, 9]);
  });
});

/**
 * conv2d straight from its definition, written without the reference kernels' tap tables:
 * y[n,i,j,co] = b[co] + sum_{ky,kx,ci} xpad[n, i*sh + ky*dh, j*sw + kx*dw, g*cg + ci] * w[ky,kx,ci,co]
 * over an explicitly zero-padded copy of x.
 */
function convByDefinition(x: Float32Array, xs: number[], w: Float32Array, ws: number[], pads: number[], strides: number[], dil: number[], groups: number): { y: number[]; shape: number[] } {
  const [n, h, wd, c] = xs as [number, number, number, number];
  const [kh, kw, cg, cout] = ws as [number, number, number, number];
  const [pt, pb, pl, pr] = pads as [number, number, number, number];
  const hp = h + pt + pb, wp = wd + pl + pr;
  const xpad = new Float64Array(n * hp * wp * c);
  for (let b = 0; b < n; b++) for (let i = 0; i < h; i++) for (let j = 0; j < wd; j++) for (let ch = 0; ch < c; ch++) {
    xpad[((b * hp + i + pt) * wp + j + pl) * c + ch] = x[((b * h + i) * wd + j) * c + ch]!;
  }
  const ho = Math.floor((hp - (kh - 1) * dil[0]! - 1) / strides[0]!) + 1;
  const wo = Math.floor((wp - (kw - 1) * dil[1]! - 1) / strides[1]!) + 1;
  const og = cout / groups;
  const y: number[] = [];
  for (let b = 0; b < n; b++) for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) for (let co = 0; co < cout; co++) {
    const g = Math.floor(co / og);
    let s = 0;
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) for (let ci = 0; ci < cg; ci++) {
      const r = i * strides[0]! + ky * dil[0]!, q = j * strides[1]! + kx * dil[1]!;
      s += xpad[((b * hp + r) * wp + q) * c + g * cg + ci]! * w[((ky * kw + kx) * cg + ci) * cout + co]!;
    }
    y.push(s);
  }
  return { y, shape: [n, ho, wo, cout] };
}

describe('conv2d matches its definition over explicit padding', () => {
  const configs: { x: number[]; w: number[]; pads: number[]; strides: number[]; dil: number[]; groups: number }[] = [
    { x: [2, 5, 6, 3], w: [3, 2, 3, 5], pads: [1, 2, 0, 1], strides: [2, 1], dil: [1, 2], groups: 1 },
    { x: [1, 7, 7, 6], w: [2, 3, 2, 9], pads: [0, 3, 2, 0], strides: [3, 2], dil: [2, 1], groups: 3 },
    { x: [1, 4, 5, 5], w: [3, 3, 1, 10], pads: [2, 2, 2, 2], strides: [1, 1], dil: [2, 2], groups: 5 },
  ];
  it.each(configs.map((c) => [JSON.stringify(c), c] as const))('%s', (_id, cfg) => {
    const rng = new Rng(7);
    const xv = Float32Array.from({ length: sizeOf(cfg.x) }, () => rng.normal());
    const wv = Float32Array.from({ length: sizeOf(cfg.w) }, () => rng.normal());
    const want = convByDefinition(xv, cfg.x, wv, cfg.w, cfg.pads, cfg.strides, cfg.dil, cfg.groups);
    const y = conv('conv2d', t([...xv], cfg.x), t([...wv], cfg.w), null, { padding: cfg.pads, strides: cfg.strides, dilations: cfg.dil, groups: cfg.groups });
    expect(y.shape).toEqual(want.shape);
    expect(closeReport(y.dataSync(), want.y, { rtol: 1e-5 })).toBeNull();
  });
});

describe('depthwise_conv2d = conv2d with groups = C', () => {
  // The weight memory is the same: w [kh, kw, C, mult] read as [kh, kw, 1, C*mult] puts filter m of
  // channel c at output c*mult + m, which is group c's m-th output. The two ops have separate
  // kernels, so agreeing forward and backward checks each against the other.
  it.each([
    { x: [2, 5, 4, 3], k: [3, 3], mult: 2, attrs: { padding: 'same', strides: 2 } },
    { x: [1, 6, 7, 5], k: [2, 3], mult: 3, attrs: { padding: [0, 1, 2, 1], dilations: [2, 1], activation: 'swish' } },
  ])('%j', ({ x: xs, k, mult, attrs }) => {
    const c = xs[3]!;
    const rng = new Rng(11);
    const rand = (n: number): number[] => Array.from({ length: n }, () => rng.normal());
    const xv = rand(sizeOf(xs)), wv = rand(k[0]! * k[1]! * c * mult), bv = rand(c * mult);
    const x = t(xv, xs), b = t(bv, [c * mult]);
    const wd = t(wv, [k[0]!, k[1]!, c, mult]), wg = t(wv, [k[0]!, k[1]!, 1, c * mult]);
    const dy = (y: Tensor): Tensor => t(rand(y.size), y.shape);
    const seed = dy(conv('depthwise_conv2d', x, wd, b, attrs));
    const dd = grad(() => conv('depthwise_conv2d', x, wd, b, attrs), [x, wd, b], seed);
    const gg = grad(() => conv('conv2d', x, wg, b, { ...attrs, groups: c }), [x, wg, b], seed);
    expect(closeReport(dd.y.dataSync(), gg.y.dataSync(), { rtol: 1e-5 })).toBeNull();
    dd.grads.forEach((g, i) => expect(closeReport(g.dataSync(), gg.grads[i]!.dataSync(), { rtol: 1e-5 }), `input ${i}`).toBeNull());
  });
});
