import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bindInputs, bindOutputs, suffixed } from '../../src/cli/bindings.js';
import { UsageError } from '../../src/cli/command.js';
import { BACKENDS } from '../../src/cli/backends.js';
import { toJson } from '../../src/cli/json.js';
import {
  Add, BatchNormalization, Conv2D, Dense, Flatten, Input, MaxPooling2D, Model, Sequential, Tensor, decodeNpy, encodeNpy, saveModel,
} from '../../src/index.js';
import { randn, randomizeWeights } from '../model/helpers.js';
import { BUILT, requireBuilt } from '../util/built.js';
import { KERAS_FIXTURES, bits, cli, tempDir } from './helpers.js';

/** A small CNN with every kind of layer a classifier has, and seeded random weights. */
function smallCnn(): Sequential {
  const m = new Sequential({
    name: 'small_cnn',
    layers: [
      new Conv2D({ name: 'conv', filters: 4, kernel_size: 3, activation: 'relu', input_shape: [8, 8, 3] }),
      new BatchNormalization({ name: 'bn' }),
      new MaxPooling2D({ name: 'pool', pool_size: 2 }),
      new Flatten({ name: 'flat' }),
      new Dense({ name: 'probs', units: 5, activation: 'softmax' }),
    ],
  });
  randomizeWeights(m, 11);
  return m;
}

/** Two inputs, two outputs: their sum, and a dense layer on it. */
function twoByTwo(): Model {
  const left = Input({ shape: [3], name: 'left' });
  const right = Input({ shape: [3], name: 'right' });
  const sum = new Add({ name: 'sum' }).apply([left, right]);
  const head = new Dense({ name: 'head', units: 2 }).apply(sum);
  const m = new Model({ name: 'two_by_two', inputs: [left, right], outputs: [sum, head] });
  randomizeWeights(m, 5);
  return m;
}

const readNpy = (p: string): { data: Float32Array; shape: number[] } => decodeNpy(readFileSync(p));

describe('tinyconv run', () => {
  const dir = tempDir('run');
  const model = smallCnn();
  const modelFile = join(dir, 'small.tcm');
  const x = randn(3 * 8 * 8 * 3, 21);
  const xFile = join(dir, 'x.npy');
  writeFileSync(xFile, encodeNpy(x, [3, 8, 8, 3]));
  const expected = model.predict(Tensor.from(x, [3, 8, 8, 3])).dataSync();
  const saved = saveModel(model, modelFile);

  it('writes the output .npy, bit for bit what model.predict gives, and reports it', async () => {
    await saved;
    const yFile = join(dir, 'y.npy');
    const r = await cli('run', modelFile, '--input', xFile, '--output', yFile);
    expect([r.code, r.err]).toEqual([0, '']);
    const y = readNpy(yFile);
    expect(y.shape).toEqual([3, 5]);
    expect(bits(y.data)).toEqual(bits(expected));
    const lines = r.out.split('\n');
    // conv 3*3*3*4 + 4 = 112, bn 4*4 = 16, probs (3*3*4)*5 + 5 = 185
    expect(lines[0]).toBe('model small_cnn (tinyconv model file, 313 parameters) on backend reference');
    expect(lines[1]).toBe(`input   conv_input  [3, 8, 8, 3]  from ${xFile}`);
    expect(lines[2]).toMatch(new RegExp(`^output  probs       \\[3, 5\\]  min [0-9.e-]+  max [0-9.e-]+  mean 0\\.2  -> ${yFile.replace(/\./g, '\\.')}$`));
    expect(lines[3]).toMatch(/^time    load [0-9.]+ ms, predict [0-9.]+ ms \(3 samples in one batch\)$/);
  });

  it('--batch-size splits the batch with the same bits; --backend reference is the default', async () => {
    await saved;
    const yFile = join(dir, 'y_b1.npy');
    const r = await cli('run', modelFile, '-i', xFile, '-o', yFile, '--batch-size', '2', '--backend', 'reference');
    expect(r.code).toBe(0);
    expect(r.out).toContain('(3 samples in batches of 2)');
    expect(bits(readNpy(yFile).data)).toEqual(bits(expected));
  });

  it('--json: shapes, statistics, values of small outputs and timings; no file without --output', async () => {
    await saved;
    const before = readdirSync(dir).sort();
    const r = await cli('run', modelFile, '--input', xFile, '--json');
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(before);
    const j = JSON.parse(r.out) as {
      model: string; format: string; backend: string; batchSize: number | null;
      inputs: { name: string; file: string; shape: number[] }[];
      outputs: { name: string; shape: number[]; file: string | null; min: number; max: number; mean: number; nonFinite: number; values: number[][] }[];
      timing: { loadMs: number; predictMs: number };
    };
    expect(j).toMatchObject({ model: 'small_cnn', format: 'tinyconv', backend: 'reference', batchSize: null });
    expect(j.inputs).toEqual([{ name: 'conv_input', file: xFile, shape: [3, 8, 8, 3] }]);
    const [out] = j.outputs;
    expect(out).toMatchObject({ name: 'probs', shape: [3, 5], file: null, nonFinite: 0 });
    expect(out!.values.flat()).toEqual(Array.from(expected)); // float32 values survive JSON exactly
    expect(out!.min).toBe(Math.min(...expected));
    expect(out!.max).toBe(Math.max(...expected));
    expect(out!.mean).toBeCloseTo(expected.reduce((a, v) => a + v, 0) / expected.length, 12);
    expect(j.timing.loadMs).toBeGreaterThan(0);
    expect(j.timing.predictMs).toBeGreaterThan(0);
  });

  it('large outputs are summarized without their values in --json', async () => {
    const m = new Sequential({ name: 'wide', layers: [new Dense({ units: 101, input_shape: [2] })] });
    const file = join(dir, 'wide.tcm');
    await saveModel(m, file);
    const xf = join(dir, 'x2.npy');
    writeFileSync(xf, encodeNpy(new Float32Array([1, 2]), [1, 2]));
    const j = JSON.parse((await cli('run', file, '-i', xf, '--json')).out) as { outputs: Record<string, unknown>[] };
    expect(j.outputs[0]!.shape).toEqual([1, 101]);
    expect('values' in j.outputs[0]!).toBe(false);
  });

  it('reads the manifest form too', async () => {
    const manifest = join(dir, 'small.json');
    await saveModel(model, manifest);
    const yFile = join(dir, 'y_manifest.npy');
    expect((await cli('run', manifest, '-i', xFile, '-o', yFile)).code).toBe(0);
    expect(bits(readNpy(yFile).data)).toEqual(bits(expected));
  });

  describe('several inputs and outputs', () => {
    const m = twoByTwo();
    const file = join(dir, 'two.tcm');
    const a = new Float32Array([1, 2, 3, 4, 5, 6]), b = new Float32Array([0.5, -1, 8, 0.25, 0, -6]);
    const aFile = join(dir, 'a.npy'), bFile = join(dir, 'b.npy');
    writeFileSync(aFile, encodeNpy(a, [2, 3]));
    writeFileSync(bFile, encodeNpy(b, [2, 3]));
    const [sum, head] = m.predictAll([Tensor.from(a, [2, 3]), Tensor.from(b, [2, 3])]).map((t) => t.dataSync());
    const saved2 = saveModel(m, file);

    it('binds inputs by name or in order, and one --output path is suffixed per output', async () => {
      await saved2;
      const out = join(dir, 'o.npy');
      const r = await cli('run', file, '--input', `right=${bFile}`, '--input', aFile, '--output', out);
      expect([r.code, r.err]).toEqual([0, '']);
      expect(r.out).toContain(`input   left   [2, 3]  from ${aFile}\ninput   right  [2, 3]  from ${bFile}\n`);
      const s = readNpy(join(dir, 'o.sum.npy')), h = readNpy(join(dir, 'o.head.npy'));
      expect([s.shape, h.shape]).toEqual([[2, 3], [2, 2]]);
      expect(Array.from(s.data)).toEqual([1.5, 1, 11, 4.25, 5, 0]); // a + b, by hand
      expect(bits(s.data)).toEqual(bits(sum!));
      expect(bits(h.data)).toEqual(bits(head!));
    });

    it('one --output per output in order, or name=path for some', async () => {
      await saved2;
      const [p1, p2, p3] = ['first.npy', 'second.npy', 'only_head.npy'].map((f) => join(dir, f));
      expect((await cli('run', file, '-i', aFile, '-i', bFile, '-o', p1!, '-o', p2!)).code).toBe(0);
      expect(bits(readNpy(p1!).data)).toEqual(bits(sum!));
      expect(bits(readNpy(p2!).data)).toEqual(bits(head!));
      const r = await cli('run', file, '-i', aFile, '-i', bFile, '-o', `head=${p3}`);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/output  sum .*mean [0-9.]+\n/); // not written: no arrow
      expect(bits(readNpy(p3!).data)).toEqual(bits(head!));
    });

    it('input and output binding mistakes are usage errors naming the inputs', async () => {
      await saved2;
      const cases: [string[], string][] = [
        [['-i', aFile], `no --input for right; the model's inputs, in order: left, right`],
        [['-i', aFile, '-i', bFile, '-i', aFile], '3 --input values for a model with 2 inputs (left, right)'],
        [['-i', `lfet=${aFile}`, '-i', bFile], `the model has no input named "lfet"; its inputs: left, right`],
        [['-i', `left=${aFile}`, '-i', `left=${bFile}`], 'input left is given twice'],
        [[], "give the model's 2 inputs as .npy files"],
        [['-i', aFile, '-i', bFile, '-o', 'x.npy', '-o', 'y.npy', '-o', 'z.npy'], '3 --output paths for 2 outputs (sum, head)'],
        [['-i', aFile, '-i', bFile, '-o', 'same.npy', '-o', 'head=same.npy'], 'outputs head and sum would both be written to same.npy'],
      ];
      for (const [args, message] of cases) {
        const r = await cli('run', file, ...args);
        expect([r.code, r.err]).toEqual([2, expect.stringContaining(message)]);
        expect(r.err).toMatch(/\nRun 'tinyconv help run' for usage\.\n$/);
      }
    });
  });

  describe('errors', () => {
    it('a missing model or input file exits 1 with E_IO naming it', async () => {
      await saved;
      const nope = join(dir, 'nope.tcm');
      expect(await cli('run', nope, '-i', xFile)).toEqual({ code: 1, out: '', err: `tinyconv run: [E_IO] cannot read model file ${nope}: no such file or directory\n` });
      const noInput = join(dir, 'missing.npy');
      expect((await cli('run', modelFile, '-i', noInput)).err).toBe(`tinyconv run: [E_IO] cannot read input conv_input file ${noInput}: no such file or directory\n`);
    });

    it('a file that is not .npy exits 1 with E_FORMAT naming the input and the file', async () => {
      await saved;
      const bad = join(dir, 'bad.npy');
      writeFileSync(bad, 'not numpy at all');
      expect(await cli('run', modelFile, '-i', bad)).toEqual({ code: 1, out: '', err: `tinyconv run: [E_FORMAT] input conv_input (${bad}): .npy: missing the \\x93NUMPY magic\n` });
      const short = join(dir, 'short.npy');
      const full = encodeNpy(new Float32Array(8), [8]);
      writeFileSync(short, full.subarray(0, full.length - 16)); // half the data bytes
      expect((await cli('run', modelFile, '-i', short)).err).toMatch(/\[E_FORMAT\] input conv_input \(.*short\.npy\): \.npy: expected 32 data bytes/);
    });

    it('inputs of the wrong shape exit 1 with E_SHAPE naming the input', async () => {
      await saved;
      const write = (name: string, shape: number[]): string => {
        const p = join(dir, name);
        writeFileSync(p, encodeNpy(new Float32Array(shape.reduce((a, d) => a * d, 1)), shape));
        return p;
      };
      const noBatch = write('nobatch.npy', [8, 8, 3]);
      expect((await cli('run', modelFile, '-i', noBatch)).err).toBe(
        `tinyconv run: [E_SHAPE] input conv_input (${noBatch}): expected rank 4, shape (None, 8, 8, 3), got shape [8, 8, 3]; it looks like one sample without the batch dimension: save it with shape (1, 8, 8, 3)\n`,
      );
      const wrongC = write('wrongc.npy', [2, 8, 8, 4]);
      const r = await cli('run', modelFile, '-i', wrongC);
      expect([r.code, r.err]).toEqual([1, `tinyconv run: [E_SHAPE] input conv_input (${wrongC}): dimension 3 is 4, expected 3 (shape (None, 8, 8, 3)), got shape [2, 8, 8, 4]\n`]);
      const rank2 = write('rank2.npy', [2, 192]);
      expect((await cli('run', modelFile, '-i', rank2)).err).toContain('expected rank 4, shape (None, 8, 8, 3), got shape [2, 192]\n');
      const empty = write('empty.npy', [0, 8, 8, 3]);
      expect((await cli('run', modelFile, '-i', empty)).err).toContain('the batch is empty');
    });

    it('inputs with different batch sizes exit 1', async () => {
      await saved;
      const m = twoByTwo();
      const file = join(dir, 'two_b.tcm');
      await saveModel(m, file);
      const p1 = join(dir, 'b1.npy'), p2 = join(dir, 'b2.npy');
      writeFileSync(p1, encodeNpy(new Float32Array(3), [1, 3]));
      writeFileSync(p2, encodeNpy(new Float32Array(6), [2, 3]));
      const r = await cli('run', file, '-i', p1, '-i', p2);
      expect([r.code, r.err]).toEqual([1, 'tinyconv run: [E_SHAPE] the inputs have different batch sizes: left 1, right 2\n']);
    });

    it('an unknown backend is a usage error listing the available ones, before anything loads', async () => {
      const r = await cli('run', join(dir, 'does-not-exist.tcm'), '-i', xFile, '--backend', 'tpu');
      const names = BACKENDS.map((b) => b.name).join(', ');
      expect(r).toEqual({ code: 2, out: '', err: `tinyconv run: unknown backend "tpu"; available: ${names}\nRun 'tinyconv help run' for usage.\n` });
    });

    it('a bad --batch-size is a usage error', async () => {
      for (const v of ['0', '-1', '1.5', 'all']) {
        const r = await cli('run', modelFile, '-i', xFile, `--batch-size=${v}`);
        expect([r.code, r.err.split('\n')[0]]).toEqual([2, `tinyconv run: --batch-size must be a positive integer, got ${JSON.stringify(v)}`]);
      }
    });

    it('a Keras config has no weights to run with', async () => {
      const cfg = join(KERAS_FIXTURES, 'mnist_convnet.json');
      const r = await cli('run', cfg, '-i', xFile);
      expect([r.code, r.err]).toEqual([1, `tinyconv run: [E_UNSUPPORTED] ${cfg} is a Keras model config (Keras 2 or 3): it describes the architecture but carries no weights, so it cannot run; 'tinyconv summary' shows it\n`]);
    });

    it('an output that cannot be written exits 1 with E_IO', async () => {
      await saved;
      const target = join(dir, 'no-such-dir', 'y.npy');
      const r = await cli('run', modelFile, '-i', xFile, '-o', target);
      expect([r.code, r.err]).toEqual([1, `tinyconv run: [E_IO] cannot write output probs file ${target}: no such file or directory\n`]);
      expect(existsSync(target)).toBe(false);
    });
  });
});

describe('run helpers', () => {
  it('bindInputs fills plain paths in model order around named ones', () => {
    expect(bindInputs(['b=1.npy', '2.npy', '3.npy'], ['a', 'b', 'c'])).toEqual([['a', '2.npy'], ['b', '1.npy'], ['c', '3.npy']]);
    // "=" after a path separator belongs to the file name.
    expect(bindInputs(['./x=y.npy'], ['x'])).toEqual([['x', './x=y.npy']]);
    expect(() => bindInputs(['x='], ['x'])).toThrow(UsageError);
  });

  it('bindOutputs: suffixes for one path and several outputs, partial named outputs', () => {
    expect([...bindOutputs(['out.npy'], ['boxes', 'scores/0'])]).toEqual([['boxes', 'out.boxes.npy'], ['scores/0', 'out.scores_0.npy']]);
    expect([...bindOutputs(['out.npy'], ['y'])]).toEqual([['y', 'out.npy']]);
    expect([...bindOutputs(['scores=s.npy'], ['boxes', 'scores'])]).toEqual([['scores', 's.npy']]);
    expect([...bindOutputs([], ['a'])]).toEqual([]);
    expect(suffixed('results', 'y')).toBe('results.y.npy');
  });

  it('toJson keeps arrays of numbers on one line', () => {
    expect(toJson({ a: [1, 2], b: { c: [[1, null], [2, 3]] }, d: [] })).toBe('{\n  "a": [1, 2],\n  "b": {\n    "c": [\n      [1, null],\n      [2, 3]\n    ]\n  },\n  "d": []\n}');
    expect(JSON.parse(toJson({ x: [NaN, 0.1], u: undefined }))).toEqual({ x: [null, 0.1] });
  });
});

describe('the built CLI (bin/tinyconv.js)', () => {
  const exec = promisify(execFile);
  const launcher = fileURLToPath(BUILT.launcher);

  it('summary and run work through dist/cli.js and dist/tinyconv.js', async () => {
    requireBuilt(BUILT.cli, BUILT.bundle);
    const { stdout } = await exec(process.execPath, [launcher, 'summary', join(KERAS_FIXTURES, 'mnist_convnet.json')]);
    expect(stdout).toContain('\nTotal params: 93,322\n');
    const dir = tempDir('built');
    const m = smallCnn();
    await saveModel(m, join(dir, 'm.tcm'));
    const x = randn(8 * 8 * 3, 3);
    writeFileSync(join(dir, 'x.npy'), encodeNpy(x, [1, 8, 8, 3]));
    await exec(process.execPath, [launcher, 'run', join(dir, 'm.tcm'), '-i', join(dir, 'x.npy'), '-o', join(dir, 'y.npy')]);
    expect(bits(readNpy(join(dir, 'y.npy')).data)).toEqual(bits(m.predict(Tensor.from(x, [1, 8, 8, 3])).dataSync()));
    const failed = await exec(process.execPath, [launcher, 'run', join(dir, 'm.tcm'), '-i', join(dir, 'm.tcm')]).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining('[E_FORMAT] input conv_input') });
  });

  it('--backend wasm and wasm-1t agree with the reference within float32 rounding', async () => {
    requireBuilt(BUILT.cli, BUILT.bundle, BUILT.wasm);
    const dir = tempDir('built-wasm');
    const m = smallCnn();
    await saveModel(m, join(dir, 'm.tcm'));
    const x = randn(2 * 8 * 8 * 3, 5);
    writeFileSync(join(dir, 'x.npy'), encodeNpy(x, [2, 8, 8, 3]));
    const want = m.predict(Tensor.from(x, [2, 8, 8, 3])).dataSync();
    for (const backend of ['wasm', 'wasm-1t']) {
      const y = join(dir, `y_${backend}.npy`);
      const { stdout } = await exec(process.execPath, [launcher, 'run', join(dir, 'm.tcm'), '-i', join(dir, 'x.npy'), '-o', y, '--backend', backend]);
      expect(stdout).toMatch(/on backend wasm(-mt)?\n/);
      readNpy(y).data.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-5));
    }
  });
});
