import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/core/tensor.js';
import { TinyconvError } from '../../src/core/errors.js';
import { decodeNpy, encodeNpy } from '../../src/io/npy.js';
import { halfToFloat } from '../../src/io/float16.js';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof TinyconvError) return e.code;
    throw e;
  }
  return undefined;
}

/** A .npy file assembled by hand, as NumPy writes it (version 1.0, header padded to 64 bytes). */
function npyBytes(descr: string, shape: string, payload: Uint8Array, fortran = 'False'): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(payload, 10 + header.length);
  return out;
}

describe('Tensor', () => {
  it('keeps values and shape from flat arrays', () => {
    const t = Tensor.from([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
    expect(t.shape).toEqual([1, 2, 3, 1]);
    expect(t.size).toBe(6);
    expect([...t.dataSync()]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('copies its input, so later writes to the source do not leak in', () => {
    const src = new Float32Array([1, 2]);
    const t = Tensor.from(src, [2]);
    src[0] = 99;
    expect(t.dataSync()[0]).toBe(1);
    const d = t.dataSync();
    d[1] = 42;
    expect(t.dataSync()[1]).toBe(2);
  });

  it('reads nested arrays in row-major order and writes them back', () => {
    const nested = [[[1, 2], [3, 4]], [[5, 6], [7, 8]]];
    const t = Tensor.fromNested(nested);
    expect(t.shape).toEqual([2, 2, 2]);
    expect([...t.dataSync()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(t.toNested()).toEqual(nested);
    expect(Tensor.fromNested(3.5).shape).toEqual([]);
  });

  it('rejects ragged nesting, wrong sizes and bad shapes with E_SHAPE', () => {
    expect(code(() => Tensor.fromNested([[1, 2], [3]]))).toBe('E_SHAPE');
    expect(code(() => Tensor.fromNested([[1, 2], 3] as never))).toBe('E_SHAPE');
    expect(code(() => Tensor.fromNested([]))).toBe('E_SHAPE');
    expect(code(() => Tensor.from([1, 2, 3], [2, 2]))).toBe('E_SHAPE');
    expect(code(() => Tensor.from([1], [1.5]))).toBe('E_SHAPE');
    expect(code(() => Tensor.from([1], [-1]))).toBe('E_SHAPE');
    expect(() => Tensor.from([1, 2, 3], [2, 2])).toThrow(/3 values do not fill shape \[2, 2\]/);
  });

  it('refuses use after dispose, and dispose is idempotent', async () => {
    const t = Tensor.from([1, 2], [2]);
    t.dispose();
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(code(() => t.dataSync())).toBe('E_DISPOSED');
    await expect(t.data()).rejects.toMatchObject({ code: 'E_DISPOSED' });
  });

  it('data() resolves to the same values as dataSync()', async () => {
    const t = Tensor.from([0.5, -1, 3], [3]);
    expect([...(await t.data())]).toEqual([...t.dataSync()]);
  });
});

describe('.npy', () => {
  it('round-trips float32 exactly, including -0, subnormals and extremes', () => {
    const v = new Float32Array([0, -0, 1e-45, -3.4e38, 1 / 3, Infinity, NaN]);
    const t = Tensor.fromNpy(Tensor.from(v, [7]).toNpy());
    const back = t.dataSync();
    expect(Object.is(back[1], -0)).toBe(true);
    expect([...back.slice(0, 6)]).toEqual([...v.slice(0, 6)]);
    expect(Number.isNaN(back[6])).toBe(true);
  });

  it('writes headers NumPy accepts: 64-byte aligned data, tuple syntax for rank 1 and 0', () => {
    for (const shape of [[5], [2, 3], []]) {
      const bytes = encodeNpy(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
      const hlen = bytes[8]! | (bytes[9]! << 8);
      expect((10 + hlen) % 64).toBe(0);
      const header = new TextDecoder().decode(bytes.subarray(10, 10 + hlen));
      expect(header).toContain(shape.length === 1 ? "'shape': (5,)" : `'shape': (${shape.join(', ')})`);
      expect(header.endsWith('\n')).toBe(true);
    }
  });

  it('reads other dtypes and byte orders as NumPy wrote them', () => {
    const f8 = new Uint8Array(new Float64Array([1.5, -2.25]).buffer);
    expect([...decodeNpy(npyBytes('<f8', '(2,)', f8)).data]).toEqual([1.5, -2.25]);
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat32(0, 7.5, false);
    new DataView(be.buffer).setFloat32(4, -1, false);
    expect([...decodeNpy(npyBytes('>f4', '(1, 2)', be)).data]).toEqual([7.5, -1]);
    expect([...decodeNpy(npyBytes('|u1', '(3,)', new Uint8Array([0, 128, 255]))).data]).toEqual([0, 128, 255]);
    const i8 = new Uint8Array(new BigInt64Array([-5n, 7n]).buffer);
    expect([...decodeNpy(npyBytes('<i8', '(2,)', i8)).data]).toEqual([-5, 7]);
    const f2 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x0001]).buffer);
    expect([...decodeNpy(npyBytes('<f2', '(3,)', f2)).data]).toEqual([1, -2, 2 ** -24]);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
  });

  it('rejects malformed files with E_FORMAT / E_DTYPE / E_UNSUPPORTED', () => {
    const good = Tensor.from([1, 2, 3, 4], [2, 2]).toNpy();
    expect(code(() => decodeNpy(good.subarray(0, 5)))).toBe('E_FORMAT');
    expect(code(() => decodeNpy(good.subarray(0, good.length - 1)))).toBe('E_FORMAT');
    const bad = good.slice();
    bad[1] = 0;
    expect(code(() => decodeNpy(bad))).toBe('E_FORMAT');
    expect(code(() => decodeNpy(npyBytes('<c8', '(1,)', new Uint8Array(8))))).toBe('E_DTYPE');
    expect(code(() => decodeNpy(npyBytes('<f4', '(1,)', new Uint8Array(4), 'True')))).toBe('E_UNSUPPORTED');
    expect(code(() => decodeNpy(npyBytes('<f4', '(-1,)', new Uint8Array(4))))).toBe('E_SHAPE');
  });
});
