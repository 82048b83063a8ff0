import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NOT_YET } from '../../src/cli/commands/demo.js';
import { mnistConvnet } from '../../src/cli/demo-model.js';
import { Model, readKerasConfig } from '../../src/index.js';
import { kerasFixture } from '../model/helpers.js';
import { cli } from './helpers.js';

describe('tinyconv demo', () => {
  it('says the real demo is still to come, then builds, runs, saves and reloads the MNIST convnet', async () => {
    const r = await cli('demo');
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out.startsWith(`${NOT_YET}\n`)).toBe(true);
    expect(r.out).toContain('needs pretrained models,\nwhich are not shipped yet');
    expect(r.out).toContain('Model: "mnist_convnet"');
    expect(r.out).toContain('\nTotal params: 93,322\nTrainable params: 93,322\nNon-trainable params: 0\n');
    expect(r.out).toMatch(/output shape \[1, 10\]; [0-9.]+ ms the first time .*, [0-9.]+ ms the second\n/);
    expect(r.out).toMatch(/softmax scores sum to (1|0\.99999\d*|1\.00000\d*); the highest is class \d \(0\.\d+\)/);
    expect(r.out).toContain('93,322 parameters; all 10 output values are bit-for-bit identical.');
    // The temporary model file is gone afterwards.
    const saved = /Saved to (\S+) \(/.exec(r.out)![1]!;
    expect(existsSync(saved)).toBe(false);
  });

  it('an unknown backend is a usage error', async () => {
    const r = await cli('demo', '--backend', 'gpu');
    expect([r.code, r.out]).toEqual([2, '']);
    expect(r.err).toContain('unknown backend "gpu"; available: reference');
  });

  it('the demo model is the Keras-book convnet: the same layers and shapes as its Keras config', () => {
    const keras = Model.fromGraph(readKerasConfig(kerasFixture('mnist_convnet'))).summaryData();
    const ours = mnistConvnet().summaryData();
    const rows = (d: typeof ours) => d.rows.filter((x) => x.className !== 'InputLayer').map(({ name, className, outputShape, params }) => ({ name, className, outputShape, params }));
    expect(rows(ours)).toEqual(rows(keras));
  });
});
