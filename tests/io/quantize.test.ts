import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.js';
import { affineParams, dequantizeUint8, isPerChannel, quantizeUint8 } from '../../src/io/quantize.js';

const rng = new Rng(5);
const randn = (n: number, scale = 1, shift = 0): Float32Array => Float32Array.from({ length: n }, () => rng.normal() * scale + shift);

/** max |x - dequantized| over a range of indices, and whether every error is within scale / 2. */
function withinHalfStep(x: Float32Array, y: Float32Array, scale: number, idx: Iterable<number>): boolean {
  for (const i of idx) if (Math.abs(x[i]! - y[i]!) > scale / 2 + Math.abs(x[i]!) * 2 ** -23) return false;
  return true;
}

describe('uint8 affine quantization', () => {
  it('chooses a range that includes zero and maps it to an integer zero point', () => {
    expect(affineParams(-1, 3)).toEqual({ scale: 4 / 255, zeroPoint: 64 }); // round(1 / (4/255)) = round(63.75)
    expect(affineParams(2, 5)).toEqual({ scale: 5 / 255, zeroPoint: 0 }); // all positive: [0, 5]
    expect(affineParams(-5, -2)).toEqual({ scale: 5 / 255, zeroPoint: 255 }); // all negative: [-5, 0]
    expect(affineParams(0, 0)).toEqual({ scale: 1, zeroPoint: 0 });
  });

  it('per tensor: every value within scale / 2, zero exact, extremes near exact', () => {
    for (const [scale, shift] of [[1, 0], [0.01, 0.5], [100, -300], [1e-30, 0]] as const) {
      const x = randn(500, scale, shift);
      x[7] = 0;
      const { q, quantization } = quantizeUint8(x, [500], null);
      expect(isPerChannel(quantization)).toBe(false);
      const p = quantization as { scale: number; zeroPoint: number };
      const y = dequantizeUint8(q, [500], quantization);
      expect(withinHalfStep(x, y, p.scale, x.keys())).toBe(true);
      expect(y[7]).toBe(0);
      // The grid spans the data: both ends are used.
      expect(Math.min(...q)).toBe(x.some((v) => v < 0) ? 0 : p.zeroPoint);
      expect(Math.max(...q)).toBe(x.some((v) => v > 0) ? 255 : p.zeroPoint);
    }
  });

  it('stores values on the grid exactly', () => {
    // Range [-4, 11.9375]: scale 1/16 and zero point 64, so every multiple of 1/16 inside is a grid point.
    const x = Float32Array.from({ length: 256 }, (_, j) => (j - 64) / 16);
    const { q, quantization } = quantizeUint8(x, [256], null);
    expect(quantization).toEqual({ scale: 1 / 16, zeroPoint: 64 });
    expect(Array.from(q)).toEqual(Array.from({ length: 256 }, (_, j) => j));
    expect(Array.from(dequantizeUint8(q, [256], quantization))).toEqual(Array.from(x));
  });

  it('per channel along the last axis: each channel gets its own scale and bound', () => {
    const shape = [3, 2, 4]; // 4 channels with very different magnitudes
    const x = new Float32Array(24);
    const mags = [1e-3, 1, 50, 0];
    for (let i = 0; i < 24; i++) x[i] = rng.normal() * mags[i % 4]!;
    const { q, quantization } = quantizeUint8(x, shape, 2);
    expect(isPerChannel(quantization)).toBe(true);
    const p = quantization as { axis: number; scale: number[]; zeroPoint: number[] };
    expect(p.axis).toBe(2);
    expect(p.scale).toHaveLength(4);
    expect(p.scale[3]).toBe(1); // the all-zero channel
    const y = dequantizeUint8(q, shape, quantization);
    for (let c = 0; c < 4; c++) {
      const idx = [...x.keys()].filter((i) => i % 4 === c);
      expect(withinHalfStep(x, y, p.scale[c]!, idx), `channel ${c}`).toBe(true);
      // A per-tensor scale would be ~50x coarser than channel 1 needs.
      if (c < 3) expect(p.scale[c]!).toBeLessThan(mags[c]! * 0.1);
    }
  });

  it('per channel along a middle axis', () => {
    const shape = [2, 3, 5];
    const x = randn(30);
    for (let i = 0; i < 30; i++) x[i]! *= [0.01, 1, 10][Math.floor(i / 5) % 3]!;
    const { q, quantization } = quantizeUint8(x, shape, 1);
    const p = quantization as { scale: number[] };
    const y = dequantizeUint8(q, shape, quantization);
    for (let c = 0; c < 3; c++) {
      const idx = [...x.keys()].filter((i) => Math.floor(i / 5) % 3 === c);
      expect(withinHalfStep(x, y, p.scale[c]!, idx)).toBe(true);
    }
    expect(p.scale[0]!).toBeLessThan(p.scale[2]! / 100);
  });
});
