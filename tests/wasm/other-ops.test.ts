import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/core/backend.js';
import type { Shape } from '../../src/core/shape.js';
import { createReferenceBackend } from '../../src/backends/reference/index.js';
import { getOp } from '../../src/ops/registry.js';
import { poolWindow, type PoolAttrs } from '../../src/ops/pool-window.js';
import type { OpCase } from '../conformance/case.js';
import { analyticGrads64, backward, caseInputs, forward, forward64, generate, gradInputs } from '../conformance/harness.js';
import { Rng } from '../../src/core/random.js';
import { testBackends } from '../util/backends.js';
import { closeReport } from '../util/close.js';
import { runtimeOf } from '../../src/backends/wasm/runtime.js';

/**
 * The wasm pooling, normalization, softmax and movement kernels around the SIMD lane width: every
 * channel count from 1 to 9, and 13, 16, 17 (a 16-channel block plus a quad plus a scalar tail),
 * forward and backward against the float64 reference, on the single- and multi-threaded backends.
 * A second table is large enough that the multi-threaded backend splits every kernel into chunks
 * (and reductions into per-worker partials).
 */

const wasmBackends = testBackends().filter((b) => b.name.startsWith('wasm'));
const CHANNELS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17];

const BN_GEN = ['normal', 'normal', 'normal', 'normal', 'positive'] as const;
const bn = (name: string, x: number[], mode: 'infer' | 'train'): OpCase => {
  const c = x[x.length - 1]!;
  return { op: 'batch_norm', name, inputs: [x, [c], [c], [c], [c]], gen: BN_GEN, mode, grad: [0, 1, 2] };
};

function laneCases(c: number): OpCase[] {
  const at = `C=${c}`;
  return [
    { op: 'max_pool2d', name: `3x3 stride 2 same, ${at}`, inputs: [[2, 5, 6, c]], attrs: { poolSize: 3, strides: 2, padding: 'same' }, gen: 'distinct' },
    { op: 'max_pool2d', name: `2x2 stride 1 dilated, ceil mode, ${at}`, inputs: [[1, 6, 5, c]], attrs: { poolSize: 2, strides: 2, dilations: [1, 2], padding: [1, 0, 0, 1], ceilMode: true }, gen: 'distinct' },
    { op: 'avg_pool2d', name: `3x3 stride 2 padding counted, ceil mode, ${at}`, inputs: [[2, 6, 5, c]], attrs: { poolSize: 3, strides: 2, padding: [1, 1, 1, 1], ceilMode: true, countIncludePad: true } },
    { op: 'avg_pool2d', name: `2x3 overlapping, padding not counted, ${at}`, inputs: [[1, 5, 6, c]], attrs: { poolSize: [2, 3], strides: 1, padding: 'same' } },
    { op: 'global_avg_pool2d', name: at, inputs: [[2, 3, 5, c]] },
    { op: 'global_max_pool2d', name: at, inputs: [[2, 3, 5, c]], gen: 'distinct' },
    bn(`infer, ${at}`, [2, 3, 3, c], 'infer'),
    bn(`train, ${at}`, [3, 2, 3, c], 'train'),
    { op: 'softmax', name: `last axis, ${at}`, inputs: [[3, c]] },
    { op: 'softmax', name: `middle axis of length ${at}`, inputs: [[2, c, 3]], attrs: { axis: 1 } },
    { op: 'softmax', name: `middle axis with inner ${at}`, inputs: [[2, 5, c]], attrs: { axis: 1 } },
    { op: 'concat', name: `channels ${c} + 5 + ${c}`, inputs: [[2, 3, c], [2, 3, 5], [2, 3, c]] },
    { op: 'transpose', name: `NHWC -> NCHW, ${at}`, inputs: [[2, 3, 5, c]], attrs: { perm: [0, 3, 1, 2] } },
    { op: 'transpose', name: `NCHW -> NHWC, ${at}`, inputs: [[2, c, 3, 5]], attrs: { perm: [0, 2, 3, 1] } },
    { op: 'transpose', name: `general permutation, ${at}`, inputs: [[2, 3, c, 2]], attrs: { perm: [2, 0, 3, 1] } },
    { op: 'pad', name: `reflect spatial, ${at}`, inputs: [[2, 3, 4, c]], attrs: { pads: [0, 1, 2, 0, 0, 2, 1, 0], mode: 'reflect' } },
    { op: 'pad', name: `edge with cropping, ${at}`, inputs: [[1, 4, 4, c]], attrs: { pads: [0, -1, 3, 0, 0, 2, -2, 0], mode: 'edge' } },
    { op: 'pad', name: `constant 0.5 on channels, ${at}`, inputs: [[2, 2, 3, c]], attrs: { pads: [0, 0, 0, 1, 0, 1, 0, 2], value: 0.5 } },
    { op: 'resize2d', name: `bilinear half_pixel x2, ${at}`, inputs: [[1, 3, 4, c]], attrs: { mode: 'bilinear', scale: [2, 2] } },
    { op: 'resize2d', name: `bilinear align_corners down, ${at}`, inputs: [[2, 5, 6, c]], attrs: { mode: 'bilinear', size: [3, 4], coordinateTransform: 'align_corners' } },
    { op: 'resize2d', name: `nearest asymmetric x3, ${at}`, inputs: [[1, 2, 3, c]], attrs: { scale: [3, 3], coordinateTransform: 'asymmetric', nearestMode: 'floor' } },
  ];
}

/** Big enough that every kernel splits across two threads. */
const splitCases: OpCase[] = [
  { op: 'max_pool2d', name: 'split: 3x3 stride 2, 20 channels', inputs: [[2, 33, 31, 20]], attrs: { poolSize: 3, strides: 2, padding: 'same' }, gen: 'distinct' },
  { op: 'avg_pool2d', name: 'split: 3x3 stride 1, 11 channels', inputs: [[2, 30, 29, 11]], attrs: { poolSize: 3, strides: 1, padding: 'same' } },
  { op: 'global_avg_pool2d', name: 'split: 40 x 40, 37 channels', inputs: [[2, 40, 40, 37]] },
  { op: 'global_max_pool2d', name: 'split: 30 x 30, 37 channels', inputs: [[2, 30, 30, 37]], gen: 'distinct' },
  bn('split: train, 7 channels', [4, 40, 40, 7], 'train'),
  bn('split: infer, 6 channels', [4, 40, 40, 6], 'infer'),
  { op: 'softmax', name: 'split: 1000 classes', inputs: [[40, 1000]] },
  { op: 'softmax', name: 'split: middle axis', inputs: [[30, 50, 23]], attrs: { axis: 1 } },
  { op: 'concat', name: 'split: channels 13 + 19', inputs: [[2, 40, 40, 13], [2, 40, 40, 19]] },
  { op: 'transpose', name: 'split: NHWC -> NCHW', inputs: [[2, 45, 37, 19]], attrs: { perm: [0, 3, 1, 2] } },
  { op: 'pad', name: 'split: reflect', inputs: [[2, 40, 41, 9]], attrs: { pads: [0, 3, 2, 0, 0, 2, 3, 0], mode: 'reflect' } },
  { op: 'resize2d', name: 'split: bilinear x2', inputs: [[2, 30, 31, 9]], attrs: { mode: 'bilinear', scale: [2, 2] } },
];

const CASES = [...CHANNELS.flatMap(laneCases), ...splitCases];
const id = (c: OpCase): string => `${c.op}: ${c.name}`;

function seedDy(c: OpCase, values: (Float32Array | null)[]): Float32Array {
  return generate('normal', forward64(c, values).shape, new Rng(4321));
}

describe.each(wasmBackends.map((b) => [b.name, b] as const))('%s against the reference', (_name, backend) => {
  it.for(CASES.map((c) => [id(c), c] as const))('forward %s', async ([, c]) => {
    const values = caseInputs(c);
    const expected = forward64(c, values);
    const actual = await forward(backend, c, values);
    expect(actual.shape).toEqual(expected.shape);
    expect(closeReport(actual.y, expected.y, { rtol: 1e-4 })).toBeNull();
  });

  it.for(CASES.filter((c) => gradInputs(c).length > 0).map((c) => [id(c), c] as const))('backward %s', async ([, c]) => {
    const values = caseInputs(c);
    const dy = seedDy(c, values);
    const expected = analyticGrads64(c, values, dy);
    const actual = await backward(backend, c, values, dy);
    actual.forEach((g, k) => expect(closeReport(g, expected[k]!, { rtol: 1e-4 }), `input ${gradInputs(c)[k]}`).toBeNull());
  });
});

const ref = createReferenceBackend('float32');
const bits = (a: Float32Array): number[] => Array.from(a, (v) => (Number.isNaN(v) ? NaN : v));

/** Runs a kernel on `b` with host values and returns every output on the host. */
function runKernel(b: Backend, kernel: string, x: Float32Array, shape: Shape, attrs: unknown): Float32Array[] {
  return b.kernels[kernel]!([b.upload(x, shape)], attrs, b).map((t) => t.dataSync());
}

describe.each(wasmBackends.map((b) => [b.name, b] as const))('%s: exact semantics', (_name, backend) => {
  // Ties, NaN and a window half in the padding: the maximum and the argmax must be the reference's, bit for bit.
  const x = new Float32Array(1 * 4 * 5 * 6);
  const rng = new Rng(7);
  for (let i = 0; i < x.length; i++) x[i] = Math.round(rng.normal() * 2) / 2; // many ties
  x[7] = NaN;
  x[40] = NaN;
  x[41] = -Infinity;
  x[100] = Infinity;
  const shape = [1, 4, 5, 6];

  it.each([
    ['3x3 stride 1 same', { poolSize: [3, 3], strides: [1, 1], padding: 'same' }],
    ['2x2 stride 2 ceil mode', { poolSize: [2, 2], strides: [2, 2], ceilMode: true }],
    ['3x2 dilated, asymmetric padding', { poolSize: [3, 2], strides: [1, 2], padding: [2, 0, 1, 1], dilations: [1, 2] }],
  ])('max_pool2d and its argmax equal the reference: %s', (_case, raw) => {
    const w = poolWindow('max_pool2d', shape, getOp('max_pool2d').attrs(raw) as PoolAttrs);
    const [y, arg] = runKernel(backend, 'max_pool2d', x, shape, w);
    const [ey, earg] = runKernel(ref, 'max_pool2d', x, shape, w);
    expect(bits(y!)).toEqual(bits(ey!));
    expect(bits(arg!)).toEqual(bits(earg!));
  });

  it('global_max_pool2d: first of equal maxima, and NaN wins', () => {
    const [y, arg] = runKernel(backend, 'global_max_pool2d', x, shape, { keepDims: false });
    const [ey, earg] = runKernel(ref, 'global_max_pool2d', x, shape, { keepDims: false });
    expect(bits(y!)).toEqual(bits(ey!));
    expect(bits(arg!)).toEqual(bits(earg!));
  });

  it('softmax: a NaN or +Infinity poisons only its own row, a -Infinity gets exactly 0', () => {
    const v = Float32Array.from({ length: 4 * 7 }, (_, i) => Math.sin(i) * 3);
    v[2] = NaN;
    v[7 + 6] = Infinity;
    v[14 + 3] = -Infinity;
    const [y] = runKernel(backend, 'softmax', v, [4, 7], { axis: -1 });
    const [ey] = runKernel(ref, 'softmax', v, [4, 7], { axis: -1 });
    expect(y!.slice(0, 14).every(Number.isNaN)).toBe(true);
    expect(y![17]).toBe(0);
    expect(closeReport(y!.slice(14), ey!.slice(14))).toBeNull();
  });

  it('batch statistics stay accurate for data far from zero (rtol 1e-4 over 32768 values per channel)', () => {
    const c = 3, n = 32768;
    const v = new Float32Array(n * c);
    const r = new Rng(11);
    for (let i = 0; i < v.length; i++) v[i] = 1000 + (i % c) * 100 + r.normal() * 0.5;
    const x64 = createReferenceBackend('float64');
    const attrs = { epsilon: 1e-3, scale: false, center: false };
    const [, mean, variance] = backend.kernels.batch_norm_train!([backend.upload(v, [n, c])], attrs, backend).map((t) => t.dataSync());
    const [, em, ev] = x64.kernels.batch_norm_train!([x64.upload(v, [n, c])], attrs, x64).map((t) => t.dataSync());
    expect(closeReport(mean!, em!, { rtol: 1e-6 })).toBeNull();
    expect(closeReport(variance!, ev!, { rtol: 1e-4 })).toBeNull();
  });
});

describe('the split table splits', () => {
  const mt = wasmBackends.find((b) => b.name === 'wasm-mt')!;

  it('runs on the single- and the multi-threaded wasm backends', () => {
    expect(wasmBackends.map((b) => b.name).sort()).toEqual(['wasm', 'wasm-mt']);
    expect(runtimeOf(mt).threads).toBeGreaterThan(1);
  });

  // Otherwise the multi-threaded backend would compute these cases in one chunk and test nothing more.
  it.for(splitCases.map((c) => [id(c), c] as const))('every kernel of %s runs in two chunks or more', async ([, c]) => {
    const rt = runtimeOf(mt);
    const runs: { name: string; total: number; grain: number }[] = [];
    const run = rt.run;
    rt.run = (name, args, total, grain = 1) => {
      runs.push({ name, total, grain });
      return run.call(rt, name, args, total, grain);
    };
    try {
      const values = caseInputs(c);
      await backward(mt, c, values, seedDy(c, values));
    } finally {
      rt.run = run;
    }
    // moving_average updates C running statistics: a handful of values, never worth splitting.
    const ours = runs.filter((r) => r.name !== 'moving_average');
    expect(ours.length).toBeGreaterThan(0);
    for (const r of ours) expect(Math.floor(r.total / Math.max(1, r.grain)), r.name).toBeGreaterThanOrEqual(2);
  });
});
