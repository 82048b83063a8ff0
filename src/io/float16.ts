/**
 * IEEE 754 binary16 ("half") conversions for weight storage. Encoding works on the bits of a
 * float32 (weights are float32, so there is exactly one rounding: float32 -> half, to nearest,
 * ties to even), keeps subnormals, and overflows to infinity like the hardware conversion does;
 * the format layer rejects what rounds to infinity.
 */

/** Largest finite half: 65504. Finite inputs at or beyond 65520 round to infinity. */
export const HALF_MAX = 65504;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Bits of the half nearest to a float32 given by its bits (ties to even). */
export function halfBitsFromFloatBits(b: number): number {
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // infinity, or a quiet NaN
  const e = exp - 112; // rebias 127 -> 15
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Result is a half subnormal (or zero): shift the full significand, then round.
    if (e < -10) return sign; // below half the smallest subnormal: rounds to zero
    const m = mant | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && h & 1)) h++; // a carry lands on the smallest normal, as it should
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry may reach infinity (0x7c00), as it should
  return sign | h;
}

/** Bits of the half nearest to `x` (rounded to float32 first). */
export function floatToHalf(x: number): number {
  f32[0] = x;
  return halfBitsFromFloatBits(u32[0]!);
}

let decodeTable: Float32Array | null = null;

/** Every half's float32 value, indexed by its bits (256 KiB, built on first use). */
function halfTable(): Float32Array {
  if (decodeTable) return decodeTable;
  decodeTable = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >>> 10) & 0x1f;
    const f = h & 0x3ff;
    decodeTable[h] = e === 0 ? s * f * 2 ** -24 : e === 31 ? (f ? NaN : s * Infinity) : s * (1024 + f) * 2 ** (e - 25);
  }
  return decodeTable;
}

/** The value of a half given by its bits (exact: every half is a float32). */
export function halfToFloat(h: number): number {
  return halfTable()[h & 0xffff]!;
}

/** Whether half bits encode an infinity or a NaN. */
export function halfIsFinite(h: number): boolean {
  return (h & 0x7c00) !== 0x7c00;
}

/** Half bits of every value; `bits` is the float32 bit pattern of each value. */
export function encodeHalves(bits: Uint32Array): Uint16Array {
  const out = new Uint16Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfBitsFromFloatBits(bits[i]!);
  return out;
}

/** Float32 values of half bits. */
export function decodeHalves(halves: Uint16Array): Float32Array {
  const t = halfTable();
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) out[i] = t[halves[i]!]!;
  return out;
}
