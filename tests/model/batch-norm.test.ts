import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/core/tensor.js';
import { BatchNormalization, Conv2D, Input, Model, Sequential } from '../../src/model/index.js';
import { closeReport } from '../util/close.js';
import { randn } from './helpers.js';

/** Per-channel mean and biased variance over every axis but the last, in float64. */
function channelStats(data: Float32Array, c: number): { mean: number[]; variance: number[] } {
  const n = data.length / c;
  const mean = Array.from({ length: c }, (_, k) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += data[i * c + k]!;
    return s / n;
  });
  const variance = mean.map((m, k) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (data[i * c + k]! - m) ** 2;
    return s / n;
  });
  return { mean, variance };
}

function bnModel(config: ConstructorParameters<typeof BatchNormalization>[0] = {}): { model: Model; bn: BatchNormalization } {
  const input = Input({ shape: [3, 3, 2] });
  const bn = new BatchNormalization({ momentum: 0.9, ...config });
  return { model: new Model({ inputs: input, outputs: bn.apply(input) }), bn };
}

describe('BatchNormalization in training', () => {
  const xd = Float32Array.from(randn(4 * 3 * 3 * 2, 8), (v, i) => v * (1 + (i % 2)) + (i % 2 ? 3 : -1));
  const x = Tensor.from(xd, [4, 3, 3, 2]);
  const { mean, variance } = channelStats(xd, 2);

  it('normalizes with the batch statistics and moves the running ones by the momentum', () => {
    const { model, bn } = bnModel();
    const y = model.forward(x, { mode: 'train' }).dataSync();
    const ys = channelStats(y, 2);
    expect(closeReport(ys.mean, [0, 0], { atol: 1e-5 })).toBeNull();
    expect(closeReport(ys.variance, variance.map((v) => v / (v + 1e-3)), { rtol: 1e-4 })).toBeNull();
    // moving = 0.9 * moving + 0.1 * batch, from mean 0 and variance 1.
    expect(closeReport(bn.getWeight('moving_mean').read(), mean.map((m) => 0.1 * m), { rtol: 1e-5 })).toBeNull();
    expect(closeReport(bn.getWeight('moving_variance').read(), variance.map((v) => 0.9 + 0.1 * v), { rtol: 1e-5 })).toBeNull();
    model.forward(x, { mode: 'train' });
    expect(closeReport(bn.getWeight('moving_mean').read(), mean.map((m) => 0.19 * m), { rtol: 1e-5 })).toBeNull();
  });

  it('inference uses and keeps the running statistics', () => {
    const { model, bn } = bnModel({ center: false, scale: false });
    expect(bn.weights.map((v) => v.weightName)).toEqual(['moving_mean', 'moving_variance']);
    model.setWeights([{ shape: [2], data: [1, -2] }, { shape: [2], data: [4, 0.25] }]);
    const y = model.predict(x).dataSync();
    const expected = Array.from(xd, (v, i) => (i % 2 ? (v + 2) / Math.sqrt(0.25 + 1e-3) : (v - 1) / Math.sqrt(4 + 1e-3)));
    expect(closeReport(y, expected)).toBeNull();
    expect(Array.from(bn.getWeight('moving_mean').read())).toEqual([1, -2]);
  });

  it('a frozen layer runs in inference mode even in training, as in Keras', () => {
    const { model, bn } = bnModel();
    bn.trainable = false;
    const y = model.forward(x, { mode: 'train' });
    expect(Array.from(bn.getWeight('moving_mean').read())).toEqual([0, 0]);
    expect(closeReport(y.dataSync(), Array.from(xd, (v) => v / Math.sqrt(1 + 1e-3)))).toBeNull();
    expect(model.trainableWeights).toEqual([]);
  });

  it('works after a convolution inside a Sequential model', () => {
    const bn = new BatchNormalization({ momentum: 0.5, epsilon: 1e-5 });
    const model = new Sequential({ layers: [new Conv2D({ filters: 3, kernel_size: 2, input_shape: [3, 3, 2] }), bn] });
    const conv = model.layers[0]!;
    const z = conv.apply(x).dataSync();
    model.forward(x, { mode: 'train' });
    const s = channelStats(z, 3);
    expect(closeReport(bn.getWeight('moving_mean').read(), s.mean.map((m) => 0.5 * m), { rtol: 1e-4 })).toBeNull();
    expect(closeReport(bn.getWeight('moving_variance').read(), s.variance.map((v) => 0.5 + 0.5 * v), { rtol: 1e-4 })).toBeNull();
  });
});
