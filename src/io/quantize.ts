import { sizeOf, type Shape } from '../core/shape.js';

/**
 * Affine uint8 quantization of weights: real = scale * (q - zeroPoint), q in [0, 255].
 * The range always includes 0, so zero (padding, pruned weights) is stored exactly, and every value
 * inside the range comes back within scale / 2. Per-channel parameters (one pair per index of
 * `axis`) keep small channels precise next to large ones.
 */

export interface TensorQuantization {
  scale: number;
  zeroPoint: number;
}

export interface ChannelQuantization {
  /** The axis the parameters index: one scale and zero point per entry of shape[axis]. */
  axis: number;
  scale: number[];
  zeroPoint: number[];
}

export type Quantization = TensorQuantization | ChannelQuantization;

export function isPerChannel(q: Quantization): q is ChannelQuantization {
  return Array.isArray(q.scale);
}

/** Parameters mapping [min(lo, 0), max(hi, 0)] onto 0..255. */
export function affineParams(lo: number, hi: number): TensorQuantization {
  const min = Math.min(lo, 0);
  const max = Math.max(hi, 0);
  if (max === min) return { scale: 1, zeroPoint: 0 }; // all zeros: any positive scale is exact
  const scale = (max - min) / 255;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-min / scale))) };
}

/** Sizes around `axis`: the data is [outer, channels, inner] in row-major order. */
function split(shape: Shape, axis: number): { outer: number; channels: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), channels: shape[axis]!, inner: sizeOf(shape.slice(axis + 1)) };
}

/** Quantizes `data` of `shape`, per tensor, or per channel along `axis` when one is given. */
export function quantizeUint8(data: Float32Array, shape: Shape, axis: number | null): { q: Uint8Array; quantization: Quantization } {
  const q = new Uint8Array(data.length);
  if (axis === null) {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const p = affineParams(lo, hi);
    quantizeRange(data, q, 0, data.length, p);
    return { q, quantization: p };
  }
  const { outer, channels, inner } = split(shape, axis);
  const lo = new Float64Array(channels).fill(Infinity);
  const hi = new Float64Array(channels).fill(-Infinity);
  for (let o = 0, i = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      for (let end = i + inner; i < end; i++) {
        const v = data[i]!;
        if (v < lo[c]!) lo[c] = v;
        if (v > hi[c]!) hi[c] = v;
      }
    }
  }
  const params = Array.from({ length: channels }, (_, c) => affineParams(lo[c]!, hi[c]!));
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const start = (o * channels + c) * inner;
      quantizeRange(data, q, start, start + inner, params[c]!);
    }
  }
  return { q, quantization: { axis, scale: params.map((p) => p.scale), zeroPoint: params.map((p) => p.zeroPoint) } };
}

function quantizeRange(data: Float32Array, q: Uint8Array, start: number, end: number, { scale, zeroPoint }: TensorQuantization): void {
  for (let i = start; i < end; i++) {
    const v = Math.round(data[i]! / scale) + zeroPoint;
    q[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
}

/** The 256 float32 values a (scale, zeroPoint) pair can produce, indexed by q. */
function levels({ scale, zeroPoint }: TensorQuantization): Float32Array {
  const t = new Float32Array(256);
  for (let q = 0; q < 256; q++) t[q] = scale * (q - zeroPoint);
  return t;
}

/** Whether every value the parameters can produce is a finite float32. */
export function affineIsFinite({ scale, zeroPoint }: TensorQuantization): boolean {
  return Number.isFinite(Math.fround(scale * -zeroPoint)) && Number.isFinite(Math.fround(scale * (255 - zeroPoint)));
}

/** Float32 values of quantized data; the parameters must already be validated against `shape`. */
export function dequantizeUint8(q: Uint8Array, shape: Shape, quantization: Quantization): Float32Array {
  const out = new Float32Array(q.length);
  if (!isPerChannel(quantization)) {
    const t = levels(quantization);
    for (let i = 0; i < q.length; i++) out[i] = t[q[i]!]!;
    return out;
  }
  const { outer, channels, inner } = split(shape, quantization.axis);
  const tables = quantization.scale.map((scale, c) => levels({ scale, zeroPoint: quantization.zeroPoint[c]! }));
  for (let o = 0, i = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const t = tables[c]!;
      for (let end = i + inner; i < end; i++) out[i] = t[q[i]!]!;
    }
  }
  return out;
}
