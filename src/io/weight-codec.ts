import { TinyconvError } from '../core/errors.js';
import { decodeHalves, encodeHalves, halfIsFinite, halfToFloat, HALF_MAX } from './float16.js';
import type { StorageDType, WeightEntry } from './manifest.js';
import { dequantizeUint8, quantizeUint8, type Quantization } from './quantize.js';

/**
 * One weight's values to and from its stored bytes (little-endian), for each storage dtype.
 * Decoding returns fresh float32 arrays that share nothing with the blob.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Index and kind of the first NaN or infinity among float32 bit patterns, or null. */
function firstNonFinite(bits: Uint32Array): { index: number; kind: string } | null {
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    if ((b & 0x7f800000) === 0x7f800000) return { index: i, kind: b & 0x7fffff ? 'NaN' : b >>> 31 ? '-Infinity' : 'Infinity' };
  }
  return null;
}

function bitsOf(data: Float32Array): Uint32Array {
  return new Uint32Array(data.buffer, data.byteOffset, data.length);
}

/** Throws E_VALUE naming the weight when it holds a NaN or an infinity. */
export function checkFinite(name: string, data: Float32Array, context: string): void {
  const bad = firstNonFinite(bitsOf(data));
  if (bad) {
    throw new TinyconvError('E_VALUE', `${context}: weight ${JSON.stringify(name)} holds ${bad.kind} at flat index ${bad.index}; model weights must be finite`, { weight: name, index: bad.index });
  }
}

export interface EncodedWeight {
  bytes: Uint8Array;
  quantization?: Quantization;
}

/**
 * Stored bytes of finite float32 `data` in `dtype`. `channelAxis` selects per-channel uint8
 * parameters (null: per tensor). Values that float16 cannot hold are an E_VALUE naming the weight.
 */
export function encodeWeight(name: string, data: Float32Array, shape: readonly number[], dtype: StorageDType, channelAxis: number | null): EncodedWeight {
  switch (dtype) {
    case 'float32':
      return { bytes: littleEndianBytes(data, 4) };
    case 'float16': {
      const halves = encodeHalves(bitsOf(data));
      for (let i = 0; i < halves.length; i++) {
        if (!halfIsFinite(halves[i]!)) {
          throw new TinyconvError('E_VALUE', `encodeModel: weight ${JSON.stringify(name)} has ${data[i]} at flat index ${i}, beyond the float16 range (±${HALF_MAX}); store it as float32 (options.exclude or options.dtypes)`, { weight: name, index: i, value: data[i] });
        }
      }
      return { bytes: littleEndianBytes(halves, 2) };
    }
    case 'uint8': {
      const { q, quantization } = quantizeUint8(data, shape, channelAxis);
      return { bytes: q, quantization };
    }
  }
}

/** A weight's float32 values from the blob; the entry must already be validated against it. */
export function decodeWeight(entry: WeightEntry, blob: Uint8Array): Float32Array {
  // A copy starting at offset 0 of its own buffer: aligned for typed-array views, detached from the
  // blob (set() rather than slice(), which on a Node Buffer returns a view).
  const bytes = new Uint8Array(entry.length);
  bytes.set(blob.subarray(entry.offset, entry.offset + entry.length));
  switch (entry.dtype) {
    case 'float32': {
      const data = LITTLE_ENDIAN ? new Float32Array(bytes.buffer) : readSwapped(bytes, 4, (v, o) => v.getFloat32(o, true), Float32Array);
      checkFinite(entry.name, data, 'model blob');
      return data;
    }
    case 'float16': {
      const halves = LITTLE_ENDIAN ? new Uint16Array(bytes.buffer) : readSwapped(bytes, 2, (v, o) => v.getUint16(o, true), Uint16Array);
      for (let i = 0; i < halves.length; i++) {
        if (!halfIsFinite(halves[i]!)) {
          throw new TinyconvError('E_VALUE', `model blob: weight ${JSON.stringify(entry.name)} holds float16 ${halfToFloat(halves[i]!)} at flat index ${i}; model weights must be finite`, { weight: entry.name, index: i });
        }
      }
      return decodeHalves(halves);
    }
    case 'uint8':
      return dequantizeUint8(bytes, entry.shape, entry.quantization!);
  }
}

/** Little-endian bytes of a typed array: a view on little-endian hosts, a byte-swapped copy otherwise. */
function littleEndianBytes(a: Float32Array | Uint16Array, width: 2 | 4): Uint8Array {
  const view = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (LITTLE_ENDIAN) return view;
  const out = new Uint8Array(view.length);
  for (let i = 0; i < view.length; i += width) for (let k = 0; k < width; k++) out[i + k] = view[i + width - 1 - k]!;
  return out;
}

function readSwapped<T extends Float32Array | Uint16Array>(bytes: Uint8Array, width: number, get: (v: DataView, o: number) => number, Ctor: { new (n: number): T }): T {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Ctor(bytes.length / width);
  for (let i = 0; i < out.length; i++) out[i] = get(v, i * width);
  return out;
}
