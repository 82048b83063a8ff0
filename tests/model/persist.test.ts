import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/core/tensor.js';
import { TinyconvError } from '../../src/core/errors.js';
import { BatchNormalization, Conv2D, Dense, Flatten, MaxPooling2D, Sequential, loadModel, saveModel } from '../../src/model/index.js';
import { randn, randomizeWeights } from './helpers.js';

function smallCnn(): Sequential {
  const m = new Sequential({
    name: 'small_cnn',
    layers: [
      new Conv2D({ filters: 4, kernel_size: 3, activation: 'relu', input_shape: [8, 8, 3] }),
      new BatchNormalization(),
      new MaxPooling2D({ pool_size: 2 }),
      new Flatten(),
      new Dense({ units: 5, activation: 'softmax' }),
    ],
  });
  randomizeWeights(m);
  m.metadata = { source: 'tests', licence: 'MIT' };
  m.ioSpecs.outputs.set(m.layers[m.layers.length - 1]!.name, { name: 'x', shape: [null, 5], layout: 'NC', labels: ['a', 'b', 'c', 'd', 'e'] });
  return m;
}

describe('saveModel / loadModel', () => {
  const x = Tensor.from(randn(2 * 8 * 8 * 3, 3), [2, 8, 8, 3]);

  it('round-trips through bytes: same predictions bit for bit, metadata and labels kept', async () => {
    const m = smallCnn();
    const bytes = await saveModel(m, 'bytes');
    const back = await loadModel(bytes);
    expect([...back.predict(x).dataSync()]).toEqual([...m.predict(x).dataSync()]);
    expect(back.metadata).toEqual({ source: 'tests', licence: 'MIT' });
    expect([...back.ioSpecs.outputs.values()][0]!.labels).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(back.countParams()).toBe(m.countParams());
  });

  it('round-trips through a single file and through manifest + blob', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinyconv-persist-'));
    const m = smallCnn();
    const want = [...m.predict(x).dataSync()];
    await saveModel(m, join(dir, 'm.tcm'));
    await saveModel(m, join(dir, 'm.json'));
    expect([...(await loadModel(join(dir, 'm.tcm'))).predict(x).dataSync()]).toEqual(want);
    expect([...(await loadModel(join(dir, 'm.json'))).predict(x).dataSync()]).toEqual(want);
  });

  it('float16 storage stays within half-precision error of the float32 model', async () => {
    const m = smallCnn();
    const back = await loadModel(await saveModel(m, 'bytes', { quantize: 'float16' }));
    const a = back.predict(x).dataSync(), e = m.predict(x).dataSync();
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - e[i]!)).toBeLessThan(5e-3);
  });

  it('a corrupted file or a weight that disagrees with its layer gives a TinyconvError, not a model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinyconv-persist-'));
    const m = smallCnn();
    const bytes = await saveModel(m, 'bytes');
    const bad = bytes.slice();
    bad[bad.length - 3]! ^= 0xff;
    await expect(loadModel(bad)).rejects.toMatchObject({ code: 'E_CHECKSUM' });

    // A valid file whose dense kernel no longer fits the layer (the graph says 5 units).
    await saveModel(m, join(dir, 'm.json'));
    const manifest = JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8'));
    const w = manifest.weights.find((e: { name: string; shape: number[] }) => e.name.endsWith('/bias') && e.shape[0] === 5);
    w.shape = [1, 5];
    writeFileSync(join(dir, 'm.json'), JSON.stringify(manifest));
    const err = await loadModel(join(dir, 'm.json')).catch((e) => e);
    expect(err).toBeInstanceOf(TinyconvError);
    expect(err.code).toBe('E_SHAPE');
    expect(err.message).toMatch(/m\.json/);
    expect(err.message).toMatch(/bias/);
  });
});
