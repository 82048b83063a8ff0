import { describe, expect, it } from 'vitest';
import { runOp } from '../../src/core/engine.js';
import { Tensor, hostBackendOf } from '../../src/core/tensor.js';
import {
  Activation, Add, BatchNormalization, Concatenate, Conv2D, Dense, DepthwiseConv2D, Dropout, Flatten, GlobalAveragePooling2D, GlobalMaxPooling2D, Input,
  LeakyReLU, MaxPooling2D, MixedPooling2D, Model, Multiply, ReLU, Reshape, SeparableConv2D, Sequential, Softmax, UpSampling2D, ZeroPadding2D,
  type Layer,
} from '../../src/model/index.js';
import { closeReport } from '../util/close.js';
import { randn, randomizeWeights } from './helpers.js';

const host = hostBackendOf();
const op = (name: string, inputs: (Tensor | undefined)[], attrs: Record<string, unknown> = {}): Tensor => runOp(name, inputs, attrs, host).y;
const w = (layer: Layer, name: string): Tensor => layer.getWeight(name).value;

function expectClose(actual: Tensor, expected: Tensor, rtol = 1e-6): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(closeReport(actual.dataSync(), expected.dataSync(), { rtol })).toBeNull();
}

/** A one-layer model around `layer` on inputs of `shape` (batch included), with random weights. */
function single(layer: Layer, shape: number[]): Model {
  const input = Input({ shape: shape.slice(1) });
  const m = new Model({ inputs: input, outputs: layer.apply(input) });
  randomizeWeights(m);
  return m;
}

describe('functional DAG = ops composed by hand', () => {
  it('inception-style split/merge, residual Add, DenseNet-style concatenation', () => {
    const input = Input({ shape: [6, 6, 3], name: 'img' });
    const stem = new Conv2D({ filters: 4, kernel_size: 3, padding: 'same', activation: 'relu' });
    const b1 = new Conv2D({ filters: 4, kernel_size: 1 });
    const b2 = new DepthwiseConv2D({ kernel_size: 3, padding: 'same', depth_multiplier: 2 });
    const b3 = new MaxPooling2D({ pool_size: 3, strides: 1, padding: 'same' });
    const cat = new Concatenate();
    const bn = new BatchNormalization();
    const add = new Add();
    const dense = new Concatenate({ axis: 3 });
    const gap = new GlobalAveragePooling2D();
    const head = new Dense({ units: 5, activation: 'softmax' });

    const a = stem.apply(input);
    const c = cat.apply([b1.apply(a), b2.apply(a), b3.apply(a)]);
    const r = add.apply([c, bn.apply(c)]);
    const model = new Model({ inputs: input, outputs: head.apply(gap.apply(dense.apply([r, input]))) });
    expect(model.outputShapes).toEqual([[null, 5]]);
    expect(c.shape).toEqual([null, 6, 6, 16]);
    randomizeWeights(model);

    const x = Tensor.from(randn(2 * 6 * 6 * 3, 1), [2, 6, 6, 3]);
    const ha = op('conv2d', [x, w(stem, 'kernel'), w(stem, 'bias')], { padding: 'same', activation: 'relu' });
    const hc = op('concat', [
      op('conv2d', [ha, w(b1, 'kernel'), w(b1, 'bias')]),
      op('depthwise_conv2d', [ha, w(b2, 'depthwise_kernel'), w(b2, 'bias')], { padding: 'same' }),
      op('max_pool2d', [ha], { poolSize: [3, 3], strides: [1, 1], padding: 'same' }),
    ], { axis: -1 });
    const hbn = op('batch_norm', [hc, w(bn, 'gamma'), w(bn, 'beta'), w(bn, 'moving_mean'), w(bn, 'moving_variance')], { epsilon: 1e-3 });
    const hd = op('concat', [op('add', [hc, hbn]), x], { axis: 3 });
    const expected = op('softmax', [op('dense', [op('global_avg_pool2d', [hd]), w(head, 'kernel'), w(head, 'bias')])]);

    expectClose(model.predict(x), expected);
    expectClose(model.forward(x), expected);
    expectClose(model.forward({ img: x }), expected);
    const probs = model.predict(x).dataSync();
    expect(probs[0]! + probs[1]! + probs[2]! + probs[3]! + probs[4]!).toBeCloseTo(1, 5);
  });

  it('two inputs and two outputs, Multiply with broadcasting', () => {
    const a = Input({ shape: [4, 4, 2] });
    const b = Input({ shape: [1, 1, 2] });
    const mul = new Multiply();
    const m = mul.apply([a, b]);
    const pool = new GlobalMaxPooling2D({ keepdims: true });
    const model = new Model({ inputs: [a, b], outputs: [m, pool.apply(m)] });
    expect(model.outputShapes).toEqual([[null, 4, 4, 2], [null, 1, 1, 2]]);
    const xa = Tensor.from(randn(3 * 32, 2), [3, 4, 4, 2]);
    const xb = Tensor.from(randn(3 * 2, 3), [3, 1, 1, 2]);
    const [y1, y2] = model.predictAll([xa, xb]);
    const e1 = op('mul', [xa, xb]);
    expectClose(y1!, e1);
    expectClose(y2!, op('global_max_pool2d', [e1], { keepDims: true }));
  });

  it('predict in batches equals one batch; forward equals predict', () => {
    const model = new Sequential({
      layers: [
        new Conv2D({ filters: 3, kernel_size: 3, strides: 2, activation: 'relu6', input_shape: [7, 7, 2] }),
        new BatchNormalization(),
        new Flatten(),
        new Dropout({ rate: 0.3 }),
        new Dense({ units: 4, activation: 'sigmoid' }),
      ],
    });
    randomizeWeights(model);
    const x = Tensor.from(randn(5 * 7 * 7 * 2, 4), [5, 7, 7, 2]);
    const full = model.predict(x);
    expectClose(model.predict(x, { batchSize: 2 }), full, 1e-7);
    expectClose(model.forward(x), full, 1e-7);
  });

  it('a layer applied to a Tensor runs eagerly, like the same layer in a model', () => {
    const layer = new Conv2D({ filters: 2, kernel_size: 2, dilation_rate: 2, activation: 'elu' });
    const model = single(layer, [1, 5, 5, 3]);
    const x = Tensor.from(randn(75, 5), [1, 5, 5, 3]);
    expectClose(layer.apply(x), model.predict(x));
  });

  it('fully convolutional: unknown height and width accept any image size', () => {
    const input = Input({ shape: [null, null, 3] });
    const conv = new Conv2D({ filters: 4, kernel_size: 3, padding: 'same', activation: 'relu' });
    const head = new Dense({ units: 2 });
    const model = new Model({ inputs: input, outputs: head.apply(new GlobalAveragePooling2D().apply(conv.apply(input))) });
    expect(conv.outputShape).toEqual([null, null, null, 4]);
    for (const [h, wd] of [[5, 7], [8, 3]] as const) {
      const x = Tensor.from(randn(h * wd * 3, h), [1, h, wd, 3]);
      const e = op('dense', [op('global_avg_pool2d', [op('conv2d', [x, w(conv, 'kernel'), w(conv, 'bias')], { padding: 'same', activation: 'relu' })]), w(head, 'kernel'), w(head, 'bias')]);
      expectClose(model.predict(x), e);
    }
  });
});

describe('layers = their ops', () => {
  const x = Tensor.from(randn(2 * 5 * 4 * 3, 11), [2, 5, 4, 3]);

  it('SeparableConv2D: depthwise (strides, dilation) then 1x1 pointwise with bias and activation', () => {
    const layer = new SeparableConv2D({ filters: 5, kernel_size: 3, depth_multiplier: 2, padding: 'same', strides: 2, activation: 'tanh' });
    const m = single(layer, [2, 5, 4, 3]);
    expect(layer.weights.map((v) => [v.weightName, v.shape])).toEqual([['depthwise_kernel', [3, 3, 3, 2]], ['pointwise_kernel', [1, 1, 6, 5]], ['bias', [5]]]);
    const z = op('depthwise_conv2d', [x, w(layer, 'depthwise_kernel')], { padding: 'same', strides: [2, 2] });
    expectClose(m.predict(x), op('conv2d', [z, w(layer, 'pointwise_kernel'), w(layer, 'bias')], { activation: 'tanh' }));
  });

  it('Conv2D with groups', () => {
    const layer = new Conv2D({ filters: 4, kernel_size: [2, 3], use_bias: false });
    const m = single(layer, [2, 5, 4, 3]);
    expectClose(m.predict(x), op('conv2d', [x, w(layer, 'kernel')]));
    const grouped = new Conv2D({ filters: 6, kernel_size: 1, groups: 3 });
    const mg = single(grouped, [2, 5, 4, 3]);
    expect(grouped.getWeight('kernel').shape).toEqual([1, 1, 1, 6]);
    expectClose(mg.predict(x), op('conv2d', [x, w(grouped, 'kernel'), w(grouped, 'bias')], { groups: 3 }));
  });

  it('MixedPooling2D = alpha * max pool + (1 - alpha) * average pool', () => {
    const m = single(new MixedPooling2D({ pool_size: 2, alpha: 0.25, padding: 'same' }), [2, 5, 4, 3]);
    const win = { poolSize: [2, 2], padding: 'same' };
    const e = op('add', [op('mul', [op('max_pool2d', [x], win), Tensor.fill([1], 0.25)]), op('mul', [op('avg_pool2d', [x], win), Tensor.fill([1], 0.75)])]);
    expectClose(m.predict(x), e, 1e-6);
  });

  it('ZeroPadding2D pads with zeros around the unchanged image', () => {
    const y = single(new ZeroPadding2D({ padding: [[1, 0], [2, 1]] }), [2, 5, 4, 3]).predict(x);
    expect(y.shape).toEqual([2, 6, 7, 3]);
    const [yd, xd] = [y.dataSync(), x.dataSync()];
    for (let n = 0; n < 2; n++)
      for (let i = 0; i < 6; i++)
        for (let j = 0; j < 7; j++)
          for (let c = 0; c < 3; c++) {
            const inside = i >= 1 && j >= 2 && j < 6;
            const v = yd[((n * 6 + i) * 7 + j) * 3 + c]!;
            expect(v).toBe(inside ? xd[((n * 5 + i - 1) * 4 + (j - 2)) * 3 + c]! : 0);
          }
  });

  it('UpSampling2D nearest repeats rows and columns; bilinear uses half-pixel centers', () => {
    const y = single(new UpSampling2D({ size: [2, 3] }), [2, 5, 4, 3]).predict(x);
    expect(y.shape).toEqual([2, 10, 12, 3]);
    const [yd, xd] = [y.dataSync(), x.dataSync()];
    for (let i = 0; i < 10; i++) for (let j = 0; j < 12; j++) expect(yd[((10 + i) * 12 + j) * 3 + 2]).toBe(xd[((5 + (i >> 1)) * 4 + Math.floor(j / 3)) * 3 + 2]);
    const yb = single(new UpSampling2D({ size: 2, interpolation: 'bilinear' }), [2, 5, 4, 3]).predict(x);
    expectClose(yb, op('resize2d', [x], { size: [10, 8], mode: 'bilinear', coordinateTransform: 'half_pixel' }));
  });

  it('Flatten and Reshape keep row-major order', () => {
    const f = single(new Flatten(), [2, 5, 4, 3]).predict(x);
    expect(f.shape).toEqual([2, 60]);
    expect(f.dataSync()).toEqual(x.dataSync());
    const r = single(new Reshape({ target_shape: [-1, 6] }), [2, 5, 4, 3]).predict(x);
    expect(r.shape).toEqual([2, 10, 6]);
    expect(r.dataSync()).toEqual(x.dataSync());
  });

  it('Activation, ReLU, LeakyReLU and Softmax layers', () => {
    const act = (kind: string, alpha = 0): Tensor => op('activation', [x], { kind, alpha });
    expectClose(single(new ReLU(), [2, 5, 4, 3]).predict(x), act('relu'));
    expectClose(single(new ReLU({ max_value: 6 }), [2, 5, 4, 3]).predict(op('mul', [x, Tensor.fill([1], 5)])), op('activation', [op('mul', [x, Tensor.fill([1], 5)])], { kind: 'relu6' }));
    expectClose(single(new ReLU({ negative_slope: 0.1 }), [2, 5, 4, 3]).predict(x), act('leaky_relu', 0.1));
    expectClose(single(new LeakyReLU(), [2, 5, 4, 3]).predict(x), act('leaky_relu', 0.3));
    expectClose(single(new LeakyReLU({ negative_slope: 0.05 }), [2, 5, 4, 3]).predict(x), act('leaky_relu', 0.05));
    expectClose(single(new Activation({ activation: 'silu' }), [2, 5, 4, 3]).predict(x), act('swish'));
    expectClose(single(new Activation({ activation: 'leaky_relu' }), [2, 5, 4, 3]).predict(x), act('leaky_relu', 0.2));
    expectClose(single(new Softmax({ axis: 1 }), [2, 5, 4, 3]).predict(x), op('softmax', [x], { axis: 1 }));
  });

  it('Dropout: identity in inference; in training zeros some values, scales the rest, new mask each call', () => {
    const layer = new Dropout({ rate: 0.5, seed: 3 });
    const m = single(layer, [2, 5, 4, 3]);
    expect(m.predict(x).dataSync()).toEqual(x.dataSync());
    const xd = x.dataSync();
    const masks = [0, 1].map(() => {
      const y = m.forward(x, { mode: 'train' }).dataSync();
      return Array.from(y, (v, i) => {
        if (v === 0) return 0;
        expect(v).toBeCloseTo(xd[i]! * 2, 5);
        return 1;
      });
    });
    const kept = masks[0]!.reduce((a: number, b) => a + b, 0);
    expect(kept).toBeGreaterThan(10);
    expect(kept).toBeLessThan(110);
    expect(masks[0]).not.toEqual(masks[1]);
  });
});
