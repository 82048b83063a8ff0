import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOp } from '../../src/core/engine.js';
import { activate } from '../../src/ops/activation-math.js';
import { createWasmBackend, type WasmBackend } from '../../src/backends/wasm/backend.js';
import { BUILT, requireBuilt } from '../util/built.js';

requireBuilt(BUILT.wasm);
const url = new URL('./', BUILT.wasm);

/** A dense sweep of [lo, hi] plus values near 0, near the ends and the specials. */
function sweep(lo: number, hi: number, n: number): Float32Array {
  const xs: number[] = [];
  for (let i = 0; i <= n; i++) xs.push(lo + ((hi - lo) * i) / n);
  for (let e = -30; e <= 0; e++) xs.push(2 ** e, -(2 ** e), 1.5 * 2 ** e, -1.5 * 2 ** e);
  xs.push(0, -0, 1e-45, -1e-45, 88.72, 88.7228, 88.38, -87.33, -87.34, -103.9, -104, 89, 100, -200, Infinity, -Infinity, NaN);
  // Odd length: the last elements go through the partial-vector path.
  if (xs.length % 4 === 0) xs.push(0.1);
  return Float32Array.from(xs);
}

/** Largest error in units of `rel` relative error (or absolute below float32's normal range). */
function worst(actual: Float32Array, x: Float32Array, f: (x: number) => number): { rel: number; at: number } {
  let rel = 0, at = NaN;
  for (let i = 0; i < x.length; i++) {
    const e = f(x[i]!), a = actual[i]!;
    if (Number.isNaN(e)) {
      expect(a).toBeNaN();
      continue;
    }
    const expected = Math.fround(e);
    if (!Number.isFinite(expected)) {
      expect(a).toBe(expected);
      continue;
    }
    // Subnormal results carry fewer bits: compare them in absolute terms (in units of 2^-126).
    const err = Math.abs(a - e) / Math.max(Math.abs(e), 2 ** -126);
    if (err > rel) (rel = err), (at = x[i]!);
  }
  return { rel, at };
}

describe.each([
  ['plain SIMD', false],
  ['relaxed SIMD', true],
] as const)('vector exp and the activations built on it (%s)', (_label, relaxed) => {
  let be: WasmBackend;
  beforeAll(async () => {
    be = await createWasmBackend({ threads: 1, relaxed, url });
  });
  afterAll(() => be.dispose());

  const runExport = (name: string, x: Float32Array): Float32Array => {
    const rt = be.runtime;
    const t = be.upload(x, [x.length]);
    const y = rt.tensor([x.length]);
    rt.run(name, [rt.ptr(t), rt.ptr(y)], x.length);
    return y.dataSync();
  };

  it('exp is within 2e-7 relative of the exact value over the whole float32 range', () => {
    const x = sweep(-110, 90, 200_001);
    const { rel, at } = worst(runExport('runtime_exp', x), x, Math.exp);
    expect(rel, `worst at x = ${at}`).toBeLessThan(2e-7);
  });

  it('exp - 1 is within 2e-7 relative, near 0 included', () => {
    const x = sweep(-90, 89, 100_001);
    const { rel, at } = worst(runExport('runtime_expm1', x), x, Math.expm1);
    expect(rel, `worst at x = ${at}`).toBeLessThan(2e-7);
  });

  it.each([
    ['sigmoid', 2e-7],
    ['tanh', 3e-7],
    ['elu', 3e-7],
    ['swish', 3e-7],
  ] as const)('%s is within %f relative of the float64 formula', (kind, tol) => {
    // Below -87 swish is x times a subnormal sigmoid, whose few bits x then scales: not tested there.
    const x = sweep(kind === 'swish' ? -87 : -100, 100, 50_001).filter((v) => kind !== 'swish' || !(v < -87));
    const y = runOp('activation', [be.upload(x, [x.length])], { kind }, be).y.dataSync();
    const { rel, at } = worst(y, x, (v) => activate(kind, v, 1, 0));
    expect(rel, `worst at x = ${at}`).toBeLessThan(tol);
  });

  it('exp of the specials: overflow, underflow, NaN', () => {
    const y = runExport('runtime_exp', Float32Array.from([89, Infinity, -Infinity, -105, NaN, 0, -0]));
    expect([...y.subarray(0, 4)]).toEqual([Infinity, Infinity, 0, 0]);
    expect(y[4]).toBeNaN();
    expect([y[5], y[6]]).toEqual([1, 1]);
    const m = runExport('runtime_expm1', Float32Array.from([-Infinity, -100, Infinity, 0, -0]));
    expect([...m]).toEqual([-1, -1, Infinity, 0, -0]);
  });
});
