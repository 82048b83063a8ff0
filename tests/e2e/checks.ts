/**
 * End-to-end checks of the built package (dist/tinyconv.js and dist/tinyconv.wasm), shared by
 * every runtime: Deno (deno.test.ts), a browser page and a module Web Worker (browser.mjs).
 * Adding a check is adding one function to CHECKS; each runtime picks it up by name.
 *
 * Expected values are written out here or computed with plain arithmetic, never by the library.
 * This file runs untranspiled in Deno and transpiled by the test server in the browser, so it
 * imports nothing at run time: the library comes in through the context.
 */
import type * as Tinyconv from '../../src/index.js';

export type Lib = typeof Tinyconv;

export interface CheckContext {
  /** The library, imported from dist/tinyconv.js. */
  tc: Lib;
  /** Where the checks run: "deno", "browser page", "browser worker". */
  runtime: string;
  /** The bytes of a file of the repository, by its path from the root ("models/x/model.json"). */
  readBytes(path: string): Promise<Uint8Array>;
}

export type Check = (ctx: CheckContext) => void | Promise<void>;

export interface CheckResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export const CHECKS: Record<string, Check> = {
  'tensors keep their shape and values'({ tc }) {
    const t = tc.Tensor.fromNested([[1, 2, 3], [4, 5, 6]]);
    assertEqual(t.shape, [2, 3], 'shape');
    assertEqual(Array.from(t.dataSync()), [1, 2, 3, 4, 5, 6], 'values');
    assertEqual(t.toNested(), [[1, 2, 3], [4, 5, 6]], 'nested');
    t.dispose();
    assertThrowsCode(() => t.dataSync(), tc, 'E_DISPOSED');
  },

  'add broadcasts a row over a matrix'({ tc }) {
    const a = tc.Tensor.fromNested([[1, 2, 3], [4, 5, 6]]);
    const b = tc.Tensor.from([10, 20, 30], [3]);
    const { y } = tc.runOp('add', [a, b], {}, tc.hostBackendOf());
    assertEqual(y.shape, [2, 3], 'shape');
    assertEqual(y.toNested(), [[11, 22, 33], [14, 25, 36]], 'values');
  },

  'the gradient of sum(a * b) is (b, a)'({ tc }) {
    const be = tc.hostBackendOf();
    const a = tc.Tensor.from([1.5, -2, 3], [3]);
    const b = tc.Tensor.from([4, 0.5, -1], [3]);
    const { y, grads } = tc.grad(() => tc.runOp('mul', [a, b], {}, be).y, [a, b]);
    assertEqual(Array.from(y.dataSync()), [6, -1, -3], 'a * b');
    assertEqual(Array.from(grads[0]!.dataSync()), [4, 0.5, -1], 'd/da');
    assertEqual(Array.from(grads[1]!.dataSync()), [1.5, -2, 3], 'd/db');
  },

  'activations match their formulas'({ tc }) {
    const xs = [-3, -0.5, 0, 0.25, 2, 7];
    const run = (kind: string, attrs: Record<string, unknown> = {}) =>
      Array.from(tc.runOp('activation', [tc.Tensor.from(xs, [xs.length])], { kind, ...attrs }, tc.hostBackendOf()).y.dataSync());
    assertEqual(run('relu'), [0, 0, 0, 0.25, 2, 7], 'relu');
    assertEqual(run('relu6'), [0, 0, 0, 0.25, 2, 6], 'relu6');
    assertEqual(run('leaky_relu', { alpha: 0.5 }), [-1.5, -0.25, 0, 0.25, 2, 7], 'leaky_relu');
    assertClose(run('sigmoid'), xs.map((x) => 1 / (1 + Math.exp(-x))), 1e-6, 'sigmoid');
    assertClose(run('tanh'), xs.map(Math.tanh), 1e-6, 'tanh');
  },

  'bad inputs raise TinyconvError with a code'({ tc }) {
    const be = tc.hostBackendOf();
    assertThrowsCode(() => tc.runOp('add', [tc.Tensor.zeros([2, 3]), tc.Tensor.zeros([4])], {}, be), tc, 'E_SHAPE');
    assertThrowsCode(() => tc.runOp('activation', [tc.Tensor.zeros([2])], { kind: 'relu7' }, be), tc, 'E_ATTR');
    assertThrowsCode(() => tc.getOp('no_such_op'), tc, 'E_UNSUPPORTED');
  },

  '.npy bytes round-trip'({ tc }) {
    const bytes = tc.encodeNpy(new Float32Array([1.5, -2, 0.25, 8]), [2, 2]);
    assertEqual(Array.from(bytes.subarray(0, 6)), [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59], 'magic \\x93NUMPY');
    const { data, shape } = tc.decodeNpy(bytes);
    assertEqual(shape, [2, 2], 'shape');
    assertEqual(Array.from(data), [1.5, -2, 0.25, 8], 'values');
  },

  async 'wasm relu and relu6 load from next to the bundle'({ tc }) {
    const k = await tc.loadWasmKernels();
    for (const n of [0, 1, 3, 4, 5, 1023]) {
      // Values in [-10, 10) with a tail of n % 4 elements after the SIMD lanes.
      const x = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 200) / 10 - 10);
      assertEqual(Array.from(k.relu(x)), Array.from(x, (v) => (v > 0 ? v : 0)), `relu, length ${n}`);
      assertEqual(Array.from(k.relu6(x)), Array.from(x, (v) => (v > 0 ? Math.min(v, 6) : 0)), `relu6, length ${n}`);
    }
  },

  async 'wasm kernels load from bytes'({ tc, readBytes }) {
    const bytes = await readBytes('dist/tinyconv.wasm');
    assertEqual(Array.from(bytes.subarray(0, 4)), [0x00, 0x61, 0x73, 0x6d], 'wasm magic');
    const k = await tc.loadWasmKernels({ source: bytes });
    assertEqual(Array.from(k.leakyRelu(new Float32Array([-2, 3, -0.5, 1, -4]), 0.25)), [-0.5, 3, -0.125, 1, -1], 'leakyRelu');
  },
};

/** Runs the named checks (all by default) and reports each, never throwing. */
export async function runChecks(ctx: CheckContext, names: readonly string[] = Object.keys(CHECKS)): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const name of names) {
    const t0 = performance.now();
    try {
      const check = CHECKS[name];
      if (!check) throw new Error(`no check named ${JSON.stringify(name)}`);
      await check(ctx);
      out.push({ name, ok: true, ms: performance.now() - t0 });
    } catch (e) {
      out.push({ name, ok: false, ms: performance.now() - t0, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  }
  return out;
}

// Assertions: tiny on purpose, so the checks need no test framework in any runtime.

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

export function assertEqual(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  assert(a === e, `${what}: got ${a}, expected ${e}`);
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert(actual.length === expected.length, `${what}: got ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    assert(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${what}[${i}]: got ${a}, expected ${e} (tolerance ${tol})`);
  }
}

export function assertThrowsCode(fn: () => unknown, tc: Lib, code: string): void {
  try {
    fn();
  } catch (e) {
    assert(e instanceof tc.TinyconvError, `expected a TinyconvError, got ${String(e)}`);
    assert(e.code === code, `expected code ${code}, got ${e.code}: ${e.message}`);
    return;
  }
  throw new Error(`expected an error with code ${code}, but nothing was thrown`);
}
