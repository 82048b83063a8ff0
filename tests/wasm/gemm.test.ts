import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/core/backend.js';
import { Rng } from '../../src/core/random.js';
import type { Shape } from '../../src/core/shape.js';
import type { Tensor } from '../../src/core/tensor.js';
import { ACTIVATIONS, activate } from '../../src/ops/activation-math.js';
import { ACTIVATION_CODE } from '../../src/backends/wasm/activation-code.js';
import type { WasmBackend } from '../../src/backends/wasm/backend.js';
import { runtimeOf, type WasmRuntime } from '../../src/backends/wasm/runtime.js';
import { GEMM_ACCUMULATE, GEMM_PACKED_B, GEMM_TRANS_A, GEMM_TRANS_B } from '../../src/backends/wasm/kernels/matmul.js';
import { testBackends } from '../util/backends.js';
import { closeReport } from '../util/close.js';

/**
 * The wasm GEMM around its tile and block sizes, in the XNNPACK manner: M around the register
 * tile height (MR: 5 in the plain build, 6 in the relaxed one), N around the tile width (8),
 * K around the SIMD width and the K block (512), M and N past the row and column blocks (120,
 * 512), every transpose, batches, weights packed once and reused, and the raw export with
 * accumulation (beta = 1), a bias and every activation, split across workers. Each result is
 * compared with a float64 loop.
 */

const wasmBackends = testBackends().filter((b) => b.name.startsWith('wasm'));
const TRANSPOSES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;
/** Block sizes of assembly/gemm-driver.ts. */
const KC = 512, MC = 120, NC = 512;

function values(n: number, rng: Rng): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  return v;
}

/** op(A) op(B) in float64 for one matrix pair at element offsets oa, ob. */
function product64(A: Float32Array, B: Float32Array, m: number, n: number, k: number, ta: boolean, tb: boolean, oa = 0, ob = 0): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A[oa + (ta ? p * m + i : i * k + p)]! * B[ob + (tb ? j * k + p : p * n + j)]!;
      out[i * n + j] = s;
    }
  }
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = 1e-4): void {
  const report = closeReport(actual, expected, { rtol });
  expect(report, `${what}: ${report}`).toBeNull();
}

function upload(be: Backend, data: Float32Array, shape: Shape): Tensor {
  return be.upload(data, shape);
}

function matmul(be: Backend, a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Float32Array {
  const [y] = be.kernels.matmul!([a, b], { transposeA, transposeB }, be);
  const out = be.readSync(y!);
  y!.dispose();
  return out;
}

/** One 2-D product through the matmul kernel, checked against float64. */
function checkMatmul(be: Backend, m: number, n: number, k: number, ta: boolean, tb: boolean, seed: number): void {
  const rng = new Rng(seed);
  const A = values(m * k, rng), B = values(k * n, rng);
  const a = upload(be, A, ta ? [k, m] : [m, k]);
  const b = upload(be, B, tb ? [n, k] : [k, n]);
  expectClose(matmul(be, a, b, ta, tb), product64(A, B, m, n, k, ta, tb), `${m}x${n}x${k} transposeA ${ta} transposeB ${tb}`);
  a.dispose();
  b.dispose();
}

const mrOf = (rt: WasmRuntime): number => rt.call('gemm_mr', []) as number;

describe.each(wasmBackends.map((b) => [b.name, b] as const))('GEMM on %s', (_name, be) => {
  const rt = runtimeOf(be);
  const MR = mrOf(rt);
  const M_EDGES = [1, MR - 1, MR, MR + 1, 2 * MR + 3];
  const N_EDGES = [1, 7, 8, 9, 19];
  const K_EDGES = [1, 3, 4, 5, 11];

  it('tiles the register tile height for its build (6 with FMA, 5 without)', () => {
    expect(MR).toBe((be as WasmBackend).diagnostics.relaxed ? 6 : 5);
  });

  it.each(TRANSPOSES)('every M, N, K around the tile sizes, transposeA %s transposeB %s', (ta, tb) => {
    let seed = 1;
    for (const m of M_EDGES) for (const n of N_EDGES) for (const k of K_EDGES) checkMatmul(be, m, n, k, ta, tb, seed++);
  });

  it.each(TRANSPOSES)('K around the K block (%s, %s): 511, 512, 513, 1027', (ta, tb) => {
    for (const k of [KC - 1, KC, KC + 1, 2 * KC + 3]) checkMatmul(be, MR + 1, 9, k, ta, tb, k);
  });

  it.each(TRANSPOSES)('M past two row blocks and N past a column block (%s, %s)', (ta, tb) => {
    checkMatmul(be, 2 * MC + MR + 1, 17, 9, ta, tb, 11);
    checkMatmul(be, 3, NC + 9, 5, ta, tb, 12);
  });

  it('K = 0 gives zeros', () => {
    const a = upload(be, new Float32Array(0), [3, 0]);
    const b = upload(be, new Float32Array(0), [0, 10]);
    expect(Array.from(matmul(be, a, b, false, false))).toEqual(new Array(30).fill(0));
  });

  it.each(TRANSPOSES)('batches broadcast both ways, transposeA %s transposeB %s', (ta, tb) => {
    const rng = new Rng(21);
    const m = MR + 2, n = 9, k = 6;
    const A = values(2 * m * k, rng), B = values(3 * k * n, rng);
    const a = upload(be, A, [2, 1, ...(ta ? [k, m] : [m, k])]);
    const b = upload(be, B, [1, 3, ...(tb ? [n, k] : [k, n])]);
    const expected = new Float64Array(6 * m * n);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expected.set(product64(A, B, m, n, k, ta, tb, i * m * k, j * k * n), (3 * i + j) * m * n);
    expectClose(matmul(be, a, b, ta, tb), expected, 'batch [2, 1] x [1, 3]');
  });

  it.each(TRANSPOSES)('a weight shared by a batch is packed once and reused, transposeA %s transposeB %s', (ta, tb) => {
    const rng = new Rng(31);
    const batch = 3, m = 2 * MR + 1, n = 11, k = 13;
    const B = values(k * n, rng);
    const b = upload(be, B, tb ? [n, k] : [k, n]);
    // The first call packs per call; later ones use the packing kept with b.
    for (let call = 0; call < 3; call++) {
      const A = values(batch * m * k, rng);
      const a = upload(be, A, [batch, ...(ta ? [k, m] : [m, k])]);
      const expected = new Float64Array(batch * m * n);
      for (let t = 0; t < batch; t++) expected.set(product64(A, B, m, n, k, ta, tb, t * m * k), t * m * n);
      expectClose(matmul(be, a, b, ta, tb), expected, `call ${call}`);
      a.dispose();
    }
    // New values written in place, with the packing invalidated, are what the next call reads.
    const B2 = values(k * n, rng);
    rt.view(b).set(B2);
    rt.invalidate(b);
    const A = values(m * k, rng);
    const a = upload(be, A, ta ? [k, m] : [m, k]);
    expectClose(matmul(be, a, b, ta, tb), product64(A, B2, m, n, k, ta, tb), 'after invalidate');
  });

  describe('the gemm_run export: accumulate, bias and activation, split across workers', () => {
    /** Runs gemm_run on the pool with scratch from a tensor; returns C. */
    function run(A: Float32Array, B: Float32Array, C0: Float32Array, bias: Float32Array | null, m: number, n: number, k: number, flags: number, act: number, alpha: number, beta: number, splitCols: boolean): Float32Array {
      const packed = (flags & GEMM_PACKED_B) !== 0;
      const ta = (flags & GEMM_TRANS_A) !== 0, tb = (flags & GEMM_TRANS_B) !== 0;
      const runFlags = flags | (splitCols ? 32 : 0);
      const stride = rt.call('gemm_scratch_bytes', [m, n, k, runFlags]) as number;
      const tensors = [
        upload(be, A, [A.length]),
        upload(be, B, [B.length]),
        upload(be, C0, [C0.length]),
        upload(be, bias ?? new Float32Array(1), [bias?.length ?? 1]),
        rt.tensor([(rt.threads * stride) / 4 + 1]),
        rt.tensor([Math.max(1, (rt.call('gemm_packed_b_bytes', [k, n]) as number) / 4)]),
      ];
      const [a, b, c, bi, scratch, pb] = tensors as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
      let bPtr = rt.ptr(b);
      if (packed) {
        rt.call('gemm_pack_b', [bPtr, tb ? k : n, tb ? 1 : 0, k, n, rt.ptr(pb)]);
        bPtr = rt.ptr(pb);
      }
      const total = splitCols ? Math.ceil(n / 8) : Math.ceil(m / MR);
      rt.run('gemm_run', [rt.ptr(a), ta ? m : k, bPtr, tb ? k : n, rt.ptr(c), n, m, n, k, runFlags, bias ? rt.ptr(bi) : 0, act, alpha, beta, rt.ptr(scratch), stride], total);
      const out = be.readSync(c);
      for (const t of tensors) t.dispose();
      return out;
    }

    it.each(TRANSPOSES)('beta 0 and 1, with and without bias, packed or not, split either way, transposeA %s transposeB %s', (ta, tb) => {
      const rng = new Rng(41);
      const check = (m: number, n: number, k: number, accumulate: boolean, withBias: boolean, packed: boolean, splitCols: boolean): void => {
        const A = values(m * k, rng), B = values(k * n, rng), C0 = values(m * n, rng), bias = values(n, rng);
        const flags = (ta ? GEMM_TRANS_A : 0) | (tb ? GEMM_TRANS_B : 0) | (accumulate ? GEMM_ACCUMULATE : 0) | (packed ? GEMM_PACKED_B : 0);
        const expected = product64(A, B, m, n, k, ta, tb);
        for (let r = 0; r < m; r++) for (let j = 0; j < n; j++) expected[r * n + j] += (accumulate ? C0[r * n + j]! : 0) + (withBias ? bias[j]! : 0);
        const got = run(A, B, C0, withBias ? bias : null, m, n, k, flags, 0, 0, 0, splitCols);
        expectClose(got, expected, `${m}x${n}x${k} accumulate ${accumulate} bias ${withBias} packed ${packed} split ${splitCols ? 'columns' : 'rows'}`);
      };
      const flagSets = [false, true].flatMap((acc) => [false, true].flatMap((bias) => [false, true].flatMap((packed) => [false, true].map((cols) => [acc, bias, packed, cols] as const))));
      for (const [m, n, k] of [[1, 1, 1], [MR + 1, 9, 5], [2 * MR + 3, 19, KC + 3], [40, 8, 1]] as const) {
        for (const [acc, bias, packed, cols] of flagSets) check(m, n, k, acc, bias, packed, cols);
      }
      // Two column blocks and two K blocks: packed panels addressed by block and column.
      for (const packed of [false, true]) for (const cols of [false, true]) check(MR + 2, NC + 17, KC + 5, true, true, packed, cols);
    });

    it.each(ACTIVATIONS)('fused %s after the last K block, on full and edge tiles', (kind) => {
      const rng = new Rng(51);
      const alpha = kind === 'hard_sigmoid' ? 0.2 : kind === 'elu' ? 1 : 0.3, beta = kind === 'hard_sigmoid' ? 0.5 : 0;
      // K = 517 spreads the sums (std ~23) over both sides of the relu6 and hard_sigmoid clamps.
      for (const [m, n, k] of [[2 * MR + 1, 19, 7], [MR, 8, KC + 5]] as const) {
        const A = values(m * k, rng), B = values(k * n, rng), C0 = values(m * n, rng), bias = values(n, rng);
        const expected = product64(A, B, m, n, k, false, false);
        for (let r = 0; r < m; r++) for (let j = 0; j < n; j++) expected[r * n + j] = activate(kind, expected[r * n + j]! + C0[r * n + j]! + bias[j]!, alpha, beta);
        const got = run(A, B, C0, bias, m, n, k, GEMM_ACCUMULATE, ACTIVATION_CODE[kind], alpha, beta, false);
        expectClose(got, expected, `${kind} ${m}x${n}x${k}`);
      }
    });
  });

  describe('bias_add and bias_grad', () => {
    it.each([1, 3, 4, 5, 8, 13, 16, 17, 33])('%i channels', (c) => {
      const rng = new Rng(60 + c);
      const rows = 3 * 7 + c;
      const X = values(rows * c, rng), Bv = values(c, rng);
      const x = upload(be, X, [1, rows, c]);
      const b = upload(be, Bv, [c]);
      const [y] = be.kernels.bias_add!([x, b], {}, be);
      const expected = new Float64Array(rows * c);
      for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) expected[r * c + j] = X[r * c + j]! + Bv[j]!;
      expectClose(be.readSync(y!), expected, 'bias_add');
      const [g] = be.kernels.bias_grad!([x], {}, be);
      const sums = new Float64Array(c);
      for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) sums[j] += X[r * c + j]!;
      expectClose(be.readSync(g!), sums, 'bias_grad');
    });

    it('bias_grad keeps the low bits of a long batch (f64 sums), split over channel groups', () => {
      // 1 + many tiny values: an f32 running sum would drop every 1e-8.
      const rows = 20000, c = 37;
      const X = new Float32Array(rows * c).fill(1e-8);
      for (let j = 0; j < c; j++) X[j] = 1;
      const [g] = be.kernels.bias_grad!([upload(be, X, [rows, c])], {}, be);
      const expected = new Float64Array(c).fill(Math.fround(1) + (rows - 1) * Math.fround(1e-8));
      expectClose(be.readSync(g!), expected, 'bias_grad', 1e-6);
    });
  });
});
