import { afterAll, describe, expect, it } from 'vitest';
import { createReferenceBackend } from '../../src/backends/reference/index.js';
import type { GpuContext } from '../../src/backends/webgpu/runtime.js';
import type { Backend } from '../../src/core/backend.js';
import { TinyconvError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { sizeOf, type Shape } from '../../src/core/shape.js';
import { avgPoolWindow } from '../../src/ops/avg-pool2d.js';
import { poolWindow } from '../../src/ops/pool-window.js';
import { getOp } from '../../src/ops/registry.js';
import { closeReport } from '../util/close.js';
import { testWebGPU } from '../util/webgpu.js';

/**
 * The depthwise, pool, norm, softmax, movement, pad and resize families on what the conformance
 * table does not reach: exact max-pool semantics (ties to the first tap, NaN wins, padding never
 * wins) compared value for value with the reference, folds spanning several passes of a
 * workgroup, batch statistics that a one-pass variance would get wrong, grids past the
 * per-dimension dispatch limit, and the errors kernels raise.
 */
const gpu = await testWebGPU();
afterAll(() => gpu?.dispose());
const ref32 = createReferenceBackend('float32');
const ref64 = createReferenceBackend('float64');

function normal(shape: Shape, seed: number, scale = 1, offset = 0): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: sizeOf(shape) }, () => offset + scale * rng.normal());
}

/** Values from a few levels only, so windows and planes hold ties. */
function levels(shape: Shape, seed: number, values: readonly number[]): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: sizeOf(shape) }, () => values[rng.int(values.length)]!);
}

/** Runs kernel `k` on the GPU and on `ref`; returns every output of both, on the host. */
async function run(be: Backend, ref: Backend, k: string, inputs: readonly Float32Array[], shapes: readonly Shape[], attrs: unknown): Promise<{ got: Float32Array[]; want: Float64Array[] | Float32Array[]; shapes: Shape[] }> {
  const g = be.kernels[k]!(inputs.map((v, i) => be.upload(v, shapes[i]!)), attrs, be);
  const r = ref.kernels[k]!(inputs.map((v, i) => ref.upload(v, shapes[i]!)), attrs, ref);
  return { got: await Promise.all(g.map((t) => t.data())), want: r.map((t) => t.handle as Float32Array), shapes: g.map((t) => t.shape) };
}

/** Value-for-value equality, NaN equal to NaN. */
function same(got: Float32Array, want: ArrayLike<number>): void {
  expect(Array.from(got)).toEqual(Array.from(want));
}

function maxWindow(x: Shape, attrs: Record<string, unknown>) {
  return poolWindow('max_pool2d', x, getOp('max_pool2d').attrs(attrs));
}

describe.runIf(gpu)('webgpu pooling semantics', () => {
  const be = gpu!;
  const xShape: Shape = [2, 7, 6, 5];
  const win = maxWindow(xShape, { poolSize: 3, strides: 1, padding: [1, 1, 2, 0], ceilMode: true });

  it('max pooling: ties go to the first tap, negative values beat the padding', async () => {
    const x = levels(xShape, 1, [-3, -2, -1]);
    const { got, want } = await run(be, ref32, 'max_pool2d', [x], [xShape], win);
    same(got[0]!, want[0]!);
    same(got[1]!, want[1]!);
    expect(Math.max(...got[0]!)).toBe(-1); // a padded zero never won
    const infer = await run(be, ref32, 'max_pool2d_infer', [x], [xShape], win);
    same(infer.got[0]!, got[0]!);
  });

  it('max pooling: the first NaN of a window wins, also after a larger value', async () => {
    const x = levels(xShape, 2, [0, 1, 2]);
    for (const i of [0, 5, 31, 37, 38, 100, 101, 210, 211, 300]) x[i] = NaN;
    const { got, want } = await run(be, ref32, 'max_pool2d', [x], [xShape], win);
    expect(got[0]!.some(Number.isNaN)).toBe(true);
    same(got[0]!, want[0]!);
    same(got[1]!, want[1]!);
  });

  it('max_pool2d_grad routes dy through the switches (gathered, not scattered)', async () => {
    const x = levels(xShape, 3, [-1, 0, 1]);
    const [, argmax] = be.kernels.max_pool2d!([be.upload(x, xShape)], win, be);
    const [, argRef] = ref64.kernels.max_pool2d!([ref64.upload(x, xShape)], win, ref64);
    const yShape: Shape = [2, win.outH, win.outW, 5];
    const dy = normal(yShape, 4);
    const [dx] = be.kernels.max_pool2d_grad!([be.upload(dy, yShape), argmax!], win, be);
    const [dxRef] = ref64.kernels.max_pool2d_grad!([ref64.upload(dy, yShape), argRef!], win, ref64);
    expect(closeReport(await dx!.data(), dxRef!.handle as Float64Array)).toBeNull();
  });

  it('average pooling and its gradient, padding counted, dilated', async () => {
    const w = avgPoolWindow('avg_pool2d', xShape, getOp('avg_pool2d').attrs({ poolSize: [3, 2], strides: [2, 1], dilations: [1, 2], padding: [2, 1, 1, 1], countIncludePad: true, ceilMode: true }));
    const fwd = await run(be, ref64, 'avg_pool2d', [normal(xShape, 5)], [xShape], w);
    expect(closeReport(fwd.got[0]!, fwd.want[0]!)).toBeNull();
    const yShape = fwd.shapes[0]!;
    const bwd = await run(be, ref64, 'avg_pool2d_grad', [normal(yShape, 6)], [yShape], w);
    expect(closeReport(bwd.got[0]!, bwd.want[0]!)).toBeNull();
  });

  // 23 x 17 = 391 cells: each invocation of a 256-wide workgroup takes one or two, then they fold.
  const gShape: Shape = [2, 23, 17, 3];

  it('global max pooling over more cells than a workgroup has invocations: ties and NaN as the reference', async () => {
    const x = levels(gShape, 7, [-2, 5, 4]);
    // Channel 1 of image 0: two NaNs, the first (cell 40) wins; the later one sits in another lane.
    x[40 * 3 + 1] = NaN;
    x[300 * 3 + 1] = NaN;
    const { got, want } = await run(be, ref32, 'global_max_pool2d', [x], [gShape], { keepDims: false });
    same(got[0]!, want[0]!);
    same(got[1]!, want[1]!);
    expect(got[1]![1]).toBe(40);
    const dy = normal([2, 3], 8);
    const g = be.kernels.global_max_pool2d_grad!([be.upload(dy, [2, 3]), be.upload(got[1]!, [2, 3])], { shape: [...gShape] }, be);
    const r = ref32.kernels.global_max_pool2d_grad!([ref32.upload(dy, [2, 3]), ref32.upload(want[1] as Float32Array, [2, 3])], { shape: [...gShape] }, ref32);
    same(await g[0]!.data(), r[0]!.handle as Float32Array);
  });

  it('global average pooling over 391 cells, and its gradient', async () => {
    const fwd = await run(be, ref64, 'global_avg_pool2d', [normal(gShape, 9, 1, 3)], [gShape], { keepDims: true });
    expect(fwd.shapes[0]).toEqual([2, 1, 1, 3]);
    expect(closeReport(fwd.got[0]!, fwd.want[0]!)).toBeNull();
    const bwd = await run(be, ref64, 'global_avg_pool2d_grad', [normal([2, 1, 1, 3], 10)], [[2, 1, 1, 3]], { shape: [...gShape] });
    expect(closeReport(bwd.got[0]!, bwd.want[0]!)).toBeNull();
  });

  it('backward kernels reject a dy of the wrong shape', () => {
    const bad = be.upload(new Float32Array(10), [1, 2, 5, 1]);
    expect(() => be.kernels.avg_pool2d_grad!([bad], { ...win, countIncludePad: false }, be)).toThrowError(TinyconvError);
    expect(() => be.kernels.avg_pool2d_grad!([bad], { ...win, countIncludePad: false }, be)).toThrow(/avg_pool2d_grad: dy \[1, 2, 5, 1\] does not match the expected \[1, 7, 6, 1\]/);
  });
});

describe.runIf(gpu)('webgpu folds over many rows', () => {
  const be = gpu!;

  it('depthwise_conv2d_grad_filter folds 2 x 17 x 19 pixels per filter tap; grad_input gathers', async () => {
    const window = { strides: [2, 1], pads: [1, 2, 2, 1], dilations: [1, 2] };
    const x: Shape = [2, 17, 19, 5], w: Shape = [3, 3, 5, 2];
    const ho = Math.floor((17 + 3 - 2 - 1) / 2) + 1, wo = Math.floor((19 + 3 - 4 - 1) / 1) + 1;
    const dy: Shape = [2, ho, wo, 10];
    const f = await run(be, ref64, 'depthwise_conv2d_grad_filter', [normal(x, 11), normal(dy, 12)], [x, dy], { ...window, filterShape: [...w] });
    expect(closeReport(f.got[0]!, f.want[0]!)).toBeNull();
    const i = await run(be, ref64, 'depthwise_conv2d_grad_input', [normal(dy, 13), normal(w, 14)], [dy, w], { ...window, inputShape: [...x] });
    expect(closeReport(i.got[0]!, i.want[0]!)).toBeNull();
  });

  // 600 rows of values around 1000: a one-pass variance (E[x^2] - E[x]^2 in float32) is off by
  // about 0.1 here; the two-pass one matches the float64 reference.
  const bnShape: Shape = [3, 200, 5];

  it('batch_norm_train: mean and biased variance over 600 rows with a large offset', async () => {
    const x = normal(bnShape, 15, 1, 1000);
    const { got, want } = await run(be, ref64, 'batch_norm_train', [x, normal([5], 16), normal([5], 17)], [bnShape, [5], [5]], { epsilon: 1e-3, scale: true, center: true });
    expect(closeReport(got[1]!, want[1]!, { rtol: 1e-7 })).toBeNull();
    expect(closeReport(got[2]!, want[2]!, { rtol: 1e-5 })).toBeNull();
    expect(closeReport(got[0]!, want[0]!)).toBeNull();
  });

  it('batch_norm_grad through the batch statistics over 600 rows', async () => {
    const x = normal(bnShape, 18, 2, 5);
    const stats = ref64.kernels.batch_norm_train!([ref64.upload(x, bnShape)], { epsilon: 1e-3, scale: false, center: false }, ref64);
    const mean = Float32Array.from(stats[1]!.handle as Float64Array), variance = Float32Array.from(stats[2]!.handle as Float64Array);
    const shapes: Shape[] = [bnShape, bnShape, [5], [5], [5]];
    const { got, want } = await run(be, ref64, 'batch_norm_grad', [normal(bnShape, 19), x, mean, variance, normal([5], 20)], shapes, { epsilon: 1e-3, scale: true, training: true });
    got.forEach((g, k) => expect(closeReport(g, want[k]!), `output ${k}`).toBeNull());
  });

  it('softmax and its gradient along rows of 700, and along axis 0 with an inner stride', async () => {
    for (const [shape, axis] of [[[3, 700], -1], [[300, 4], 0]] as const) {
      const x = normal(shape, 21, 3);
      const f = await run(be, ref64, 'softmax', [x], [shape], { axis });
      expect(closeReport(f.got[0]!, f.want[0]!)).toBeNull();
      const y = Float32Array.from(f.want[0]!);
      const b = await run(be, ref64, 'softmax_grad', [normal(shape, 22), y], [shape, shape], { axis });
      expect(closeReport(b.got[0]!, b.want[0]!)).toBeNull();
    }
  });

  it('softmax: -inf entries get 0, a NaN makes its row NaN', async () => {
    const x = Float32Array.of(-Infinity, 0, 1, -Infinity, 2, NaN, 0, 1);
    const { got, want } = await run(be, ref32, 'softmax', [x], [[2, 4]], { axis: -1 });
    expect(got[0]![0]).toBe(0);
    expect(got[0]![3]).toBe(0);
    expect(closeReport(got[0]!.subarray(0, 4), want[0]!.subarray(0, 4))).toBeNull();
    expect(Array.from(got[0]!.subarray(4)).every(Number.isNaN)).toBe(true);
  });

  it('softmax over 70000 rows: a grid folded past 65535 workgroups per dimension', async () => {
    const shape: Shape = [70000, 2];
    const f = await run(be, ref64, 'softmax', [normal(shape, 23)], [shape], { axis: 1 });
    expect(closeReport(f.got[0]!, f.want[0]!)).toBeNull();
  });
});

describe.runIf(gpu)('webgpu data movement beyond the table', () => {
  const be = gpu!;

  it('pad of rank 10 runs: axes that neither pad nor crop merge', async () => {
    const shape: Shape = [2, 1, 2, 1, 2, 3, 2, 1, 2, 3];
    const pads = [1, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
    for (const mode of ['constant', 'edge'] as const) {
      const f = await run(be, ref64, 'pad', [normal(shape, 24)], [shape], { pads, mode, value: 0 });
      expect(closeReport(f.got[0]!, f.want[0]!)).toBeNull();
      const out = f.shapes[0]!;
      const b = await run(be, ref64, 'pad_grad', [normal(out, 25)], [out], { pads, mode, shape: [...shape] });
      expect(closeReport(b.got[0]!, b.want[0]!)).toBeNull();
    }
  });

  it('pad_grad in edge mode sums a border cell over every copy of it', async () => {
    const shape: Shape = [1, 2, 3, 1];
    const pads = [0, 4, 3, 0, 0, 5, 6, 0];
    const b = await run(be, ref64, 'pad_grad', [normal([1, 11, 12, 1], 26)], [[1, 11, 12, 1]], { pads, mode: 'edge', shape: [...shape] });
    expect(closeReport(b.got[0]!, b.want[0]!)).toBeNull();
  });

  it('a pad that needs more than 8 dimensions after merging is unsupported, saying why', () => {
    const shape: Shape = [2, 2, 2, 2, 2, 2, 2, 2, 2];
    const x = be.upload(new Float32Array(512), shape);
    expect(() => be.kernels.pad!([x], { pads: [...new Array(9).fill(1), ...new Array(9).fill(0)], mode: 'constant', value: 0 }, be)).toThrow(/\[E_UNSUPPORTED\] webgpu pad: 9 dimensions/);
  });

  it('slice rejects a block outside the input', () => {
    const x = be.upload(new Float32Array(12), [3, 4]);
    expect(() => be.kernels.slice!([x], { begin: [1, 2], size: [2, 3] }, be)).toThrow(/\[E_SHAPE\] slice: begin \[1, 2\] with size \[2, 3\] does not lie inside x \[3, 4\]/);
  });

  it('resize2d_grad: nearest x5 upsampling gathers 25 outputs per input cell; bilinear downsampling', async () => {
    for (const attrs of [
      { scale: [5, 5], mode: 'nearest', coordinateTransform: 'asymmetric', nearestMode: 'floor' },
      { size: [3, 4], mode: 'bilinear', coordinateTransform: 'half_pixel', nearestMode: 'round_prefer_floor' },
    ]) {
      const shape: Shape = [2, 7, 9, 3];
      const f = await run(be, ref64, 'resize2d', [normal(shape, 27)], [shape], attrs);
      expect(closeReport(f.got[0]!, f.want[0]!)).toBeNull();
      const out = f.shapes[0]!;
      const b = await run(be, ref64, 'resize2d_grad', [normal(out, 28)], [out], { ...attrs, shape: [...shape] });
      expect(closeReport(b.got[0]!, b.want[0]!)).toBeNull();
    }
  });

  it('every pipeline of these families fits 256 invocations per workgroup (SwiftShader, the spec minimum)', () => {
    const sizes = [...(be.runtime as GpuContext).pipelines.invocations].filter(([key]) => /^(depthwise|pool|norm|softmax|movement|pad|resize):/.test(key));
    expect(sizes.length).toBeGreaterThan(10);
    for (const [key, n] of sizes) expect(n, key).toBeLessThanOrEqual(256);
  });
});
