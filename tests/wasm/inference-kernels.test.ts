import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/core/backend.js';
import { Rng } from '../../src/core/random.js';
import type { Shape } from '../../src/core/shape.js';
import { createReferenceBackend } from '../../src/backends/reference/index.js';
import { runtimeOf } from '../../src/backends/wasm/runtime.js';
import { ACTIVATIONS, ACTIVATION_DEFAULT_ALPHA, activate, type Activation } from '../../src/ops/activation-math.js';
import { getOp } from '../../src/ops/registry.js';
import { poolWindow, type PoolAttrs } from '../../src/ops/pool-window.js';
import type { OpCase } from '../conformance/case.js';
import { analyticGrads64, backward, caseInputs, forward, forward64, generate, gradInputs } from '../conformance/harness.js';
import { testBackends } from '../util/backends.js';
import { closeReport } from '../util/close.js';

/**
 * The inference kernels on wasm: the fused dense kernel (w packed once; one or two rows run the
 * matrix-vector kernel, more the GEMM, both with bias and activation fused) around the tile and
 * block sizes and across workers, and
 * max_pool2d_infer (max pooling without the argmax) at every SIMD lane remainder, with the exact
 * values of max_pool2d (ties, -0 / +0, NaN, infinities, padding). Results are compared with
 * float64 loops or the reference kernels.
 */

const wasmBackends = testBackends().filter((b) => b.name.startsWith('wasm'));
const ref = createReferenceBackend('float32');
/** Block sizes of assembly/gemm-driver.ts. */
const KC = 512, MC = 120, NC = 512;

function values(n: number, rng: Rng): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  return v;
}

/** act(x @ w + b) in float64, x [rows, K], w [K, M]. */
function dense64(X: Float32Array, W: Float32Array, B: Float32Array | null, rows: number, k: number, m: number, act: Activation, alpha: number, beta: number): Float64Array {
  const out = new Float64Array(rows * m);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < m; j++) {
      let s = B ? B[j]! : 0;
      for (let p = 0; p < k; p++) s += X[i * k + p]! * W[p * m + j]!;
      out[i * m + j] = activate(act, s, alpha, beta);
    }
  }
  return out;
}

interface DenseRun {
  lead: Shape;
  k: number;
  m: number;
  bias?: boolean;
  act?: Activation;
  alpha?: number;
  beta?: number;
}

/** Runs the dense kernel on `be` and checks it against float64. */
function checkDense(be: Backend, r: DenseRun, seed: number): void {
  const rng = new Rng(seed);
  const rows = r.lead.reduce((a, d) => a * d, 1);
  const act = r.act ?? 'linear', alpha = r.alpha ?? ACTIVATION_DEFAULT_ALPHA[act], beta = r.beta ?? (act === 'hard_sigmoid' ? 0.5 : 0);
  const X = values(rows * r.k, rng), W = values(r.k * r.m, rng), B = r.bias === false ? null : values(r.m, rng);
  const ins = [be.upload(X, [...r.lead, r.k]), be.upload(W, [r.k, r.m]), ...(B ? [be.upload(B, [r.m])] : [])];
  const [y] = be.kernels.dense!(ins, { activation: act, alpha, beta }, be);
  expect(y!.shape).toEqual([...r.lead, r.m]);
  const what = `dense [${r.lead}, ${r.k}] @ [${r.k}, ${r.m}]${B ? ' + b' : ''}, ${act}`;
  const report = closeReport(be.readSync(y!), dense64(X, W, B, rows, r.k, r.m, act, alpha, beta), { rtol: 1e-4 });
  expect(report, `${what}: ${report}`).toBeNull();
  for (const t of [y!, ...ins]) t.dispose();
}

describe.each(wasmBackends.map((b) => [b.name, b] as const))('fused dense on %s', (_name, be) => {
  const rt = runtimeOf(be);
  const MR = rt.call('gemm_mr', []) as number;

  it('rows on both sides of the matrix-vector path (1, 2) and around the tile height, units around the tile width, small K', () => {
    let seed = 1;
    for (const rows of new Set([1, 2, 3, MR - 1, MR, MR + 1, 2 * MR + 3])) {
      for (const m of [1, 3, 4, 5, 7, 8, 9, 19]) for (const k of [1, 2, 3, 5]) checkDense(be, { lead: [rows], k, m, act: 'relu' }, seed++);
    }
  });

  it('the matrix-vector path across K blocks (511, 512, 513, 1027), with and without bias', () => {
    for (const rows of [1, 2]) {
      for (const k of [KC - 1, KC, KC + 1, 2 * KC + 3]) checkDense(be, { lead: [rows], k, m: 13, act: 'elu', bias: k % 2 === 0 }, k + rows);
    }
  });

  it('every activation on full and partial tiles (the epilogue of both tile paths)', () => {
    ACTIVATIONS.forEach((act, i) => checkDense(be, { lead: [2 * MR + 1], k: 37, m: 19, act }, 100 + i));
    checkDense(be, { lead: [MR + 2], k: 9, m: 17, act: 'leaky_relu', alpha: 0.05 }, 120);
    checkDense(be, { lead: [MR + 2], k: 9, m: 17, act: 'hard_sigmoid', alpha: 0.3, beta: 0.45 }, 121);
    checkDense(be, { lead: [MR + 2], k: 9, m: 17, act: 'elu', alpha: 0.7 }, 122);
  });

  it('K past the K block, rows past the row block, units past the column block; no bias', () => {
    checkDense(be, { lead: [MR + 1], k: KC + 1, m: 9, act: 'tanh' }, 200);
    checkDense(be, { lead: [MC + MR + 1], k: 9, m: 17, act: 'relu6' }, 201);
    checkDense(be, { lead: [3], k: 5, m: NC + 9, act: 'swish', bias: false }, 202);
  });

  it('every leading dimension of x folds into the rows', () => {
    checkDense(be, { lead: [2, 3, MR], k: 7, m: 10, act: 'sigmoid' }, 300);
    checkDense(be, { lead: [1, 1], k: 6, m: 3, act: 'hard_swish', bias: false }, 301);
  });

  it('big enough to split across workers: by rows, by columns, and the matrix-vector path by panels', () => {
    checkDense(be, { lead: [60], k: 512, m: 256, act: 'relu' }, 400);
    checkDense(be, { lead: [MR - 1], k: 1024, m: 1000, act: 'linear' }, 401);
    checkDense(be, { lead: [1], k: 1024, m: 1001, act: 'sigmoid' }, 402);
    checkDense(be, { lead: [2], k: 777, m: 1000, act: 'relu' }, 403);
  });

  it('K = 0 gives act(b) in every row', () => {
    const b = be.upload(Float32Array.from([-1, 0.5, 2]), [3]);
    const [y] = be.kernels.dense!([be.upload(new Float32Array(0), [2, 0]), be.upload(new Float32Array(0), [0, 3]), b], { activation: 'relu', alpha: 0, beta: 0 }, be);
    expect(Array.from(be.readSync(y!))).toEqual([0, 0.5, 2, 0, 0.5, 2]);
  });

  it('packs w once, shares the packing with matmul, and repacks after an in-place write', () => {
    const rng = new Rng(500);
    const rows = MR + 3, k = 21, m = 13;
    const W = values(k * m, rng), B = values(m, rng);
    const w = be.upload(W, [k, m]), b = be.upload(B, [m]);
    const attrs = { activation: 'relu', alpha: 0, beta: 0 };
    for (let call = 0; call < 3; call++) {
      const X = values(rows * k, rng);
      const [y] = be.kernels.dense!([be.upload(X, [rows, k]), w, b], attrs, be);
      expect(closeReport(be.readSync(y!), dense64(X, W, B, rows, k, m, 'relu', 0, 0)), `call ${call}`).toBeNull();
      // The matmul kernel reads the same packing of w (it packs a B it sees again).
      const [z] = be.kernels.matmul!([be.upload(X, [rows, k]), w], { transposeA: false, transposeB: false }, be);
      expect(closeReport(be.readSync(z!), dense64(X, W, null, rows, k, m, 'linear', 0, 0)), `matmul call ${call}`).toBeNull();
    }
    const W2 = values(k * m, rng);
    rt.view(w).set(W2);
    rt.invalidate(w);
    const X = values(rows * k, rng);
    const [y] = be.kernels.dense!([be.upload(X, [rows, k]), w, b], attrs, be);
    expect(closeReport(be.readSync(y!), dense64(X, W2, B, rows, k, m, 'relu', 0, 0))).toBeNull();
  });
});

/** Values as comparable strings: NaN as 'NaN' (any payload), -0 apart from +0. */
const exact = (a: Float32Array): string[] => Array.from(a, (v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : String(v)));

/** Runs a kernel on `b` with host values and returns every output on the host. */
function runKernel(b: Backend, kernel: string, x: Float32Array, shape: Shape, attrs: unknown): Float32Array[] {
  return b.kernels[kernel]!([b.upload(x, shape)], attrs, b).map((t) => t.dataSync());
}

/** Pooling cases in 'infer' (max_pool2d_infer, argmax recomputed for the gradient) and 'train'. */
function poolCases(c: number): OpCase[] {
  const at = `C=${c}`;
  const max = (name: string, x: Shape, attrs: Record<string, unknown>): OpCase[] =>
    (['infer', 'train'] as const).map((mode) => ({ op: 'max_pool2d', name: `${mode}, ${name}, ${at}`, inputs: [x], attrs, gen: 'distinct', mode }));
  return [
    ...max('2x2 stride 2', [2, 4, 6, c], { poolSize: 2 }),
    ...max('3x3 stride 1 same', [1, 5, 4, c], { poolSize: 3, strides: 1, padding: 'same' }),
    ...max('3x2 dilated, asymmetric padding, ceil mode', [1, 7, 6, c], { poolSize: [3, 2], strides: 2, dilations: [1, 2], padding: [1, 0, 2, 1], ceilMode: true }),
    { op: 'mixed_pool2d', name: `infer, alpha 0.7, ${at}`, inputs: [[1, 5, 5, c]], attrs: { poolSize: 3, strides: 2, padding: 'same', alpha: 0.7 }, gen: 'distinct' },
  ];
}

const LANES = [1, 3, 4, 5, 8, 13, 16, 17, 21, 36];
const POOL_CASES: OpCase[] = [
  ...LANES.flatMap(poolCases),
  // Big enough that the multi-threaded backend splits the output rows.
  { op: 'max_pool2d', name: 'split: infer 2x2, 64 channels', inputs: [[2, 32, 30, 64]], attrs: { poolSize: 2 }, gen: 'distinct' },
  { op: 'max_pool2d', name: 'split: train 3x3 stride 2 same, 20 channels', inputs: [[2, 33, 31, 20]], attrs: { poolSize: 3, strides: 2, padding: 'same' }, gen: 'distinct', mode: 'train' },
];

describe.each(wasmBackends.map((b) => [b.name, b] as const))('max pooling without the argmax on %s', (_name, be) => {
  it.for(POOL_CASES.map((c) => [`${c.op}: ${c.name}`, c] as const))('forward and backward %s', async ([, c]) => {
    const values = caseInputs(c);
    const expected = forward64(c, values);
    const actual = await forward(be, c, values);
    expect(actual.shape).toEqual(expected.shape);
    expect(closeReport(actual.y, expected.y, { rtol: 1e-4 })).toBeNull();
    const dy = generate('normal', expected.shape, new Rng(4321));
    const grads = await backward(be, c, values, dy);
    const expectedGrads = analyticGrads64(c, values, dy);
    grads.forEach((g, k) => expect(closeReport(g, expectedGrads[k]!, { rtol: 1e-4 }), `input ${gradInputs(c)[k]}`).toBeNull());
  });

  // Ties, -0 next to +0, NaN, infinities, windows half in the padding, and channel counts that use
  // the 16-channel blocks, single quads and the scalar tail.
  it.each([
    ['3x3 stride 1 same', { poolSize: [3, 3], strides: [1, 1], padding: 'same' }],
    ['2x2 stride 2 ceil mode', { poolSize: [2, 2], strides: [2, 2], ceilMode: true }],
    ['3x2 dilated, asymmetric padding', { poolSize: [3, 2], strides: [1, 2], padding: [2, 0, 1, 1], dilations: [1, 2] }],
  ])('the values of max_pool2d and of the reference, exactly: %s', (_case, raw) => {
    for (const c of [1, 6, 21]) {
      const shape = [2, 4, 5, c];
      const rng = new Rng(7 + c);
      const x = new Float32Array(shape.reduce((a, d) => a * d, 1));
      for (let i = 0; i < x.length; i++) {
        const r = rng.next();
        // Many ties (halves), signed zeros, and a few NaN and infinities.
        x[i] = r < 0.04 ? NaN : r < 0.07 ? -Infinity : r < 0.09 ? Infinity : r < 0.25 ? (rng.next() < 0.5 ? -0 : 0) : Math.round(rng.normal() * 2) / 2;
      }
      const w = poolWindow('max_pool2d', shape, getOp('max_pool2d').attrs(raw) as PoolAttrs);
      const [y] = runKernel(be, 'max_pool2d_infer', x, shape, w);
      const [withArgmax] = runKernel(be, 'max_pool2d', x, shape, w);
      const [expected] = runKernel(ref, 'max_pool2d_infer', x, shape, w);
      const [refWithArgmax] = runKernel(ref, 'max_pool2d', x, shape, w);
      expect(exact(expected!)).toEqual(exact(refWithArgmax!));
      expect(exact(y!), `C=${c}`).toEqual(exact(expected!));
      expect(exact(withArgmax!), `C=${c}`).toEqual(exact(expected!));
    }
  });
});

describe('max_pool2d_infer on the reference', () => {
  it('a NaN wins wherever it falls in the window, and -0 before +0 stays -0', () => {
    // One 2x2 window per channel: [NaN first], [NaN last], [-0, +0, -1, -2], [+0, -0, -1, -2].
    const x = Float32Array.from([NaN, 1, -0, 0, 1, 1, 0, -0, 1, 1, -1, -1, 1, NaN, -2, -2]);
    const [y] = runKernel(ref, 'max_pool2d_infer', x, [1, 2, 2, 4], poolWindow('max_pool2d', [1, 2, 2, 4], getOp('max_pool2d').attrs({ poolSize: 2 }) as PoolAttrs));
    expect(exact(y!)).toEqual(['NaN', 'NaN', '-0', '0']);
  });
});
