import { describe, expect, it } from 'vitest';
import type { ModelArtifacts } from '../../src/io/artifacts.js';
import { crc32, crc32Hex } from '../../src/io/checksum.js';
import { decodeModel, decodeModelFile, encodeModel, encodeModelFile } from '../../src/io/format.js';
import { halfToFloat, floatToHalf } from '../../src/io/float16.js';
import type { ChannelQuantization, TensorQuantization } from '../../src/io/quantize.js';
import { SPECIAL_VALUES, assembleFile, bits, edgeModel, thrown, tinyModel } from './fixtures.js';

const byName = (a: ModelArtifacts, name: string) => a.weights.find((w) => w.name === name)!;
const entry = (m: ReturnType<typeof encodeModel>['manifest'], name: string) => m.weights.find((w) => w.name === name)!;

function expectSameModel(actual: ModelArtifacts, expected: ModelArtifacts): void {
  expect(actual.graph).toEqual(expected.graph);
  expect(actual.inputs).toEqual(expected.inputs);
  expect(actual.outputs).toEqual(expected.outputs);
  expect(actual.metadata).toEqual(expected.metadata);
  expect(actual.weights.map((w) => [w.name, w.shape])).toEqual(expected.weights.map((w) => [w.name, w.shape]));
}

describe('float32 round trip', () => {
  it('is bit-exact through the two-file form, -0 and subnormals included', () => {
    const a = edgeModel();
    const { manifest, blob } = encodeModel(a);
    const b = decodeModel(JSON.stringify(manifest), blob);
    expectSameModel(b, a);
    a.weights.forEach((w, i) => expect(bits(b.weights[i]!.data), w.name).toEqual(bits(w.data)));
    const special = byName(b, 'special/values').data;
    expect(Object.is(special[1], -0)).toBe(true);
    expect(special[5]).toBe(2 ** -149);
    expect(bits(special)).toEqual(bits(Float32Array.from(SPECIAL_VALUES)));
  });

  it('is bit-exact through the single file', () => {
    const a = edgeModel();
    const b = decodeModelFile(encodeModelFile(a));
    expectSameModel(b, a);
    a.weights.forEach((w, i) => expect(bits(b.weights[i]!.data), w.name).toEqual(bits(w.data)));
  });

  it('encode -> decode -> encode gives identical bytes', () => {
    const a = edgeModel();
    const first = encodeModel(a);
    const again = encodeModel(decodeModel(first.manifest, first.blob));
    expect(JSON.stringify(again.manifest)).toBe(JSON.stringify(first.manifest));
    expect(again.blob).toEqual(first.blob);
    const file = encodeModelFile(a);
    expect(encodeModelFile(decodeModelFile(file))).toEqual(file);
  });

  it('float16 and uint8 storage re-encode to identical bytes as well', () => {
    const h = encodeModelFile(tinyModel(), { quantize: 'float16' });
    expect(encodeModelFile(decodeModelFile(h), { quantize: 'float16' })).toEqual(h);
  });
});

describe('layout', () => {
  it('starts every weight on a 16-byte boundary, in order, with zero padding, and checksums the blob', () => {
    const { manifest, blob } = encodeModel(edgeModel(), { quantize: 'float16', dtypes: { 'special/values': 'float32' } });
    let end = 0;
    for (const w of manifest.weights) {
      expect(w.offset % 16, w.name).toBe(0);
      expect(w.offset).toBeGreaterThanOrEqual(end);
      expect(w.offset - end).toBeLessThan(16);
      for (let i = end; i < w.offset; i++) expect(blob[i]).toBe(0);
      end = w.offset + w.length;
    }
    expect(manifest.blob.length).toBe(Math.ceil(end / 16) * 16);
    expect(blob.length).toBe(manifest.blob.length);
    expect(manifest.blob.checksum).toEqual({ algorithm: 'crc32', value: crc32Hex(crc32(blob)) });
    expect(manifest.format).toBe('tinyconv');
    expect(manifest.version).toBe(1);
  });

  it('writes the single-file header byte by byte as documented', () => {
    const a = tinyModel();
    const file = encodeModelFile(a);
    const { manifest, blob } = encodeModel(a);
    const json = new TextEncoder().encode(JSON.stringify(manifest));
    expect(Array.from(file.subarray(0, 8))).toEqual([0x89, 0x54, 0x43, 0x56, 0x0d, 0x0a, 0x1a, 0x0a]);
    const v = new DataView(file.buffer, file.byteOffset);
    expect(v.getUint32(8, true)).toBe(1);
    expect(v.getUint32(12, true)).toBe(json.length);
    expect(v.getUint32(16, true)).toBe(crc32(json));
    expect(file.subarray(20, 20 + json.length)).toEqual(json);
    const blobStart = Math.ceil((20 + json.length) / 16) * 16;
    expect(file.length).toBe(blobStart + blob.length);
    expect(file.subarray(blobStart)).toEqual(blob);
    // An independent assembler following docs/format.md produces the same bytes.
    expect(assembleFile(json, blob)).toEqual(file);
  });

  it('stores an empty weight with length 0 and a scalar with shape []', () => {
    const { manifest } = encodeModel(edgeModel());
    expect(entry(manifest, 'empty/kernel')).toMatchObject({ shape: [0, 3], length: 0 });
    expect(entry(manifest, 'scalar/value')).toMatchObject({ shape: [], length: 4 });
  });
});

describe('float16 storage', () => {
  it('stores kernels as float16 within half an ulp, and keeps biases and batch-norm statistics float32', () => {
    const a = tinyModel();
    const { manifest, blob } = encodeModel(a, { quantize: 'float16' });
    const b = decodeModel(manifest, blob);
    for (const w of a.weights) {
      const e = entry(manifest, w.name);
      const got = byName(b, w.name).data;
      if (/kernel$/.test(w.name)) {
        expect(e.dtype, w.name).toBe('float16');
        expect(e.length).toBe(w.data.length * 2);
        w.data.forEach((x, i) => {
          expect(got[i]).toBe(halfToFloat(floatToHalf(x)));
          expect(Math.abs(got[i]! - x)).toBeLessThanOrEqual(Math.max(Math.abs(x) * 2 ** -11, 2 ** -25));
        });
      } else {
        expect(e.dtype, w.name).toBe('float32');
        expect(bits(got)).toEqual(bits(w.data));
      }
    }
  });

  it('refuses values beyond the float16 range at save, naming the weight (E_VALUE)', () => {
    const a = tinyModel();
    byName(a, 'dense/kernel').data[17] = 70000;
    const err = thrown(() => encodeModel(a, { quantize: 'float16' }));
    expect(err.code).toBe('E_VALUE');
    expect(err.message).toContain('"dense/kernel"');
    expect(err.message).toContain('70000');
    expect(err.message).toContain('index 17');
    // 65519 rounds to the largest half and is accepted.
    byName(a, 'dense/kernel').data[17] = 65519;
    const b = decodeModel(...Object.values(encodeModel(a, { quantize: 'float16' })) as [never, Uint8Array]);
    expect(byName(b, 'dense/kernel').data[17]).toBe(65504);
  });
});

describe('uint8 storage', () => {
  it('per tensor: error <= scale / 2 and zero point in range', () => {
    const a = tinyModel();
    const { manifest, blob } = encodeModel(a, { quantize: 'uint8' });
    const b = decodeModel(manifest, blob);
    for (const name of ['conv/kernel', 'dense/kernel']) {
      const e = entry(manifest, name);
      expect(e.dtype).toBe('uint8');
      expect(e.length).toBe(byName(a, name).data.length);
      const { scale, zeroPoint } = e.quantization as TensorQuantization;
      expect(Number.isInteger(zeroPoint) && zeroPoint >= 0 && zeroPoint <= 255).toBe(true);
      const x = byName(a, name).data, y = byName(b, name).data;
      let worst = 0;
      x.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - y[i]!))));
      expect(worst).toBeLessThanOrEqual(scale / 2 * (1 + 1e-6));
      expect(worst).toBeGreaterThan(scale / 100); // it really is quantized
    }
    expect(entry(manifest, 'conv/bias').dtype).toBe('float32');
    expect(entry(manifest, 'bn/moving_variance').dtype).toBe('float32');
  });

  it('per channel: one scale per output channel (last axis), each within its own bound', () => {
    const a = tinyModel();
    // Channel 2 of the conv kernel is 100x larger than the others.
    const k = byName(a, 'conv/kernel').data;
    for (let i = 2; i < k.length; i += 4) k[i]! *= 100;
    const { manifest, blob } = encodeModel(a, { quantize: 'uint8', perChannel: true });
    const q = entry(manifest, 'conv/kernel').quantization as ChannelQuantization;
    expect(q.axis).toBe(3);
    expect(q.scale).toHaveLength(4);
    const y = byName(decodeModel(manifest, blob), 'conv/kernel').data;
    for (let i = 0; i < k.length; i++) expect(Math.abs(k[i]! - y[i]!)).toBeLessThanOrEqual(q.scale[i % 4]! / 2 * (1 + 1e-6));
    expect(q.scale[0]!).toBeLessThan(q.scale[2]! / 20);
  });

  it('exclude and dtypes choose the storage of each weight', () => {
    const a = tinyModel();
    const all = encodeModel(a, { quantize: 'uint8', exclude: [] }).manifest;
    expect(all.weights.every((w) => w.dtype === 'uint8')).toBe(true);
    const some = encodeModel(a, { quantize: 'uint8', exclude: [/^dense\//, 'gamma'] }).manifest;
    expect(some.weights.map((w) => [w.name, w.dtype])).toEqual([
      ['conv/kernel', 'uint8'], ['conv/bias', 'uint8'], ['bn/gamma', 'float32'], ['bn/beta', 'uint8'],
      ['bn/moving_mean', 'uint8'], ['bn/moving_variance', 'uint8'], ['dense/kernel', 'float32'], ['dense/bias', 'float32'],
    ]);
    const explicit = encodeModel(a, { quantize: 'float16', dtypes: { 'conv/kernel': 'uint8', 'dense/kernel': 'float32' } }).manifest;
    expect(entry(explicit, 'conv/kernel').dtype).toBe('uint8');
    expect(entry(explicit, 'dense/kernel').dtype).toBe('float32');
    expect(entry(explicit, 'conv/bias').dtype).toBe('float32');
  });
});

describe('decoding inputs', () => {
  it('takes the manifest as text, bytes or object, and returns weights detached from the blob', () => {
    const a = tinyModel();
    const { manifest, blob } = encodeModel(a);
    const text = JSON.stringify(manifest);
    for (const m of [text, new TextEncoder().encode(text), manifest, JSON.parse(text)]) {
      const b = decodeModel(m, blob.slice());
      expect(bits(b.weights[0]!.data)).toEqual(bits(a.weights[0]!.data));
    }
    const copy = blob.slice();
    const b = decodeModel(manifest, copy.buffer);
    copy.fill(0);
    expect(bits(b.weights[0]!.data)).toEqual(bits(a.weights[0]!.data));
  });

  it('decodes a Node Buffer that sits at an odd offset of a shared pool', () => {
    const file = encodeModelFile(tinyModel());
    const pooled = Buffer.concat([Buffer.from([1, 2, 3]), Buffer.from(file)]).subarray(3);
    expect(pooled.byteOffset % 4).not.toBe(0);
    const b = decodeModelFile(pooled);
    expect(bits(b.weights[6]!.data)).toEqual(bits(tinyModel().weights[6]!.data));
  });
});

describe('encode validates its input', () => {
  const cases: [string, (a: ModelArtifacts) => unknown, string, string][] = [
    ['a NaN weight', (a) => { a.weights[1]!.data[2] = NaN; }, 'E_VALUE', '"conv/bias" holds NaN at flat index 2'],
    ['an infinite weight', (a) => { a.weights[0]!.data[0] = -Infinity; }, 'E_VALUE', '-Infinity'],
    ['data not filling the shape', (a) => { a.weights[1]!.shape = [5]; }, 'E_SHAPE', '"conv/bias" has 4 values, its shape [5] holds 5'],
    ['a negative dimension', (a) => { a.weights[1]!.shape = [-4]; }, 'E_SHAPE', 'artifacts.weights[1].shape[0]'],
    ['duplicate names', (a) => { a.weights[1]!.name = 'conv/kernel'; }, 'E_ARG', 'two weights are named "conv/kernel"'],
    ['a Float64Array', (a) => { (a.weights[1] as { data: unknown }).data = new Float64Array(4); }, 'E_ARG', 'artifacts.weights[1].data must be a Float32Array'],
    ['metadata that JSON cannot hold', (a) => { a.metadata = { when: new Date() }; }, 'E_ARG', 'artifacts.metadata.when'],
    ['NaN in a layer config', (a) => { a.graph.layers[1]!.config.rate = NaN; }, 'E_ARG', 'artifacts.graph.layers[1].config.rate'],
    ['a layer without inbound', (a) => { delete (a.graph.layers[2] as Partial<ModelArtifacts['graph']['layers'][number]>).inbound; }, 'E_ARG', 'artifacts.graph.layers[2].inbound is missing'],
    ['an unknown layout', (a) => { (a.inputs![0] as { layout: string }).layout = 'HWC'; }, 'E_ARG', 'artifacts.inputs[0].layout'],
  ];
  it.each(cases)('rejects %s', (_what, mutate, code, text) => {
    const a = tinyModel();
    mutate(a);
    const err = thrown(() => encodeModel(a));
    expect(err.code).toBe(code);
    expect(err.message).toContain(text);
  });

  it('rejects bad options, naming them', () => {
    const a = tinyModel();
    const check = (o: unknown, code: string, text: string): void => {
      const err = thrown(() => encodeModel(a, o as never));
      expect(err.code).toBe(code);
      expect(err.message).toContain(text);
    };
    check({ quantize: 'int4' }, 'E_ARG', 'options.quantize');
    check({ quantise: 'uint8' }, 'E_ARG', 'unknown field "quantise"');
    check({ dtypes: { 'conv/kernal': 'uint8' } }, 'E_ARG', '"conv/kernal", which is not a weight');
    check({ exclude: [3] }, 'E_ARG', 'options.exclude[0]');
    check({ blobPath: '../model.bin' }, 'E_ARG', 'options.blobPath');
    expect(thrown(() => encodeModelFile(a, { blobPath: 'x.bin' })).code).toBe('E_ARG');
  });
});
