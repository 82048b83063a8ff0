import { describe, expect, it } from 'vitest';
import { TinyconvError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { decodeModel, decodeModelFile, encodeModel, encodeModelFile } from '../../src/io/format.js';
import { assembleFile, tinyModel } from './fixtures.js';

/**
 * Seeded mutation fuzzing: malformed input may only ever produce a TinyconvError, never a raw
 * RangeError / TypeError / SyntaxError from deep inside the decoder.
 */
const options = { quantize: 'float16', dtypes: { 'conv/kernel': 'uint8' }, perChannel: true } as const;
const file = encodeModelFile(tinyModel(), options);
const { manifest, blob } = encodeModel(tinyModel(), options);
const json = JSON.stringify(manifest);

/** Runs `decode`; returns 'ok', the error code, or a description of a foreign error. */
function outcome(decode: () => unknown): string {
  try {
    decode();
    return 'ok';
  } catch (e) {
    return e instanceof TinyconvError ? e.code : `FOREIGN ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`;
  }
}

function tally(outcomes: string[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const o of outcomes) t[o] = (t[o] ?? 0) + 1;
  return t;
}

const foreign = (outcomes: string[]): string[] => outcomes.filter((o) => o.startsWith('FOREIGN'));

/** A copy of `bytes` changed in one random way (never identical to the original). */
function mutateBytes(bytes: Uint8Array, rng: Rng): { bytes: Uint8Array; how: string } {
  const n = bytes.length;
  const at = rng.int(n);
  switch (rng.int(5)) {
    case 0: { // flip 1-4 bytes
      const out = bytes.slice();
      const k = 1 + rng.int(4);
      for (let i = 0; i < k; i++) out[rng.int(n)] ^= 1 + rng.int(255);
      return { bytes: out, how: `flip ${k} bytes` };
    }
    case 1: // truncate
      return { bytes: bytes.slice(0, at), how: `truncate to ${at}` };
    case 2: { // insert random bytes
      const ins = Uint8Array.from({ length: 1 + rng.int(8) }, () => rng.int(256));
      return { bytes: Uint8Array.from([...bytes.subarray(0, at), ...ins, ...bytes.subarray(at)]), how: `insert ${ins.length} at ${at}` };
    }
    case 3: { // delete a range
      const len = 1 + rng.int(16);
      return { bytes: Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + len)]), how: `delete ${len} at ${at}` };
    }
    default: { // overwrite a run with one byte value
      const out = bytes.slice();
      const len = 1 + rng.int(32), v = rng.int(256);
      out.fill(v, at, at + len);
      if (out.every((b, i) => b === bytes[i])) out[at] ^= 0xff;
      return { bytes: out, how: `fill ${len} at ${at} with ${v}` };
    }
  }
}

describe('fuzzing', () => {
  it('every mutation of a single file is caught, as a TinyconvError (400 seeded mutations)', () => {
    const rng = new Rng(2024);
    const results: string[] = [];
    const passed: string[] = [];
    for (let i = 0; i < 400; i++) {
      const { bytes, how } = mutateBytes(file, rng);
      const o = outcome(() => decodeModelFile(bytes));
      results.push(o);
      if (o === 'ok') passed.push(how);
    }
    expect(foreign(results)).toEqual([]);
    // Every byte of a file is under a checksum or checked directly, so no mutation goes unnoticed.
    expect(passed).toEqual([]);
    const t = tally(results);
    expect(t.E_CHECKSUM).toBeGreaterThan(50);
    expect(t.E_FORMAT).toBeGreaterThan(50);
  });

  it('mutated manifest text (no checksum to stop it) only ever yields TinyconvError (400 seeded mutations)', () => {
    const rng = new Rng(7);
    const alphabet = '{}[]":,-+.0123456789eE abcxyz\\\u00e9';
    const results: string[] = [];
    for (let i = 0; i < 400; i++) {
      const chars = [...json];
      const k = 1 + rng.int(3);
      for (let j = 0; j < k; j++) {
        const at = rng.int(chars.length);
        const r = rng.int(3);
        if (r === 0) chars[at] = alphabet[rng.int(alphabet.length)]!;
        else if (r === 1) chars.splice(at, 1 + rng.int(4));
        else chars.splice(at, 0, ...chars.slice(rng.int(chars.length), rng.int(chars.length)));
      }
      const text = chars.join('');
      // Alternate between the two forms: the single file gets a valid header around the bad manifest.
      results.push(outcome(() => (i % 2 ? decodeModel(text, blob) : decodeModelFile(assembleFile(text, blob)))));
    }
    expect(foreign(results)).toEqual([]);
    expect(results.filter((o) => o !== 'ok').length).toBeGreaterThan(200);
  });

  it('structurally mutated manifests only ever yield TinyconvError (600 seeded mutations)', () => {
    const rng = new Rng(99);
    const junk: unknown[] = [null, -1, 0, -0, 1.5, 1e300, -1e300, 2 ** 53, 2 ** 32, 17, '', 'x', 'float16', 'uint8', [], {}, [1, 2], [[]], true, false, 'a'.repeat(300), { scale: 1, zeroPoint: 0 }, { axis: 0, scale: [], zeroPoint: [] }];
    const results: string[] = [];
    for (let i = 0; i < 600; i++) {
      const m = JSON.parse(json);
      // Every (parent, key) pair in the manifest tree, the root's children included.
      const slots: [Record<string, unknown> | unknown[], string | number][] = [];
      const walk = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach((x, j) => { slots.push([v, j]); walk(x); });
        else if (v && typeof v === 'object') for (const [key, x] of Object.entries(v)) { slots.push([v as Record<string, unknown>, key]); walk(x); }
      };
      walk(m);
      const [parent, key] = slots[rng.int(slots.length)]!;
      const r = rng.int(4);
      if (r === 0 && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
      else if (r === 1 && !Array.isArray(parent)) (parent as Record<string, unknown>)[`extra${rng.int(3)}`] = junk[rng.int(junk.length)];
      else (parent as Record<string | number, unknown>)[key] = junk[rng.int(junk.length)];
      results.push(outcome(() => decodeModel(m, blob)));
    }
    expect(foreign(results)).toEqual([]);
    const t = tally(results);
    expect(t.E_FORMAT).toBeGreaterThan(200);
  });
});
