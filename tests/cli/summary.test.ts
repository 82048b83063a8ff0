import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openModel } from '../../src/cli/model-source.js';
import { BatchNormalization, Conv2D, Dense, Flatten, Sequential, encodeNpy, saveModel } from '../../src/index.js';
import { KERAS_FIXTURES, cli, tempDir } from './helpers.js';

/**
 * The totals Keras prints for each fixture, worked out by hand (Conv2D: kh*kw*Cin*Cout + Cout;
 * Dense: K*M + M; BatchNormalization: 4*C, of which the 2*C moving statistics are non-trainable).
 */
const TOTALS: Record<string, { total: string; trainable: string; nonTrainable: string; format: string }> = {
  // 320 + 18,496 + 36,928 + 36,928 (576 -> 64) + 650
  mnist_convnet: { total: '93,322', trainable: '93,322', nonTrainable: '0', format: 'keras-config' },
  // 320 + 18,496 + 36,928
  mnist_convnet_nopool: { total: '55,744', trainable: '55,744', nonTrainable: '0', format: 'tfjs-layers' },
  // 13 convs (14,714,688) + fc1 102,764,544 + fc2 16,781,312 + predictions 4,097,000
  vgg16: { total: '138,357,544', trainable: '138,357,544', nonTrainable: '0', format: 'keras-config' },
  // 156 + 2,416 + 48,120 + 10,164 + 850
  lenet5: { total: '61,706', trainable: '61,706', nonTrainable: '0', format: 'keras-config' },
  // 320 + 3 * 9,248 + 100,416 + 650
  mnist_residual: { total: '129,130', trainable: '129,130', nonTrainable: '0', format: 'keras-config' },
  // 3,456 + 576 + 1,296 + 576 + 3,456 + 96; moving statistics 2 * (144 + 144 + 24)
  mobilenetv2_block: { total: '9,456', trainable: '8,832', nonTrainable: '624', format: 'keras-config' },
};

const FIXTURES = readdirSync(KERAS_FIXTURES).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
const fixture = (name: string): string => join(KERAS_FIXTURES, `${name}.json`);

describe('tinyconv summary on the Keras fixtures', () => {
  it('every fixture has expected totals here', () => {
    expect(FIXTURES).toEqual(Object.keys(TOTALS).sort());
  });

  it.each(FIXTURES)('%s prints the Keras totals', async (name) => {
    const t = TOTALS[name]!;
    const r = await cli('summary', fixture(name));
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toMatch(new RegExp(`\nTotal params: ${t.total}\nTrainable params: ${t.trainable}\nNon-trainable params: ${t.nonTrainable}\n_+\n$`));
  });

  it.each(FIXTURES)('%s --json gives the same totals as numbers, the format, and no weights', async (name) => {
    const t = TOTALS[name]!;
    const r = await cli('summary', fixture(name), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    const n = (s: string): number => Number(s.replace(/,/g, ''));
    expect(j).toMatchObject({ file: fixture(name), format: t.format, hasWeights: false, totalParams: n(t.total), trainableParams: n(t.trainable), nonTrainableParams: n(t.nonTrainable) });
  });

  it('a Keras Sequential config prints the Sequential layout, a functional one the "Connected to" column', async () => {
    const seq = (await cli('summary', fixture('mnist_convnet'))).out.split('\n');
    expect(seq[0]).toBe('Model: "mnist_convnet"');
    expect(seq[2]).toBe('Layer (type)                 Output Shape              Param #');
    expect(seq[4]).toBe('conv2d (Conv2D)              (None, 26, 26, 32)        320');
    expect(seq.every((l) => l.length <= 65)).toBe(true);
    const fn = (await cli('summary', fixture('mnist_residual'))).out.split('\n');
    expect(fn[2]).toBe('Layer (type)                    Output Shape         Param #     Connected to');
    expect(fn).toContain('input_layer (InputLayer)        [(None, 28, 28, 1)]  0');
  });

  it('--json rows carry shapes with null for the batch', async () => {
    const j = JSON.parse((await cli('summary', fixture('vgg16'), '--json')).out) as { sequential: boolean; rows: { name: string; outputShape: unknown; params: number }[] };
    expect(j.sequential).toBe(false);
    const fc1 = j.rows.find((r) => r.name === 'fc1')!;
    expect(fc1).toMatchObject({ outputShape: [null, 4096], params: 102_764_544 });
  });

  it('--line-length sets the width', async () => {
    const lines = (await cli('summary', fixture('mnist_convnet'), '--line-length', '80')).out.split('\n');
    expect(lines[1]).toBe('_'.repeat(80));
    expect(lines[3]).toBe('='.repeat(80));
    expect((await cli('summary', fixture('mnist_convnet'), '--line-length', 'wide')).code).toBe(2);
  });

  it('a Keras topology is opened without drawing its weights', async () => {
    const { model, hasWeights } = await openModel(fixture('vgg16'));
    expect(hasWeights).toBe(false);
    expect(model.weights.length).toBe(32);
    expect(model.weights.some((v) => v.initialized)).toBe(false);
  });
});

describe('tinyconv summary on tinyconv models', () => {
  const model = (): Sequential =>
    new Sequential({
      name: 'tiny',
      layers: [
        new Conv2D({ name: 'c', filters: 3, kernel_size: 3, input_shape: [5, 5, 2] }),
        new BatchNormalization({ name: 'bn' }),
        new Flatten({ name: 'f' }),
        new Dense({ name: 'd', units: 4 }),
      ],
    });
  // c: 3*3*2*3 + 3 = 57; bn: 4*3 = 12 (6 non-trainable); d: 27*4 + 4 = 112. Total 181.
  const totals = '\nTotal params: 181\nTrainable params: 175\nNon-trainable params: 6\n';

  it('reads a single file and a manifest by content, whatever their names', async () => {
    const dir = tempDir('summary');
    await saveModel(model(), join(dir, 'tiny.tcm'));
    await saveModel(model(), join(dir, 'tiny.json')); // manifest + tiny.bin
    copyFileSync(join(dir, 'tiny.tcm'), join(dir, 'single.json'));
    copyFileSync(join(dir, 'tiny.json'), join(dir, 'manifest.txt')); // the manifest names tiny.bin itself
    for (const [file, format] of [['tiny.tcm', 'tinyconv'], ['single.json', 'tinyconv'], ['tiny.json', 'tinyconv-manifest'], ['manifest.txt', 'tinyconv-manifest']]) {
      const r = await cli('summary', join(dir, file!));
      expect([r.code, r.err]).toEqual([0, '']);
      expect(r.out).toContain('Model: "tiny"');
      expect(r.out).toContain('bn (BatchNormalization)');
      expect(r.out).toContain(totals);
      const j = JSON.parse((await cli('summary', join(dir, file!), '--json')).out) as Record<string, unknown>;
      expect(j).toMatchObject({ format, hasWeights: true, totalParams: 181 });
    }
  });
});

describe('tinyconv summary errors', () => {
  const dir = tempDir('summary-errors');
  const write = (name: string, content: string | Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  it('a missing file exits 1 naming it', async () => {
    const p = join(dir, 'nope.tcm');
    expect(await cli('summary', p)).toEqual({ code: 1, out: '', err: `tinyconv summary: [E_IO] cannot read model file ${p}: no such file or directory\n` });
    expect((await cli('summary', dir)).err).toBe(`tinyconv summary: [E_IO] cannot read model file ${dir}: it is not a regular file\n`);
  });

  it('unknown formats exit 1 with E_FORMAT and the formats it reads', async () => {
    for (const p of [write('random.bin', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])), write('package.json', '{"name": "x", "version": "1.0.0"}')]) {
      const r = await cli('summary', p);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`^tinyconv summary: \\[E_FORMAT\\] ${p.replace(/[.]/g, '\\.')} is .*; it reads: tinyconv model file; tinyconv manifest and blob; .*Keras model config`));
    }
    expect((await cli('summary', write('package2.json', '{"name": "x"}'))).err).toContain('top-level keys: name');
    expect((await cli('summary', write('empty.tcm', ''))).err).toContain('is empty, not a model');
    expect((await cli('summary', write('broken.json', '{"class_name": "Sequential", '))).err).toMatch(/\[E_FORMAT\] .*broken\.json starts like JSON but cannot be parsed/);
  });

  it('files of other known kinds say what they are', async () => {
    const npy = await cli('summary', write('x.npy', encodeNpy(new Float32Array(4), [2, 2])));
    expect([npy.code, npy.err]).toEqual([1, `tinyconv summary: [E_FORMAT] ${join(dir, 'x.npy')} is a NumPy .npy array, not a model\n`]);
    const h5 = await cli('summary', write('m.h5', new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0])));
    expect(h5.err).toContain('[E_UNSUPPORTED]');
    expect(h5.err).toContain('is a Keras HDF5 file');
  });

  it('a Keras config the reader rejects names the file and the layer', async () => {
    const p = write('bad_layer.json', JSON.stringify({ class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'LSTM', config: { name: 'lstm', batch_input_shape: [null, 4, 3] } }] } }));
    const r = await cli('summary', p);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^tinyconv summary: \\[E_CONFIG\\] ${p.replace(/[.]/g, '\\.')}: layer lstm: unknown layer class "LSTM"`));
  });
});
