import { TinyconvError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import type { ModelArtifacts, WeightArray } from '../../src/io/artifacts.js';
import { crc32 } from '../../src/io/checksum.js';

/** Float32 values that must survive a float32 round trip bit for bit. */
export const SPECIAL_VALUES = [
  0, -0, 1, -1, Math.PI, 2 ** -149 /* smallest subnormal */, -(2 ** -149), 2 ** -126 - 2 ** -149 /* largest subnormal */,
  1e-40, 2 ** -126 /* smallest normal */, 3.4028234663852886e38 /* largest float32 */, -3.4028234663852886e38,
];

function normal(rng: Rng, shape: number[], scale = 1): WeightArray['data'] {
  const n = shape.reduce((a, d) => a * d, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * scale;
  return out;
}

/** A small conv net's artifacts: conv + batch norm + dense, with specs and metadata. */
export function tinyModel(seed = 1): ModelArtifacts {
  const rng = new Rng(seed);
  const w = (name: string, shape: number[], scale = 1): WeightArray => ({ name, shape, data: normal(rng, shape, scale) });
  const variance = w('bn/moving_variance', [4]);
  variance.data = variance.data.map((v) => 0.5 + Math.abs(v));
  return {
    graph: {
      name: 'tiny',
      inputs: ['input'],
      outputs: ['dense'],
      layers: [
        { name: 'input', className: 'InputLayer', config: { batch_input_shape: [null, 6, 6, 3], dtype: 'float32' }, inbound: [] },
        { name: 'conv', className: 'Conv2D', config: { filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', activation: 'relu', use_bias: true }, inbound: ['input'] },
        { name: 'bn', className: 'BatchNormalization', config: { epsilon: 0.001, momentum: 0.99 }, inbound: ['conv'] },
        { name: 'flatten', className: 'Flatten', config: {}, inbound: ['bn'] },
        { name: 'dense', className: 'Dense', config: { units: 5, activation: 'softmax' }, inbound: ['flatten'] },
      ],
    },
    weights: [
      w('conv/kernel', [3, 3, 3, 4], 0.3),
      w('conv/bias', [4], 0.1),
      w('bn/gamma', [4]),
      w('bn/beta', [4]),
      w('bn/moving_mean', [4]),
      variance,
      w('dense/kernel', [64, 5], 0.2),
      w('dense/bias', [5], 0.1),
    ],
    inputs: [{ name: 'input', shape: [null, 6, 6, 3], layout: 'NHWC', preprocessing: { scale: [1 / 255, 1 / 255, 1 / 255], offset: 0, colorOrder: 'RGB', size: [6, 6] } }],
    outputs: [{ name: 'dense', shape: [null, 5], layout: 'NC', labels: ['cat', 'dog', 'bird', 'fish', 'émeu 🐦'] }],
    metadata: { source: 'tests', licence: 'MIT', accuracy: { top1: 0.5 } },
  };
}

/** tinyModel plus a weight holding SPECIAL_VALUES, a scalar and an empty tensor. */
export function edgeModel(): ModelArtifacts {
  const a = tinyModel(2);
  a.weights.push(
    { name: 'special/values', shape: [3, 4], data: Float32Array.from(SPECIAL_VALUES) },
    { name: 'scalar/value', shape: [], data: Float32Array.of(-2.5) },
    { name: 'empty/kernel', shape: [0, 3], data: new Float32Array(0) },
  );
  return a;
}

/**
 * A single file assembled from the byte layout documented in docs/format.md, independently of the
 * encoder: lets tests feed the decoder manifests of their choosing behind a valid header.
 */
export function assembleFile(manifest: string | Uint8Array, blob: Uint8Array, version = 1): Uint8Array {
  const m = typeof manifest === 'string' ? new TextEncoder().encode(manifest) : manifest;
  const blobStart = Math.ceil((20 + m.length) / 16) * 16;
  const out = new Uint8Array(blobStart + blob.length);
  out.set([0x89, 0x54, 0x43, 0x56, 0x0d, 0x0a, 0x1a, 0x0a]);
  const v = new DataView(out.buffer);
  v.setUint32(8, version, true);
  v.setUint32(12, m.length, true);
  v.setUint32(16, crc32(m), true);
  out.set(m, 20);
  out.set(blob, blobStart);
  return out;
}

/** Float32 bit patterns, for bit-exact comparisons (-0 and NaN payloads included). */
export function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

/** The TinyconvError `fn` throws; fails the test when it throws anything else or nothing. */
export function thrown(fn: () => unknown): TinyconvError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TinyconvError) return e;
    throw new Error(`expected a TinyconvError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a TinyconvError, but nothing was thrown');
}

export async function rejected(p: Promise<unknown>): Promise<TinyconvError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TinyconvError) return e;
    throw new Error(`expected a TinyconvError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a TinyconvError, but the promise resolved');
}
