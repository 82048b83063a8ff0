import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.js';
import { crc32, crc32Hex } from '../../src/io/checksum.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Bit-at-a-time CRC-32 straight from the definition (polynomial 0x04C11DB7, reflected), no table. */
function crc32Bitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('crc32', () => {
  it('matches the published check values', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926); // the CRC-32/ISO-HDLC check value
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(ascii('a'))).toBe(0xe8b7be43);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    expect(crc32(new Uint8Array(32))).toBe(0x190a55ad); // 32 zero bytes
    expect(crc32(new Uint8Array(32).fill(0xff))).toBe(0xff6cab0b);
  });

  it('agrees with the bitwise definition on random data', () => {
    const rng = new Rng(7);
    for (const n of [1, 3, 16, 255, 1000]) {
      const b = Uint8Array.from({ length: n }, () => rng.int(256));
      expect(crc32(b)).toBe(crc32Bitwise(b));
    }
  });

  it('continues over data split in pieces', () => {
    const b = ascii('123456789');
    for (let cut = 0; cut <= b.length; cut++) expect(crc32(b.subarray(cut), crc32(b.subarray(0, cut)))).toBe(0xcbf43926);
  });

  it('formats as eight lowercase hex digits', () => {
    expect(crc32Hex(0xcbf43926)).toBe('cbf43926');
    expect(crc32Hex(0x1a)).toBe('0000001a');
  });
});
