import { describe, expect, it } from 'vitest';
import { crc32, crc32Hex } from '../../src/io/checksum.js';
import { decodeModel, decodeModelFile, encodeModel, encodeModelFile } from '../../src/io/format.js';
import { loadArtifacts } from '../../src/io/load.js';
import type { ModelManifest } from '../../src/io/manifest.js';
import { assembleFile, rejected, thrown, tinyModel } from './fixtures.js';

/**
 * Every way a model can be malformed yields a TinyconvError with the right code and a message that
 * names the field or weight. The base model mixes storage dtypes so each decoder path is reachable.
 */
const base = encodeModel(tinyModel(), { quantize: 'float16', dtypes: { 'conv/kernel': 'uint8', 'bn/gamma': 'uint8' }, perChannel: true });
const file = encodeModelFile(tinyModel());
const json = JSON.stringify(base.manifest);
const fileManifestLength = new DataView(file.buffer).getUint32(12, true);

type Json = Record<string, any>;
const weightIndex = (name: string): number => base.manifest.weights.findIndex((w) => w.name === name);

/** Decodes the base model after `mutate` edits a copy of its manifest (and possibly its blob). */
function decodeMutated(mutate: (m: Json, blob: Uint8Array) => void, fixChecksum = false) {
  const m = JSON.parse(json) as Json;
  const blob = base.blob.slice();
  mutate(m, blob);
  if (fixChecksum) m.blob.checksum.value = crc32Hex(crc32(blob));
  return thrown(() => decodeModel(JSON.stringify(m), blob));
}

function expectError(err: { code: string; message: string }, code: string, ...texts: string[]): void {
  expect(err.code, err.message).toBe(code);
  for (const t of texts) expect(err.message).toContain(t);
}

describe('single file: container', () => {
  const cases: [string, () => Uint8Array, string, string][] = [
    ['an empty file', () => new Uint8Array(0), 'E_FORMAT', 'truncated: 0 bytes, shorter than the 20-byte header'],
    ['a file cut inside the magic', () => file.slice(0, 5), 'E_FORMAT', 'truncated: 5 bytes'],
    ['a file cut inside the header', () => file.slice(0, 19), 'E_FORMAT', 'shorter than the 20-byte header'],
    ['a file cut inside the manifest', () => file.slice(0, 100), 'E_FORMAT', `truncated: the header declares a ${fileManifestLength}-byte manifest, but only 80 bytes`],
    ['a file cut inside the blob', () => file.slice(0, file.length - 100), 'E_FORMAT', `truncated: ${file.length - 100} bytes, but the manifest declares a blob ending at byte ${file.length}`],
    ['a file one byte short', () => file.slice(0, file.length - 1), 'E_FORMAT', 'truncated'],
    ['a trailing byte', () => Uint8Array.from([...file, 0]), 'E_FORMAT', '1 unexpected bytes after the blob'],
    ['bad magic', () => { const f = file.slice(); f[1] = 0x58; return f; }, 'E_FORMAT', 'bad magic bytes 89 58 43 56'],
    ['a PNG', () => Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Uint8Array(40)]), 'E_FORMAT', 'not a tinyconv model file'],
    ['a manifest passed as a file', () => new TextEncoder().encode(json), 'E_FORMAT', 'bad magic'],
    ['version 2', () => { const f = file.slice(); f[8] = 2; return f; }, 'E_FORMAT', 'format version 2 is not one this library reads'],
    ['version 0', () => { const f = file.slice(); f[8] = 0; return f; }, 'E_FORMAT', 'format version 0'],
    ['a manifest length of 4 GiB', () => { const f = file.slice(); new DataView(f.buffer).setUint32(12, 0xffffffff, true); return f; }, 'E_MEMORY', '4294967295-byte manifest'],
    ['a corrupt manifest', () => { const f = file.slice(); f[40] ^= 0x04; return f; }, 'E_CHECKSUM', "the manifest's CRC-32"],
    ['a corrupt blob', () => { const f = file.slice(); f[f.length - 3] ^= 0x80; return f; }, 'E_CHECKSUM', 'model blob: CRC-32'],
    ['a manifest that is not JSON', () => assembleFile('{"format": "tinyconv", ', new Uint8Array(0)), 'E_FORMAT', 'not valid JSON'],
    ['a manifest that is not UTF-8', () => assembleFile(Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d), new Uint8Array(0)), 'E_FORMAT', 'not valid UTF-8'],
    ['a manifest that is an array', () => assembleFile('[1, 2]', new Uint8Array(0)), 'E_FORMAT', 'expected a JSON object, got an array'],
    ['a manifest of version 2 behind a version 1 header', () => assembleFile(json.replace('"version":1', '"version":2'), base.blob), 'E_FORMAT', 'format version 2'],
    ['a manifest that names a blob file', () => assembleFile(JSON.stringify({ ...base.manifest, blob: { ...base.manifest.blob, path: 'm.bin' } }), base.blob), 'E_FORMAT', 'blob.path'],
  ];
  it.each(cases)('rejects %s', (_what, make, code, text) => expectError(thrown(() => decodeModelFile(make())), code, text));

  it('rejects padding that is not zero', () => {
    // Pad the manifest text until the header + manifest leave room for padding, then dirty it.
    let text = json;
    const size = (t: string): number => new TextEncoder().encode(t).length;
    while ((20 + size(text)) % 16 === 0) text += ' ';
    const f = assembleFile(text, base.blob);
    expect(decodeModelFile(f).weights).toHaveLength(8); // valid as assembled
    f[20 + size(text)] = 7;
    expectError(thrown(() => decodeModelFile(f)), 'E_FORMAT', `padding byte at offset ${20 + size(text)} is 7`);
  });

  it('rejects what is not bytes', () => {
    expectError(thrown(() => decodeModelFile('model.tinyconv' as never)), 'E_ARG', 'must be a Uint8Array or an ArrayBuffer');
  });

  it('tells a manifest from a model file when loading bytes', async () => {
    expectError(await rejected(loadArtifacts(new TextEncoder().encode(json))), 'E_FORMAT', 'these bytes are a manifest');
  });
});

describe('manifest fields', () => {
  const missing: [string, (m: Json) => void][] = [
    ['format', (m) => delete m.format],
    ['version', (m) => delete m.version],
    ['graph', (m) => delete m.graph],
    ['graph.layers', (m) => delete m.graph.layers],
    ['graph.layers[1].className', (m) => delete m.graph.layers[1].className],
    ['weights', (m) => delete m.weights],
    ['blob', (m) => delete m.blob],
    ['blob.length', (m) => delete m.blob.length],
    ['blob.checksum', (m) => delete m.blob.checksum],
    ['weights[0].name', (m) => delete m.weights[0].name],
    ['weights[3] ("bn/beta").shape', (m) => delete m.weights[3].shape],
    ['weights[3] ("bn/beta").dtype', (m) => delete m.weights[3].dtype],
    ['weights[3] ("bn/beta").offset', (m) => delete m.weights[3].offset],
    ['weights[3] ("bn/beta").length', (m) => delete m.weights[3].length],
    ['weights[0] ("conv/kernel").quantization', (m) => delete m.weights[0].quantization],
  ];
  it.each(missing)('rejects a manifest without %s', (field, mutate) => expectError(decodeMutated(mutate), 'E_FORMAT', `${field} is missing`));

  const wrong: [string, (m: Json) => void, string, string][] = [
    ['another format', (m) => (m.format = 'onnx'), 'E_FORMAT', 'this is not a tinyconv model manifest'],
    ['version 2', (m) => (m.version = 2), 'E_FORMAT', 'format version 2 is not one this library reads'],
    ['version "1"', (m) => (m.version = '1'), 'E_FORMAT', 'version must be an integer'],
    ['an unknown top-level field', (m) => (m.weigths = []), 'E_FORMAT', 'unknown field "weigths"'],
    ['an unknown weight field', (m) => (m.weights[2].zero_point = 3), 'E_FORMAT', 'weights[2] ("bn/gamma") has an unknown field "zero_point"'],
    ['an unknown dtype', (m) => (m.weights[1].dtype = 'int8'), 'E_FORMAT', 'weights[1] ("conv/bias").dtype must be one of "float32", "float16", "uint8"'],
    ['a shape that is a string', (m) => (m.weights[1].shape = '4'), 'E_FORMAT', '("conv/bias").shape must be an array'],
    ['a fractional dimension', (m) => (m.weights[1].shape = [4.5]), 'E_FORMAT', '("conv/bias").shape[0] must be an integer'],
    ['rank 9', (m) => (m.weights[1].shape = [1, 1, 1, 1, 1, 1, 1, 1, 4]), 'E_FORMAT', 'of rank at most 8'],
    ['a negative offset', (m) => (m.weights[1].offset = -16), 'E_FORMAT', '("conv/bias").offset must be an integer in [0,'],
    ['an empty name', (m) => (m.weights[1].name = ''), 'E_FORMAT', 'weights[1].name must be a non-empty string'],
    ['a checksum by another algorithm', (m) => (m.blob.checksum.algorithm = 'md5'), 'E_FORMAT', 'blob.checksum.algorithm must be one of "crc32"'],
    ['a checksum in upper case', (m) => (m.blob.checksum.value = m.blob.checksum.value.toUpperCase() + 'G'), 'E_FORMAT', 'eight lowercase hex digits'],
    ['a blob path with folders', (m) => (m.blob.path = '../secret.bin'), 'E_FORMAT', 'blob.path must be a plain file name'],
    ['metadata that is an array', (m) => (m.metadata = [1]), 'E_FORMAT', 'metadata must be an object'],
    ['an input with a bad layout', (m) => (m.inputs = [{ name: 'x', shape: [null, 3], layout: 'HW' }]), 'E_FORMAT', 'inputs[0].layout'],
    ['labels that are not strings', (m) => (m.outputs = [{ name: 'y', shape: [null, 2], layout: 'NC', labels: ['a', 2] }]), 'E_FORMAT', 'outputs[0].labels[1] must be a string'],
  ];
  it.each(wrong)('rejects %s', (_what, mutate, code, text) => expectError(decodeMutated(mutate), code, text));
});

describe('weights in the blob', () => {
  const k = weightIndex('dense/kernel');
  const cases: [string, (m: Json) => void, string, string][] = [
    ['an offset past the end', (m) => (m.weights[k].offset = m.blob.length), 'E_FORMAT', 'outside the blob'],
    ['a length past the end', (m) => { m.weights[k].shape = [64, 500]; m.weights[k].length = 64000; }, 'E_FORMAT', 'outside the blob'],
    ['overlapping weights', (m) => (m.weights[k].offset = m.weights[k - 1].offset), 'E_FORMAT', 'overlap in the blob'],
    ['a misaligned offset', (m) => (m.weights[k].offset += 2), 'E_FORMAT', '("dense/kernel").offset ' ],
    ['a length that disagrees with shape and dtype', (m) => (m.weights[k].length -= 2), 'E_FORMAT', '("dense/kernel").length is 638 bytes, but shape [64, 5] of float16 takes 640'],
    ['a shape that disagrees with the length', (m) => (m.weights[k].shape = [64, 6]), 'E_FORMAT', 'shape [64, 6] of float16 takes 768'],
    ['a dtype that disagrees with the length', (m) => (m.weights[k].dtype = 'float32'), 'E_FORMAT', 'of float32 takes 1280'],
    ['duplicate names', (m) => (m.weights[1].name = m.weights[0].name), 'E_FORMAT', 'two weights are named "conv/kernel"'],
    ['quantization on a float weight', (m) => (m.weights[k].quantization = { scale: 1, zeroPoint: 0 }), 'E_FORMAT', 'only allowed on uint8 weights'],
    ['a zero scale', (m) => (m.weights[2].quantization = { scale: 0, zeroPoint: 0 }), 'E_FORMAT', '("bn/gamma").quantization.scale must be a positive number'],
    ['a zero point of 256', (m) => (m.weights[2].quantization.zeroPoint[0] = 256), 'E_FORMAT', 'quantization.zeroPoint[0] must be an integer in [0, 255]'],
    ['too few channel scales', (m) => m.weights[0].quantization.scale.pop(), 'E_FORMAT', 'has 3 scales and 4 zero points; axis 3 of shape [3, 3, 3, 4] has 4 channels'],
    ['a channel axis out of range', (m) => (m.weights[0].quantization.axis = 4), 'E_FORMAT', 'quantization.axis must be an integer in [0, 3]'],
    ['a scale beyond float32', (m) => (m.weights[2].quantization = { scale: 1e308, zeroPoint: 0 }), 'E_VALUE', 'gives values beyond float32'],
    ['a blob of 3 GiB', (m) => (m.blob.length = 3 * 2 ** 30), 'E_MEMORY', 'blob.length 3221225472 bytes is over the 2 GiB limit'],
    ['a shape of 2^32 elements', (m) => { m.weights[k].shape = [65536, 65536]; m.weights[k].length = 2 ** 33; }, 'E_MEMORY', '("dense/kernel") has shape [65536, 65536]'],
    ['weights that are too large together', (m) => {
      m.blob.length = 2 ** 31; // each weight fits the declared blob; together they are too many floats
      m.weights[k].shape = [2 ** 28]; m.weights[k].length = 2 ** 29;
      m.weights[k - 1].shape = [2 ** 28 + 16]; m.weights[k - 1].length = 2 ** 30 + 64;
    }, 'E_MEMORY', 'more than 2 GiB as float32'],
  ];
  it.each(cases)('rejects %s', (_what, mutate, code, text) => expectError(decodeMutated(mutate), code, text));

  it('rejects a wrong checksum', () => {
    expectError(decodeMutated((m) => (m.blob.checksum.value = '00000000')), 'E_CHECKSUM', 'the manifest says 00000000');
    expectError(decodeMutated((_m, blob) => (blob[100] ^= 1)), 'E_CHECKSUM', 'corrupt');
  });

  it('rejects a blob shorter or longer than declared', () => {
    expectError(thrown(() => decodeModel(json, base.blob.subarray(0, base.blob.length - 16))), 'E_FORMAT', `model blob is truncated: ${base.blob.length - 16} bytes`);
    expectError(thrown(() => decodeModel(json, Uint8Array.from([...base.blob, 0]))), 'E_FORMAT', 'model blob is too long');
  });

  it('rejects NaN and infinities in stored values, naming the weight and index', () => {
    const bias = base.manifest.weights[weightIndex('conv/bias')]!;
    const nan = decodeMutated((_m, blob) => new DataView(blob.buffer).setFloat32(bias.offset + 8, NaN, true), true);
    expectError(nan, 'E_VALUE', 'weight "conv/bias" holds NaN at flat index 2');
    const kernel = base.manifest.weights[k]!;
    const inf = decodeMutated((_m, blob) => new DataView(blob.buffer).setUint16(kernel.offset + 10, 0xfc00, true), true);
    expectError(inf, 'E_VALUE', 'weight "dense/kernel" holds float16 -Infinity at flat index 5');
  });

  it('decodes the unmodified base (the cases above fail for their own reason)', () => {
    const m = decodeModel(json, base.blob);
    expect(m.weights.map((w) => w.name)).toEqual(base.manifest.weights.map((w: ModelManifest['weights'][number]) => w.name));
  });
});
