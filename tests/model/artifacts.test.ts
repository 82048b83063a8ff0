import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/core/tensor.js';
import type { ModelArtifacts } from '../../src/io/artifacts.js';
import {
  Add, BatchNormalization, Concatenate, Conv2D, Dense, DepthwiseConv2D, Dropout, Flatten, GlobalMaxPooling2D, Input, LeakyReLU, MaxPooling2D, MixedPooling2D, Model,
  ReLU, Reshape, SeparableConv2D, Sequential, Softmax, UpSampling2D, ZeroPadding2D,
} from '../../src/model/index.js';
import { randn, randomizeWeights, thrown } from './helpers.js';

/** A model using every layer class, with non-default settings where a layer has them. */
function everyLayer(): Model {
  const input = Input({ shape: [6, 6, 3], name: 'image' });
  let x = new ZeroPadding2D({ padding: [1, 2] }).apply(input);
  x = new Conv2D({ filters: 4, kernel_size: 3, strides: [1, 2], activation: 'hard_swish', kernel_initializer: 'he_normal', kernel_regularizer: { class_name: 'L2', config: { l2: 0.01 } } }).apply(x);
  const a = new DepthwiseConv2D({ kernel_size: 3, padding: 'same', depth_multiplier: 2, activation: 'relu6' }).apply(x);
  const b = new SeparableConv2D({ filters: 8, kernel_size: 3, padding: 'same', use_bias: false }).apply(x);
  x = new Add().apply([a, b]);
  x = new BatchNormalization({ momentum: 0.8, epsilon: 1e-4, center: false }).apply(x);
  x = new LeakyReLU({ alpha: 0.1 }).apply(x);
  const p = new MaxPooling2D({ pool_size: 2, padding: 'same' }).apply(x);
  const q = new MixedPooling2D({ pool_size: 2, padding: 'same', alpha: 0.7 }).apply(x);
  x = new Concatenate().apply([p, q]);
  x = new UpSampling2D({ size: 2, interpolation: 'bilinear' }).apply(x);
  x = new ReLU({ max_value: 6 }).apply(x);
  const g = new GlobalMaxPooling2D().apply(x);
  let d = new Dense({ units: 6, activation: 'elu', bias_initializer: { class_name: 'Constant', config: { value: 0.1 } } }).apply(g);
  d = new Dropout({ rate: 0.2, seed: 1 }).apply(d);
  d = new Reshape({ target_shape: [2, 3] }).apply(d);
  d = new Softmax().apply(d);
  const f = new Flatten().apply(d);
  return new Model({ name: 'every_layer', inputs: input, outputs: [f, g] });
}

function roundTrip(a: ModelArtifacts): ModelArtifacts {
  // What a file format does: JSON for the graph, bytes for the weights.
  return { ...JSON.parse(JSON.stringify({ ...a, weights: [] })), weights: a.weights.map((w) => ({ ...w, data: w.data.slice() })) };
}

describe('artifacts round trip', () => {
  it('graph, configs and weights survive; the copy computes the same', () => {
    const model = everyLayer();
    randomizeWeights(model, 3);
    const art = model.toArtifacts({ source: 'test' });
    expect(art.inputs).toEqual([{ name: 'image', shape: [null, 6, 6, 3], layout: 'NHWC' }]);
    expect(art.outputs!.map((o) => o.layout)).toEqual(['NC', 'NC']);
    expect(art.weights.map((w) => w.name)).toEqual(model.weights.map((v) => v.name));
    const copy = Model.fromArtifacts(roundTrip(art));
    expect(copy.toArtifacts({ source: 'test' })).toEqual(art);
    expect(copy.summary()).toBe(model.summary());
    const x = Tensor.from(randn(2 * 6 * 6 * 3, 9), [2, 6, 6, 3]);
    const [y0, y1] = model.predictAll(x);
    const [c0, c1] = copy.predictAll(x);
    expect(c0!.dataSync()).toEqual(y0!.dataSync());
    expect(c1!.dataSync()).toEqual(y1!.dataSync());
  });

  it('keeps what a Keras config carries: regularizers, initializers, frozen layers', () => {
    const model = everyLayer();
    model.layers[2]!.trainable = false;
    const layers = model.toArtifacts().graph.layers;
    const conv = layers[2]!;
    expect(conv.className).toBe('Conv2D');
    expect(conv.config).toMatchObject({
      trainable: false,
      kernel_size: [3, 3],
      strides: [1, 2],
      activation: 'hard_swish',
      kernel_initializer: { class_name: 'HeNormal', config: { seed: null } },
      kernel_regularizer: { class_name: 'L2', config: { l2: 0.01 } },
    });
    const copy = Model.fromGraph(model.toArtifacts().graph);
    expect(copy.layers[2]!.trainable).toBe(false);
    expect(copy.summaryData().trainableParams).toBe(model.summaryData().trainableParams);
  });

  it('a Sequential model comes back as Sequential', () => {
    const model = new Sequential({ layers: [new Dense({ units: 3, input_shape: [4] }), new Dense({ units: 2, activation: 'softmax' })] });
    randomizeWeights(model);
    const copy = Sequential.fromArtifacts(roundTrip(model.toArtifacts()));
    expect(copy).toBeInstanceOf(Sequential);
    expect(copy.summary()).toBe(model.summary());
    const x = Tensor.from(randn(8, 1), [2, 4]);
    expect(copy.predict(x).dataSync()).toEqual(model.predict(x).dataSync());
    expect(thrown(() => Sequential.fromGraph(everyLayer().toArtifacts().graph)).code).toBe('E_GRAPH');
  });
});

describe('artifacts validation', () => {
  const base = (): ModelArtifacts => {
    const m = new Sequential({ name: 'tiny', layers: [new Conv2D({ name: 'c', filters: 2, kernel_size: 1, input_shape: [2, 2, 1] }), new Flatten({ name: 'f' })] });
    return roundTrip(m.toArtifacts());
  };

  it('unknown layer class: E_CONFIG naming the layer and the class', () => {
    const a = base();
    a.graph.layers[1]!.className = 'Conv3D';
    const e = thrown(() => Model.fromArtifacts(a));
    expect(e.code).toBe('E_CONFIG');
    expect(e.message).toContain('layer c');
    expect(e.message).toContain('"Conv3D"');
    expect(e.message).toContain('SeparableConv2D');
  });

  it('missing and extra weights: E_CONFIG listing them', () => {
    const a = base();
    a.weights = a.weights.filter((w) => w.name !== 'c/bias');
    a.weights.push({ name: 'c/gamma', shape: [2], data: new Float32Array(2) });
    const e = thrown(() => Model.fromArtifacts(a));
    expect(e.code).toBe('E_CONFIG');
    expect(e.message).toMatch(/missing c\/bias.*not in the model: c\/gamma/);
  });

  it('wrong shape: E_SHAPE naming layer and weight; NaN: E_VALUE', () => {
    const a = base();
    a.weights[0] = { name: 'c/kernel', shape: [1, 1, 2, 2], data: new Float32Array(4) };
    const e = thrown(() => Model.fromArtifacts(a));
    expect(e.code).toBe('E_SHAPE');
    expect(e.message).toContain('layer c (Conv2D), weight kernel: expected shape [1, 1, 1, 2], got [1, 1, 2, 2]');
    const b = base();
    b.weights[1]!.data[1] = NaN;
    const n = thrown(() => Model.fromArtifacts(b));
    expect(n.code).toBe('E_VALUE');
    expect(n.message).toContain('layer c (Conv2D), weight bias');
    const c = base();
    c.weights[1] = { ...c.weights[1]!, data: new Float32Array(3) };
    expect(thrown(() => Model.fromArtifacts(c)).code).toBe('E_SHAPE');
  });

  it('broken graphs: E_GRAPH / E_CONFIG naming the layer', () => {
    const a = base();
    a.graph.layers[2]!.inbound = ['nowhere'];
    expect(thrown(() => Model.fromArtifacts(a)).message).toContain('layer f (Flatten): inbound layer "nowhere" does not exist');
    const b = base();
    b.graph.layers.reverse();
    expect(thrown(() => Model.fromArtifacts(b)).message).toContain('comes after it');
    const c = base();
    c.graph.outputs = ['c'];
    expect(thrown(() => Model.fromArtifacts(c)).message).toContain('layer f (Flatten) does not lead to any output');
    const d = base();
    (d.graph.layers[1] as { config: unknown }).config = 'x';
    expect(thrown(() => Model.fromArtifacts(d)).code).toBe('E_CONFIG');
    const e = base();
    e.graph.layers[1]!.config = { ...e.graph.layers[1]!.config, kernal_size: 3 };
    const err = thrown(() => Model.fromArtifacts(e));
    expect(err.code).toBe('E_ATTR');
    expect(err.message).toContain('layer c (Conv2D): unknown attribute kernal_size');
    expect(thrown(() => Model.fromArtifacts(null as unknown as ModelArtifacts)).code).toBe('E_CONFIG');
  });
});
