import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/core/tensor.js';
import {
  Add, BatchNormalization, Concatenate, Conv2D, Dense, DepthwiseConv2D, Dropout, Flatten, Input, InputLayer, LeakyReLU, MaxPooling2D, Model, ReLU, Reshape,
  Sequential, UpSampling2D, Activation,
} from '../../src/model/index.js';
import { thrown } from './helpers.js';

describe('layer configs', () => {
  it('bad attributes: E_ATTR naming layer and attribute', () => {
    expect(thrown(() => new Conv2D({ name: 'c1', filters: 0, kernel_size: 3 }))).toMatchObject({ code: 'E_ATTR', message: expect.stringContaining('layer c1 (Conv2D): attribute filters') });
    expect(thrown(() => new Conv2D({ name: 'c2', filters: 4, kernel_size: [3, 3, 3] })).message).toContain('layer c2 (Conv2D): attribute kernel_size must be 2 integers');
    expect(thrown(() => new Conv2D({ name: 'c3', filters: 4, kernel_size: 3, padding: 'full' as 'same' })).message).toContain('attribute padding must be "valid" or "same"');
    expect(thrown(() => new Conv2D({ name: 'c4', filters: 6, kernel_size: 3, groups: 4 })).message).toContain('attribute groups must be a divisor of filters (6)');
    expect(thrown(() => new Dense({ name: 'd', units: 3, kernel_initializer: 'xavier' })).code).toBe('E_UNSUPPORTED');
    expect(thrown(() => new Dense({ name: 'd2', units: 3, kernel_initializer: { class_name: 'RandomNormal', config: { stdev: 1 } } })).message).toContain('unknown config key "stdev"');
    expect(thrown(() => new Dense({ name: 'd3', units: 3, activation: 'gelu' }))).toMatchObject({ code: 'E_UNSUPPORTED', message: expect.stringContaining('supported: linear, relu') });
    expect(thrown(() => new Dropout({ name: 'dr', rate: 1 })).message).toContain('layer dr (Dropout): attribute rate must be a number in [0, 1)');
    expect(thrown(() => new Dropout({ rate: 0.5, noise_shape: [1, 2] as unknown as null })).code).toBe('E_UNSUPPORTED');
    expect(thrown(() => new Reshape({ target_shape: [-1, -1] })).code).toBe('E_ATTR');
    expect(thrown(() => new UpSampling2D({ interpolation: 'bicubic' as 'nearest' })).code).toBe('E_UNSUPPORTED');
    expect(thrown(() => new Conv2D({ name: 'a/b', filters: 1, kernel_size: 1 })).code).toBe('E_ATTR');
    expect(thrown(() => new BatchNormalization({ renorm: true } as object)).code).toBe('E_UNSUPPORTED');
    expect(thrown(() => new Activation({} as { activation: string })).message).toContain('attribute activation must be given');
  });

  it('channels_first: E_UNSUPPORTED', () => {
    const e = thrown(() => new MaxPooling2D({ name: 'mp', data_format: 'channels_first' }));
    expect(e).toMatchObject({ code: 'E_UNSUPPORTED', message: expect.stringContaining('layer mp (MaxPooling2D): data_format "channels_first" is not supported') });
  });

  it('ReLU: combinations without a matching activation are refused', () => {
    for (const cfg of [{ max_value: 4 }, { threshold: 1 }, { max_value: 6, negative_slope: 0.1 }]) {
      const e = thrown(() => new ReLU({ name: 'r', ...cfg }));
      expect(e.code).toBe('E_UNSUPPORTED');
      expect(e.message).toContain('layer r (ReLU)');
    }
    expect(thrown(() => new ReLU({ negative_slope: -1 })).code).toBe('E_ATTR');
    expect(thrown(() => new LeakyReLU({ alpha: 0.1, negative_slope: 0.2 })).code).toBe('E_ATTR');
  });
});

describe('shapes', () => {
  it('a layer applied to the wrong shape: E_SHAPE naming layer and shapes', () => {
    const e = thrown(() => new Conv2D({ name: 'conv', filters: 2, kernel_size: 3 }).apply(Input({ shape: [28, 28] })));
    expect(e).toMatchObject({ code: 'E_SHAPE', message: expect.stringContaining('layer conv (Conv2D): expects a 4D input (batch, height, width, channels), got (None, 28, 28)') });
    const big = thrown(() => new Conv2D({ name: 'big', filters: 2, kernel_size: 5 }).apply(Input({ shape: [4, 4, 1] })));
    expect(big.code).toBe('E_SHAPE');
    expect(big.message).toContain('layer big (Conv2D)');
    expect(big.message).toContain('(None, 4, 4, 1)');
    expect(thrown(() => new Dense({ name: 'fc', units: 2 }).apply(Input({ shape: [null] }))).message).toContain('layer fc (Dense): the last dimension of the input must be known');
    expect(thrown(() => new Flatten({ name: 'fl' }).apply(Input({ shape: [null, 3] }))).code).toBe('E_SHAPE');
    expect(thrown(() => new Reshape({ name: 'rs', target_shape: [7] }).apply(Input({ shape: [2, 3] }))).message).toContain('cannot reshape input (None, 2, 3) (6 values per sample) to (None, 7)');
    expect(thrown(() => new Conv2D({ filters: 4, kernel_size: 1, groups: 2 }).apply(Input({ shape: [3, 3, 3] }))).code).toBe('E_SHAPE');
    expect(thrown(() => new BatchNormalization({ axis: 1 }).apply(Input({ shape: [3, 3, 3] }))).code).toBe('E_UNSUPPORTED');
  });

  it('merge layers: incompatible shapes and too few inputs', () => {
    const a = Input({ shape: [4, 4, 3] }), b = Input({ shape: [4, 4, 2] }), c = Input({ shape: [5, 4, 2] });
    expect(thrown(() => new Add({ name: 'sum' }).apply([a, b]))).toMatchObject({ code: 'E_SHAPE', message: expect.stringContaining('layer sum (Add): inputs (None, 4, 4, 3), (None, 4, 4, 2) have incompatible shapes') });
    expect(new Concatenate().apply([a, b]).shape).toEqual([null, 4, 4, 5]);
    expect(thrown(() => new Concatenate({ name: 'cat' }).apply([b, c])).message).toContain('layer cat (Concatenate): inputs (None, 4, 4, 2), (None, 5, 4, 2) differ in dimension 1');
    expect(thrown(() => new Add().apply([a])).code).toBe('E_ARG');
    expect(thrown(() => new Conv2D({ filters: 1, kernel_size: 1 }).apply([a, a])).code).toBe('E_ARG');
  });

  it('a built layer refuses inputs that need other weights', () => {
    const conv = new Conv2D({ name: 'cv', filters: 2, kernel_size: 3 });
    conv.apply(Tensor.zeros([1, 5, 5, 3]));
    expect(conv.apply(Tensor.zeros([1, 7, 6, 3])).shape).toEqual([1, 5, 4, 2]);
    const e = thrown(() => conv.apply(Tensor.zeros([1, 5, 5, 4])));
    expect(e.code).toBe('E_SHAPE');
    expect(e.message).toContain('input (None, 5, 5, 4) needs other weights (kernel [3, 3, 4, 2], bias [2] instead of kernel [3, 3, 3, 2], bias [2])');
  });

  it('model inputs: wrong shape, wrong count, unknown names', () => {
    const input = Input({ shape: [4, 4, 1], name: 'pic' });
    const model = new Model({ inputs: input, outputs: new DepthwiseConv2D({ kernel_size: 2 }).apply(input) });
    expect(thrown(() => model.predict(Tensor.zeros([2, 4, 4, 2])))).toMatchObject({ code: 'E_SHAPE', message: expect.stringContaining('input pic expects shape (None, 4, 4, 1), got [2, 4, 4, 2]') });
    expect(thrown(() => model.predict([Tensor.zeros([1, 4, 4, 1]), Tensor.zeros([1, 4, 4, 1])])).code).toBe('E_ARG');
    expect(thrown(() => model.predict({ image: Tensor.zeros([1, 4, 4, 1]) })).message).toContain('no input named image');
    expect(thrown(() => model.predict(Tensor.zeros([1, 4, 4, 1]), { batchSize: 0 })).code).toBe('E_ARG');
  });
});

describe('weights', () => {
  const model = (): Sequential => new Sequential({ layers: [new Dense({ name: 'fc', units: 2, input_shape: [3] })] });

  it('setWeights: count (E_ARG), shape (E_SHAPE), NaN (E_VALUE), and nothing assigned on failure', () => {
    const m = model();
    const before = m.getWeights().map((t) => t.dataSync());
    expect(thrown(() => m.setWeights([Tensor.zeros([3, 2])])).code).toBe('E_ARG');
    expect(thrown(() => m.setWeights([Tensor.zeros([3, 2]), Tensor.zeros([3])]))).toMatchObject({
      code: 'E_SHAPE',
      message: expect.stringContaining('layer fc (Dense), weight bias: expected shape [2], got [3]'),
    });
    expect(thrown(() => m.setWeights([Tensor.zeros([3, 2]), { shape: [2], data: [1, Infinity] }]))).toMatchObject({ code: 'E_VALUE', message: expect.stringContaining('weight bias') });
    expect(m.getWeights().map((t) => t.dataSync())).toEqual(before);
    m.setWeights([Tensor.fill([3, 2], 1), { shape: [2], data: [0.5, -0.5] }]);
    expect(Array.from(m.predict(Tensor.fill([1, 3], 1)).dataSync())).toEqual([3.5, 2.5]);
  });

  it('names and trainability', () => {
    const m = model();
    expect(m.weights.map((v) => v.name)).toEqual(['fc/kernel', 'fc/bias']);
    expect(thrown(() => m.getLayer('fc').getWeight('gamma')).code).toBe('E_ARG');
    m.getLayer('fc').trainable = false;
    expect(m.trainableWeights).toEqual([]);
    expect(m.nonTrainableWeights.length).toBe(2);
  });
});

describe('graphs', () => {
  it('shared layers: E_UNSUPPORTED', () => {
    const x = Input({ shape: [3] });
    const d = new Dense({ name: 'shared', units: 3 });
    d.apply(x);
    expect(thrown(() => d.apply(x))).toMatchObject({ code: 'E_UNSUPPORTED', message: expect.stringContaining('layer shared (Dense) is already part of a graph') });
  });

  it('disconnected graph, non-Input inputs, duplicate names: E_GRAPH', () => {
    const a = Input({ shape: [3], name: 'a' }), b = Input({ shape: [3], name: 'b' });
    const s = new Add().apply([a, b]);
    expect(thrown(() => new Model({ inputs: a, outputs: s }))).toMatchObject({ code: 'E_GRAPH', message: expect.stringContaining('depend on input b') });
    expect(thrown(() => new Model({ inputs: s, outputs: s })).code).toBe('E_GRAPH');
    const c = Input({ shape: [3], name: 'same' });
    const y = new Dense({ name: 'same', units: 1 }).apply(c);
    expect(thrown(() => new Model({ inputs: c, outputs: y })).message).toContain('two layers are named "same"');
    expect(thrown(() => new InputLayer({ name: 'i', input_shape: [2] }).apply()).code).toBe('E_ARG');
    expect(thrown(() => new InputLayer({ name: 'j' })).message).toContain('layer j (InputLayer): attribute batch_input_shape must be given');
  });

  it('Sequential: deferred input, merge layers refused, models without input', () => {
    const m = new Sequential({ layers: [new Dense({ units: 2 })] });
    expect(thrown(() => m.summary()).code).toBe('E_GRAPH');
    expect(m.predict(Tensor.zeros([3, 5])).shape).toEqual([3, 2]);
    expect(m.summaryData().totalParams).toBe(12);
    expect(thrown(() => m.add(new Add())).code).toBe('E_ARG');
    expect(thrown(() => m.add(new Dense({ units: 2, input_shape: [7] }))).code).toBe('E_SHAPE');
    expect(thrown(() => m.add(Input({ shape: [2] }))).code).toBe('E_ARG');
  });
});
