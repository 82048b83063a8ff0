import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.js';
import { decodeHalves, encodeHalves, floatToHalf, halfToFloat } from '../../src/io/float16.js';

/** Value of a half from the IEEE 754 definition. */
function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 31) return f ? NaN : sign * Infinity;
  return e === 0 ? sign * (f / 1024) * 2 ** -14 : sign * (1 + f / 1024) * 2 ** (e - 15);
}

/** The nearest half by search over all of them (ties to the even bit pattern): an independent reference. */
function nearestHalf(x: number): number {
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  // Non-negative finite halves are increasing in their bits 0x0000..0x7bff; 0x7c00 stands for 65536.
  let lo = 0, hi = 0x7c00;
  const val = (h: number): number => (h === 0x7c00 ? 65536 : halfValue(h));
  if (a >= 65536) return sign | 0x7c00;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (val(mid) <= a) lo = mid;
    else hi = mid;
  }
  const dLo = a - val(lo), dHi = val(hi) - a;
  const h = dLo < dHi ? lo : dHi < dLo ? hi : lo % 2 === 0 ? lo : hi;
  return sign | h;
}

describe('float16', () => {
  it('encodes known values', () => {
    const cases: [number, number][] = [
      [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff],
      [65519.99, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00], [-1e6, 0xfc00], [Infinity, 0x7c00], [-Infinity, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -14 - 2 ** -24, 0x03ff], // largest subnormal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // halfway to the smallest subnormal: ties to even (zero)
      [1.5 * 2 ** -25, 0x0001],
      [2 ** -26, 0x0000],
      [-(2 ** -25), 0x8000],
      [1 + 2 ** -11, 0x3c00], // tie between 0x3c00 and 0x3c01: even
      [1 + 3 * 2 ** -11, 0x3c02], // tie between 0x3c01 and 0x3c02: even
      [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above the tie
      [3 * 2 ** -25, 0x0002], // subnormal tie between 1 and 2: even
      [2 ** -14 - 2 ** -25, 0x0400], // tie between the largest subnormal and the smallest normal: even
    ];
    for (const [x, h] of cases) expect(floatToHalf(x), `${x}`).toBe(h);
    expect(floatToHalf(NaN) & 0x7c00).toBe(0x7c00);
    expect(floatToHalf(NaN) & 0x3ff).not.toBe(0);
  });

  it('decodes every one of the 65536 bit patterns as the definition says', () => {
    const wrong: string[] = [];
    for (let h = 0; h < 65536; h++) {
      const v = halfToFloat(h), e = halfValue(h);
      if (!(Object.is(v, e) || (Number.isNaN(v) && Number.isNaN(e)))) wrong.push(`0x${h.toString(16)}: ${v} != ${e}`);
    }
    expect(wrong).toEqual([]);
  });

  it('round-trips every finite half exactly', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i).filter((h) => (h & 0x7c00) !== 0x7c00);
    const values = decodeHalves(all);
    const back = encodeHalves(new Uint32Array(values.buffer));
    let mismatches = 0;
    for (let i = 0; i < all.length; i++) if (back[i] !== all[i]) mismatches++;
    expect(all.length).toBe(63488); // 65536 minus 2 x 1024 infinities and NaNs
    expect(mismatches).toBe(0);
  });

  it('rounds random float32 values like an exhaustive nearest search, normal and subnormal', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 4000; i++) {
      // Exponents from deep underflow to overflow.
      const x = Math.fround((rng.next() < 0.5 ? -1 : 1) * rng.uniform(1, 2) * 2 ** rng.int(50) * 2 ** -34);
      expect(floatToHalf(x), `${x}`).toBe(nearestHalf(x));
    }
  });

  it('stays within half an ulp: relative 2^-11 for normals, absolute 2^-25 for subnormals', () => {
    const rng = new Rng(12);
    for (let i = 0; i < 2000; i++) {
      const x = Math.fround(rng.normal() * 2 ** (rng.int(30) - 20));
      if (Math.abs(x) >= 65504) continue;
      const err = Math.abs(halfToFloat(floatToHalf(x)) - x);
      expect(err).toBeLessThanOrEqual(Math.max(Math.abs(x) * 2 ** -11, 2 ** -25));
    }
  });
});
