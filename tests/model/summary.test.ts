import { describe, expect, it } from 'vitest';
import {
  Activation, Add, AveragePooling2D, BatchNormalization, Conv2D, Dense, DepthwiseConv2D, Dropout, Flatten, Input, MaxPooling2D, Model, ReLU, Sequential,
  type SummaryRow,
} from '../../src/model/index.js';
import { readKerasConfig } from '../../src/model/keras-json.js';
import { thousands } from '../../src/model/summary.js';
import { kerasFixture } from './helpers.js';

/**
 * Parameter counts worked out by hand (Conv2D: kh*kw*Cin*Cout + Cout; Dense: K*M + M; BN: 4*C with
 * 2*C non-trainable), which are also the numbers Keras prints for these models.
 */
const EXPECTED: Record<string, { total: number; trainable: number; nonTrainable: number }> = {
  // 320 + 18,496 + 36,928 + 36,928 (576 -> 64) + 650
  mnist_convnet: { total: 93_322, trainable: 93_322, nonTrainable: 0 },
  // 320 + 18,496 + 36,928
  mnist_convnet_nopool: { total: 55_744, trainable: 55_744, nonTrainable: 0 },
  // 13 convs (14,714,688) + fc1 102,764,544 + fc2 16,781,312 + predictions 4,097,000
  vgg16: { total: 138_357_544, trainable: 138_357_544, nonTrainable: 0 },
  // 156 + 2,416 + 48,120 + 10,164 + 850
  lenet5: { total: 61_706, trainable: 61_706, nonTrainable: 0 },
  // 320 + 3 * 9,248 + 100,416 + 650
  mnist_residual: { total: 129_130, trainable: 129_130, nonTrainable: 0 },
  // 3,456 + 576 + 1,296 + 576 + 3,456 + 96; moving statistics 2 * (144 + 144 + 24)
  mobilenetv2_block: { total: 9_456, trainable: 8_832, nonTrainable: 624 },
};

function fromFixture(name: string): Model {
  return Model.fromGraph(readKerasConfig(kerasFixture(name)));
}

function totals(m: Model): { total: number; trainable: number; nonTrainable: number } {
  const d = m.summaryData();
  return { total: d.totalParams, trainable: d.trainableParams, nonTrainable: d.nonTrainableParams };
}

/** Rows without the input layer (Sequential summaries have none) and without names. */
function layout(m: Model): Pick<SummaryRow, 'className' | 'outputShape' | 'params' | 'trainableParams'>[] {
  return m
    .summaryData()
    .rows.filter((r) => r.className !== 'InputLayer')
    .map(({ className, outputShape, params, trainableParams }) => ({ className, outputShape, params, trainableParams }));
}

/** The same architectures through the API. */
const API: Record<string, () => Model> = {
  mnist_convnet: () =>
    new Sequential({
      layers: [
        new Conv2D({ filters: 32, kernel_size: 3, activation: 'relu', input_shape: [28, 28, 1] }),
        new MaxPooling2D({ pool_size: 2 }),
        new Conv2D({ filters: 64, kernel_size: 3, activation: 'relu' }),
        new MaxPooling2D({ pool_size: 2 }),
        new Conv2D({ filters: 64, kernel_size: 3, activation: 'relu' }),
        new Flatten(),
        new Dense({ units: 64, activation: 'relu' }),
        new Dense({ units: 10, activation: 'softmax' }),
      ],
    }),
  mnist_convnet_nopool: () =>
    new Sequential({
      layers: [
        new Conv2D({ filters: 32, kernel_size: [3, 3], activation: 'relu', input_shape: [28, 28, 1] }),
        new Conv2D({ filters: 64, kernel_size: [3, 3], activation: 'relu' }),
        new Conv2D({ filters: 64, kernel_size: [3, 3], activation: 'relu' }),
      ],
    }),
  vgg16: () => {
    const input = Input({ shape: [224, 224, 3] });
    let x = input;
    for (const [n, f] of [[2, 64], [2, 128], [3, 256], [3, 512], [3, 512]] as const) {
      for (let i = 0; i < n; i++) x = new Conv2D({ filters: f, kernel_size: 3, padding: 'same', activation: 'relu' }).apply(x);
      x = new MaxPooling2D({ pool_size: 2, strides: 2 }).apply(x);
    }
    x = new Flatten().apply(x);
    x = new Dense({ units: 4096, activation: 'relu' }).apply(x);
    x = new Dense({ units: 4096, activation: 'relu' }).apply(x);
    return new Model({ inputs: input, outputs: new Dense({ units: 1000, activation: 'softmax' }).apply(x) });
  },
  lenet5: () => {
    const m = new Sequential();
    m.add(Input({ shape: [32, 32, 1] }));
    m.add(new Conv2D({ filters: 6, kernel_size: 5, activation: 'tanh' }));
    m.add(new AveragePooling2D());
    m.add(new Conv2D({ filters: 16, kernel_size: 5, activation: 'tanh' }));
    m.add(new AveragePooling2D());
    m.add(new Flatten());
    m.add(new Dense({ units: 120, activation: 'tanh' }));
    m.add(new Dense({ units: 84, activation: 'tanh' }));
    m.add(new Dense({ units: 10, activation: 'softmax' }));
    return m;
  },
  mnist_residual: () => {
    const input = Input({ shape: [28, 28, 1] });
    const a = new Conv2D({ filters: 32, kernel_size: 3, padding: 'same', activation: 'relu' }).apply(input);
    let x = new Conv2D({ filters: 32, kernel_size: 3, padding: 'same', activation: 'relu' }).apply(a);
    x = new Conv2D({ filters: 32, kernel_size: 3, padding: 'same' }).apply(x);
    x = new Add().apply([a, x]);
    x = new Activation({ activation: 'relu' }).apply(x);
    x = new MaxPooling2D().apply(x);
    x = new Conv2D({ filters: 32, kernel_size: 3, padding: 'same', activation: 'relu' }).apply(x);
    x = new MaxPooling2D().apply(x);
    x = new Flatten().apply(x);
    x = new Dense({ units: 64, activation: 'relu' }).apply(x);
    x = new Dropout({ rate: 0.5 }).apply(x);
    return new Model({ inputs: input, outputs: new Dense({ units: 10, activation: 'softmax' }).apply(x) });
  },
  mobilenetv2_block: () => {
    const input = Input({ shape: [56, 56, 24] });
    let x = new Conv2D({ filters: 144, kernel_size: 1, padding: 'same', use_bias: false }).apply(input);
    x = new BatchNormalization({ momentum: 0.999 }).apply(x);
    x = new ReLU({ max_value: 6 }).apply(x);
    x = new DepthwiseConv2D({ kernel_size: 3, padding: 'same', use_bias: false }).apply(x);
    x = new BatchNormalization({ momentum: 0.999 }).apply(x);
    x = new ReLU({ max_value: 6 }).apply(x);
    x = new Conv2D({ filters: 24, kernel_size: 1, padding: 'same', use_bias: false }).apply(x);
    x = new BatchNormalization({ momentum: 0.999 }).apply(x);
    return new Model({ inputs: input, outputs: new Add().apply([input, x]) });
  },
};

describe('parameter counts', () => {
  it.each(Object.keys(EXPECTED))('%s from its Keras config', (name) => {
    expect(totals(fromFixture(name))).toEqual(EXPECTED[name]);
  });

  it.each(Object.keys(EXPECTED))('%s built with the API matches the config layer by layer', (name) => {
    const api = API[name]!();
    expect(totals(api)).toEqual(EXPECTED[name]);
    expect(layout(api)).toEqual(layout(fromFixture(name)));
  });

  it('VGG16 per-layer counts are the known Keras ones', () => {
    const rows = new Map(fromFixture('vgg16').summaryData().rows.map((r) => [r.name, r]));
    expect(rows.get('block1_conv1')!.params).toBe(1_792);
    expect(rows.get('block3_conv1')!.params).toBe(295_168);
    expect(rows.get('block5_conv3')!.params).toBe(2_359_808);
    expect(rows.get('block5_pool')!.outputShape).toEqual([null, 7, 7, 512]);
    expect(rows.get('flatten')!.outputShape).toEqual([null, 25_088]);
    expect(rows.get('fc1')!.params).toBe(102_764_544);
    expect(rows.get('fc2')!.params).toBe(16_781_312);
    expect(rows.get('predictions')!.params).toBe(4_097_000);
  });

  it('MobileNetV2 block: batch norm statistics are non-trainable, and freezing moves the rest', () => {
    const m = fromFixture('mobilenetv2_block');
    const bn = m.getLayer('block_2_expand_BN');
    expect(bn.weights.map((v) => [v.name, v.trainable])).toEqual([
      ['block_2_expand_BN/gamma', true],
      ['block_2_expand_BN/beta', true],
      ['block_2_expand_BN/moving_mean', false],
      ['block_2_expand_BN/moving_variance', false],
    ]);
    m.getLayer('block_2_expand').trainable = false;
    expect(totals(m)).toEqual({ total: 9_456, trainable: 8_832 - 3_456, nonTrainable: 624 + 3_456 });
  });

  it('builds VGG16 without drawing its 138M weights', () => {
    const m = fromFixture('vgg16');
    expect(m.weights.every((v) => !v.initialized)).toBe(true);
  });
});

describe('summary text', () => {
  it('Sequential: the Keras layout with totals in thousands', () => {
    const m = new Sequential({
      name: 'mnist_convnet',
      layers: [
        new Conv2D({ name: 'conv2d', filters: 32, kernel_size: 3, activation: 'relu', input_shape: [28, 28, 1] }),
        new MaxPooling2D({ name: 'max_pooling2d' }),
        new Conv2D({ name: 'conv2d_1', filters: 64, kernel_size: 3, activation: 'relu' }),
        new MaxPooling2D({ name: 'max_pooling2d_1' }),
        new Conv2D({ name: 'conv2d_2', filters: 64, kernel_size: 3, activation: 'relu' }),
        new Flatten({ name: 'flatten' }),
        new Dense({ name: 'dense', units: 64, activation: 'relu' }),
        new Dense({ name: 'dense_1', units: 10, activation: 'softmax' }),
      ],
    });
    const bar = '_'.repeat(65);
    expect(m.summary()).toBe(
      [
        'Model: "mnist_convnet"',
        bar,
        'Layer (type)                 Output Shape              Param #',
        '='.repeat(65),
        'conv2d (Conv2D)              (None, 26, 26, 32)        320',
        bar,
        'max_pooling2d (MaxPooling2D) (None, 13, 13, 32)        0',
        bar,
        'conv2d_1 (Conv2D)            (None, 11, 11, 64)        18496',
        bar,
        'max_pooling2d_1              (None, 5, 5, 64)          0',
        '(MaxPooling2D)',
        bar,
        'conv2d_2 (Conv2D)            (None, 3, 3, 64)          36928',
        bar,
        'flatten (Flatten)            (None, 576)               0',
        bar,
        'dense (Dense)                (None, 64)                36928',
        bar,
        'dense_1 (Dense)              (None, 10)                650',
        '='.repeat(65),
        'Total params: 93,322',
        'Trainable params: 93,322',
        'Non-trainable params: 0',
        bar,
      ].join('\n'),
    );
  });

  it('functional: input row, "Connected to" with one line per input', () => {
    const text = fromFixture('mnist_residual').summary();
    const lines = text.split('\n');
    expect(lines[2]).toBe('Layer (type)                    Output Shape         Param #     Connected to');
    expect(lines).toContain('input_layer (InputLayer)        [(None, 28, 28, 1)]  0');
    const add = lines.findIndex((l) => l.startsWith('add (Add)'));
    expect(lines[add]).toBe('add (Add)                       (None, 28, 28, 32)   0           conv2d[0][0]');
    expect(lines[add + 1]).toBe(' '.repeat(65) + 'conv2d_2[0][0]');
    expect(text).toContain('\nTotal params: 129,130\nTrainable params: 129,130\nNon-trainable params: 0\n');
    expect(lines.every((l) => l.length <= 98)).toBe(true);
  });

  it('as data', () => {
    const d = fromFixture('mobilenetv2_block').summaryData();
    expect(d.sequential).toBe(false);
    expect(d.rows.map((r) => r.params)).toEqual([0, 3_456, 576, 0, 1_296, 576, 0, 3_456, 96, 0]);
    expect(d.rows.map((r) => r.trainableParams)).toEqual([0, 3_456, 288, 0, 1_296, 288, 0, 3_456, 48, 0]);
    expect(d.rows.at(-1)!.connectedTo).toEqual(['input_1[0][0]', 'block_2_project_BN[0][0]']);
  });

  it('thousands separators', () => {
    expect([0, 999, 1_000, 93_322, 138_357_544].map(thousands)).toEqual(['0', '999', '1,000', '93,322', '138,357,544']);
  });
});
