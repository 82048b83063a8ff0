/**
 * End-to-end checks of the built package (dist/tinyconv.js and its wasm builds), shared by
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
  /**
   * Whether a missing WebGPU adapter fails the WebGPU checks (CI=true: every CI runtime has one)
   * instead of skipping them.
   */
  requireWebGPU: boolean;
}

export type Check = (ctx: CheckContext) => void | Promise<void>;

export interface CheckResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
  /** Why the check did not run (ok is true then); runners report it as a skip, never a pass. */
  skipped?: string;
}

/** Thrown by a check whose prerequisite the runtime lacks where the run does not require it. */
export class CheckSkipped extends Error {
  override name = 'CheckSkipped';
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

  async 'the wasm backend loads from next to the bundle and runs element-wise ops'({ tc, runtime }) {
    const be = await tc.createWasmBackend();
    try {
      const d = be.diagnostics;
      // Threads wherever SharedArrayBuffer works (the test server sends COOP/COEP) and there are cores.
      const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
      if (cores > 1) assert(d.threads > 1 && be.name === 'wasm-mt', `${runtime}: expected threads, got ${d.threads} (${d.threadsReason})`);
      assert(d.build === `tinyconv${d.threads > 1 ? '-mt' : ''}${d.relaxed ? '-relaxed' : ''}.wasm`, `build ${d.build}`);
      // Large enough (3 x 8000 x 4) that the work is split across the threads.
      const n = 8000 * 4;
      const xs = Array.from({ length: 3 * n }, (_, i) => ((i * 7919) % 200) / 10 - 10);
      const x = tc.Tensor.from(xs, [3, 8000, 4]);
      const b = tc.Tensor.from([1, -2, 0.5, 4], [4]);
      const y = tc.runOp('add', [x, b], {}, be).y;
      const r = tc.runOp('activation', [y], { kind: 'relu6' }, be).y;
      const expected = xs.map((v, i) => Math.min(6, Math.max(0, v + [1, -2, 0.5, 4][i % 4]!)));
      assertClose(Array.from(await r.data()), expected, 1e-6, 'relu6(x + b)');
      const s = tc.runOp('activation', [tc.Tensor.from([-3, 0, 2], [3])], { kind: 'sigmoid' }, be).y;
      assertClose(Array.from(s.dataSync()), [-3, 0, 2].map((v) => 1 / (1 + Math.exp(-v))), 1e-6, 'sigmoid');
      for (const t of [x, y, r, s]) t.dispose();
    } finally {
      be.dispose();
    }
  },

  async 'the wasm backend runs a build given as bytes'({ tc, readBytes }) {
    const bytes = await readBytes('dist/tinyconv.wasm');
    assertEqual(Array.from(bytes.subarray(0, 4)), [0x00, 0x61, 0x73, 0x6d], 'wasm magic');
    const be = await tc.createWasmBackend({ source: bytes });
    try {
      assertEqual([be.name, be.diagnostics.threads], ['wasm', 1], 'a single-threaded build');
      const y = tc.runOp('activation', [tc.Tensor.from([-2, 3, -0.5, 1, -4], [5])], { kind: 'leaky_relu', alpha: 0.25 }, be).y;
      assertEqual(Array.from(y.dataSync()), [-0.5, 3, -0.125, 1, -1], 'leaky_relu');
    } finally {
      be.dispose();
    }
  },

  async 'a model with hand-set weights predicts hand-computed values after saveModel and loadModel'({ tc }) {
    // image [N, 2, 2, 2] -> 1x1 conv, 2 filters, relu -> global average pool -> dense, 2 units.
    const image = tc.Input({ shape: [2, 2, 2], name: 'image' });
    const conv = new tc.Conv2D({ name: 'conv', filters: 2, kernel_size: 1, activation: 'relu' }).apply(image);
    const pooled = new tc.GlobalAveragePooling2D({ name: 'pool' }).apply(conv);
    const head = new tc.Dense({ name: 'head', units: 2 }).apply(pooled);
    const model = new tc.Model({ name: 'hand_set', inputs: image, outputs: head });
    assertEqual(model.weights.map((v) => v.name), ['conv/kernel', 'conv/bias', 'head/kernel', 'head/bias'], 'weight order');
    // conv: f0 = relu(c0 + 0.5 c1 - 0.5), f1 = relu(-c0 + 0.25 c1 + 1); kernel [1, 1, Cin, Cout] row-major.
    // head: y0 = 2 g0 + g1 + 0.25, y1 = -g0 + 0.5 g1 - 0.5; kernel [K, M] row-major.
    model.setWeights([
      { shape: [1, 1, 2, 2], data: [1, -1, 0.5, 0.25] },
      { shape: [2], data: [-0.5, 1] },
      { shape: [2, 2], data: [2, -1, 1, 0.5] },
      { shape: [2], data: [0.25, -0.5] },
    ]);
    // Pixels (h, w) = 00, 01, 10, 11 of two images, channels [c0, c1] each.
    const x = tc.Tensor.from([1, 2, 3, -1, 0, 4, -2, 1, 0.5, 0.5, -1, -1, 2, 0, 1, 3], [2, 2, 2, 2]);
    // Image 0: [1, 2] -> f (1.5, 0.5); [3, -1] -> (2, relu(-2.25) = 0); [0, 4] -> (1.5, 2); [-2, 1] -> (relu(-2) = 0, 3.25).
    //   g = (5 / 4, 5.75 / 4) = (1.25, 1.4375); y0 = 2.5 + 1.4375 + 0.25 = 4.1875; y1 = -1.25 + 0.71875 - 0.5 = -1.03125.
    // Image 1: [0.5, 0.5] -> (0.25, 0.625); [-1, -1] -> (0, 1.75); [2, 0] -> (1.5, 0); [1, 3] -> (2, 0.75).
    //   g = (3.75 / 4, 3.125 / 4) = (0.9375, 0.78125); y0 = 1.875 + 0.78125 + 0.25 = 2.90625; y1 = -0.9375 + 0.390625 - 0.5 = -1.046875.
    // Every value is a short binary fraction, so float32 holds each step exactly.
    const expected = [4.1875, -1.03125, 2.90625, -1.046875];

    const bytes = await tc.saveModel(model, 'bytes');
    assert(tc.hasFileMagic(bytes), 'saveModel(model, "bytes") gives a single-file model');
    const loaded = await tc.loadModel(bytes);
    assertEqual(loaded.name, 'hand_set', 'name');
    assertEqual(loaded.countParams(), 12, 'parameters: conv 1*1*2*2 + 2, head 2*2 + 2');
    assertEqual(loaded.weights.map((v) => Array.from(v.read())), [[1, -1, 0.5, 0.25], [-0.5, 1], [2, -1, 1, 0.5], [0.25, -0.5]], 'weights after loading');
    const y = loaded.predict(x, { backend: tc.createReferenceBackend('float32') });
    assertEqual(y.backend.name, 'reference', 'backend');
    assertEqual(y.shape, [2, 2], 'output shape');
    assertEqual(Array.from(await y.data()), expected, 'loaded model output');
    assertEqual(Array.from(model.predict(x).dataSync()), expected, 'original model output');
  },

  // WebGPU against the reference backend, in the same runtime. The checks share one backend per
  // context (see webgpu() below); each runs an op on both and compares every output.

  async 'webgpu: conv2d with bias and fused relu'(ctx) {
    await onBoth(ctx, (be) => {
      const [x, w, b] = inputs(be, [[2, 6, 6, 3], [3, 3, 3, 4], [4]]);
      return [ctx.tc.runOp('conv2d', [x, w, b], { strides: [1, 1], padding: 'same', activation: 'relu' }, be).y];
    });
  },

  async 'webgpu: depthwise conv2d, stride 2, multiplier 2'(ctx) {
    await onBoth(ctx, (be) => {
      const [x, w, b] = inputs(be, [[1, 7, 7, 4], [3, 3, 4, 2], [8]]);
      return [ctx.tc.runOp('depthwise_conv2d', [x, w, b], { strides: [2, 2], padding: 'same' }, be).y];
    });
  },

  async 'webgpu: max pool 3x3, stride 2'(ctx) {
    await onBoth(ctx, (be) => {
      const [x] = inputs(be, [[2, 7, 7, 3]]);
      return [ctx.tc.runOp('max_pool2d', [x], { poolSize: [3, 3], strides: [2, 2], padding: 'valid' }, be).y];
    });
  },

  async 'webgpu: batch norm in training mode, with its running statistics'(ctx) {
    await onBoth(ctx, (be) => {
      const [x, gamma, beta, mean] = inputs(be, [[4, 3, 3, 5], [5], [5], [5]]);
      const variance = be.upload(Float32Array.from([0.5, 1, 1.5, 2, 2.5]), [5]);
      const { y, state } = ctx.tc.runOp('batch_norm', [x, gamma, beta, mean, variance], { epsilon: 1e-3, momentum: 0.9 }, be, 'train');
      const names = Object.keys(state).sort();
      assert(names.length === 2, `expected the running mean and variance as state, got ${names.join(', ') || 'none'}`);
      return [y, ...names.map((k) => state[k]!)];
    });
  },

  async 'webgpu: softmax over the last axis'(ctx) {
    await onBoth(ctx, (be) => {
      const [x] = inputs(be, [[3, 10]], 4);
      return [ctx.tc.runOp('softmax', [x], { axis: -1 }, be).y];
    });
  },

  async 'webgpu: batched matmul with a broadcast right operand'(ctx) {
    await onBoth(ctx, (be) => {
      const [a, b] = inputs(be, [[2, 5, 7], [7, 6]]);
      return [ctx.tc.runOp('matmul', [a, b], {}, be).y];
    });
  },

  async 'webgpu: backward of conv2d with bias and relu via grad'(ctx) {
    await onBoth(ctx, (be) => {
      const [x, w, b] = inputs(be, [[2, 5, 5, 3], [3, 3, 3, 4], [4]]);
      const [dy] = inputs(be, [[2, 5, 5, 4]], 9);
      const { tc } = ctx;
      const { grads } = tc.grad(() => tc.runOp('conv2d', [x, w, b], { padding: 'same', activation: 'relu' }, be, 'train').y, [x, w, b], dy);
      return grads;
    });
  },
};

/** Relative tolerance of the WebGPU checks against the reference backend. */
const WEBGPU_RTOL = 1e-4;

const webgpuBackends = new WeakMap<CheckContext, Promise<{ be: WebGPUBackend } | { why: string }>>();

type WebGPUBackend = Awaited<ReturnType<Lib['createWebGPUBackend']>>;
type Backend = ReturnType<Lib['hostBackendOf']>;
type TensorT = ReturnType<Backend['upload']>;

/**
 * The WebGPU backend of this context, made once. Without an adapter: a failure when the run
 * requires WebGPU, a skip otherwise (never a silent pass).
 */
async function webgpu(ctx: CheckContext): Promise<WebGPUBackend> {
  let made = webgpuBackends.get(ctx);
  if (!made) {
    made = ctx.tc.createWebGPUBackend().then(
      (be) => ({ be }),
      (e: unknown) => {
        // E_BACKEND: no navigator.gpu or no adapter; anything else is a bug and fails the check.
        if (e instanceof ctx.tc.TinyconvError && e.code === 'E_BACKEND') return { why: e.message };
        throw e;
      },
    );
    webgpuBackends.set(ctx, made);
  }
  const r = await made;
  if ('be' in r) return r.be;
  if (ctx.requireWebGPU) throw new Error(`${ctx.runtime}: CI=true requires a WebGPU adapter here: ${r.why}`);
  throw new CheckSkipped(`${ctx.runtime} has no WebGPU adapter: ${r.why}`);
}

/**
 * Runs `build` on the WebGPU backend and on the reference backend with the same input values
 * and compares every output tensor, relative to its magnitude.
 */
async function onBoth(ctx: CheckContext, build: (be: Backend) => TensorT[]): Promise<void> {
  const gpu = await webgpu(ctx);
  const ref = ctx.tc.hostBackendOf();
  const got = build(gpu);
  const want = build(ref);
  assert(got.length === want.length, `webgpu gave ${got.length} outputs, the reference ${want.length}`);
  for (const [i, g] of got.entries()) {
    const w = want[i]!;
    assertEqual(g.shape, w.shape, `output ${i} shape`);
    assertRelClose(await g.data(), await w.data(), WEBGPU_RTOL, `output ${i} on ${gpu.diagnostics.adapter}`);
  }
}

/**
 * Tensors of the given shapes on `be`, filled with a fixed pattern in [-1, 1) (the same on every
 * backend and runtime, so both sides see identical values).
 */
function inputs(be: Backend, shapes: readonly (readonly number[])[], seed = 1): TensorT[] {
  return shapes.map((shape, k) => {
    const n = shape.reduce((a, d) => a * d, 1);
    const data = Float32Array.from({ length: n }, (_, i) => (((i + 1) * 7919 + (k + seed) * 104729) % 2003) / 1001.5 - 1);
    return be.upload(data, [...shape]);
  });
}

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
      if (e instanceof CheckSkipped) {
        out.push({ name, ok: true, ms: performance.now() - t0, skipped: e.message });
        continue;
      }
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

/**
 * |actual - expected| <= rtol * max(|expected|, mean |expected|): relative per element, with the
 * array's typical magnitude as the floor, so sums that cancel to near zero are not held to an
 * unreachable precision.
 */
export function assertRelClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, what: string): void {
  assert(actual.length === expected.length, `${what}: got ${actual.length} values, expected ${expected.length}`);
  let mean = 0;
  for (let i = 0; i < expected.length; i++) mean += Math.abs(expected[i]!) / expected.length;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    assert(Math.abs(a - e) <= rtol * Math.max(Math.abs(e), mean), `${what}[${i}]: got ${a}, expected ${e} (relative tolerance ${rtol})`);
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
