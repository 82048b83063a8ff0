import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backprop, record, runOp } from '../../src/core/engine.js';
import { Rng } from '../../src/core/random.js';
import { sizeOf, type Shape } from '../../src/core/shape.js';
import { Tensor } from '../../src/core/tensor.js';
import { ACTIVATIONS, ACTIVATION_DEFAULT_ALPHA } from '../../src/ops/activation-math.js';
import { createReferenceBackend } from '../../src/backends/reference/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/backends/wasm/backend.js';
import { collapseBroadcast } from '../../src/backends/wasm/kernels/elementwise.js';
import { closeReport } from '../util/close.js';
import { BUILT, requireBuilt } from '../util/built.js';

/**
 * The element-wise kernels on shapes large enough that the two-thread backend splits them (the
 * conformance table's small cases run on one thread), and on every path of the broadcast:
 * same shape, scalar, a channel vector either way round, and the general strided one.
 */
requireBuilt(BUILT.wasm);
const url = new URL('./', BUILT.wasm);
const ref64 = createReferenceBackend('float64');

const normal = (shape: Shape, seed: number): Float32Array => {
  const rng = new Rng(seed);
  return Float32Array.from({ length: sizeOf(shape) }, () => rng.normal());
};

/** `op` on the float64 reference, the ground truth. */
function expected(op: string, inputs: Float32Array[], shapes: Shape[], attrs: Record<string, unknown> = {}, mode: 'infer' | 'train' = 'infer'): Float64Array {
  const ins = inputs.map((v, i) => new Tensor(shapes[i]!, ref64, Float64Array.from(v)));
  return runOp(op, ins, attrs, ref64, mode).y.handle as Float64Array;
}

describe('collapseBroadcast', () => {
  it('drops size-1 dimensions and merges those that both inputs step through alike', () => {
    expect(collapseBroadcast([2, 3, 4, 5], [2, 3, 4, 5], [5])).toEqual({ dims: [24, 5], sa: [5, 1], sb: [0, 1] });
    expect(collapseBroadcast([2, 3, 4, 6], [2, 1, 4, 1], [3, 1, 6])).toEqual({ dims: [2, 3, 4, 6], sa: [4, 0, 1, 0], sb: [0, 6, 0, 1] });
    expect(collapseBroadcast([4, 1, 5], [4, 1, 5], [1, 1, 1])).toEqual({ dims: [20], sa: [1], sb: [0] });
    expect(collapseBroadcast([3, 4, 5], [1, 4, 5], [3, 1, 1])).toEqual({ dims: [3, 20], sa: [0, 1], sb: [1, 0] });
  });
});

describe.each([
  ['one thread', 1, false],
  ['two threads, relaxed SIMD', 2, true],
] as const)('element-wise kernels on %s', (_label, threads, relaxed) => {
  let be: WasmBackend;
  beforeAll(async () => {
    be = await createWasmBackend({ threads, relaxed, url });
  });
  afterAll(() => be.dispose());

  const run = (op: string, inputs: Float32Array[], shapes: Shape[], attrs: Record<string, unknown> = {}, mode: 'infer' | 'train' = 'infer') =>
    runOp(op, inputs.map((v, i) => be.upload(v, shapes[i]!)), attrs, be, mode).y;

  const SHAPES: [string, Shape, Shape][] = [
    ['same shape', [4, 50, 40, 7], [4, 50, 40, 7]],
    ['a scalar on the right', [3, 90, 101], []],
    ['a scalar on the left', [1], [3, 90, 101]],
    ['a channel vector', [2, 40, 40, 13], [13]],
    ['a channel vector on the left', [1, 1, 24], [3, 30, 30, 24]],
    ['broadcast both ways', [6, 1, 70, 1], [50, 1, 9]],
    ['a middle axis', [2, 60, 1, 33], [60, 1, 1]],
  ];

  it.each(SHAPES)('add and mul, and their gradients, with %s', (_name, sa, sb) => {
    const a = normal(sa, 1), b = normal(sb, 2);
    for (const op of ['add', 'mul']) {
      const y = run(op, [a, b], [sa, sb]);
      expect(closeReport(y.dataSync(), expected(op, [a, b], [sa, sb]))).toBeNull();
    }
    // The gradient of sum(mul(a, b) * dy): dy * b and dy * a, summed down to each input's shape.
    const outShape = run('add', [a, b], [sa, sb]).shape;
    const dy = normal(outShape, 3);
    const ins = [be.upload(a, sa), be.upload(b, sb)];
    const { tape, y } = record(() => runOp('mul', ins, {}, be).y);
    const grads = backprop(tape, y, be.upload(dy, outShape), ins);
    const ins64 = [a, b].map((v, i) => new Tensor([sa, sb][i]!, ref64, Float64Array.from(v)));
    const r = record(() => runOp('mul', ins64, {}, ref64).y);
    const want = backprop(r.tape, r.y, new Tensor(outShape, ref64, Float64Array.from(dy)), ins64);
    grads.forEach((g, i) => {
      expect(g.shape).toEqual([sa, sb][i]);
      expect(closeReport(g.dataSync(), want[i]!.handle as Float64Array)).toBeNull();
    });
  });

  it.each([
    [[3, 200, 50], [1, 1, 50]],
    [[3, 200, 50], [3, 1, 1]],
    [[3, 200, 50], [1, 200, 1]],
    [[3, 200, 50], [3, 1, 50]],
    [[3, 200, 50], []],
    [[7, 3000], [3000]],
    [[2, 3, 4, 5], [2, 1, 4, 1]],
  ] as [Shape, Shape][])('reduce_sum_to from %j to %j', (from, to) => {
    const g = normal(from, 4);
    const y = be.kernels.reduce_sum_to!([be.upload(g, from)], { shape: [...to] }, be)[0]!;
    const want = ref64.kernels.reduce_sum_to!([new Tensor(from, ref64, Float64Array.from(g))], { shape: [...to] }, ref64)[0]!.handle as Float64Array;
    expect(y.shape).toEqual(to);
    expect(closeReport(y.dataSync(), want)).toBeNull();
  });

  it.each(ACTIVATIONS.map((k) => [k]))('activation %s and its gradient over 60 000 values', (kind) => {
    const shape = [6, 100, 100];
    const x = normal(shape, 5).map((v) => v * 4), dy = normal(shape, 6);
    const y = run('activation', [x], [shape], { kind });
    const yRef = expected('activation', [x], [shape], { kind });
    expect(closeReport(y.dataSync(), yRef)).toBeNull();
    const attrs = { kind, alpha: ACTIVATION_DEFAULT_ALPHA[kind], beta: kind === 'hard_sigmoid' ? 0.5 : 0 };
    const dx = be.kernels.activation_grad!([be.upload(dy, shape), be.upload(x, shape), y], attrs, be)[0]!;
    const dxRef = ref64.kernels.activation_grad!([new Tensor(shape, ref64, Float64Array.from(dy)), new Tensor(shape, ref64, Float64Array.from(x)), new Tensor(shape, ref64, yRef)], attrs, ref64)[0]!.handle as Float64Array;
    expect(closeReport(dx.dataSync(), dxRef)).toBeNull();
  });

  it.each([
    [0.5, 0], [0.2, 7], [0.9, 3], [0, 1], [0.999, 12345], [1 - 2 ** -40, 99],
  ])('dropout_mask with rate %f and seed %i equals the reference bit for bit', (rate, seed) => {
    const shape = [5, 7001];
    const mask = be.kernels.dropout_mask!([be.upload(new Float32Array(sizeOf(shape)), shape)], { rate, seed }, be)[0]!;
    const ref = createReferenceBackend('float32');
    const want = ref.kernels.dropout_mask!([ref.upload(new Float32Array(sizeOf(shape)), shape)], { rate, seed }, ref)[0]!;
    expect(mask.dataSync()).toEqual(want.dataSync());
  });

  it('moving_average over a long vector', () => {
    const a = normal([50_001], 7), b = normal([50_001], 8);
    const y = be.kernels.moving_average!([be.upload(a, [50_001]), be.upload(b, [50_001])], { momentum: 0.99 }, be)[0]!;
    const want = Float64Array.from(a, (v, i) => v * 0.99 + b[i]! * (1 - 0.99));
    expect(closeReport(y.dataSync(), want, { rtol: 1e-6 })).toBeNull();
  });

  it('keeps NaN, infinities and signed zeros as the reference does', () => {
    const x = Float32Array.from([NaN, -0, 0, Infinity, -Infinity, 1e-45, -1e-45]);
    for (const kind of ACTIVATIONS) {
      const got = run('activation', [x], [[7]], { kind }).dataSync();
      const want = runOp('activation', [Tensor.from(x, [7])], { kind }, createReferenceBackend('float32')).y.dataSync();
      got.forEach((v, i) => expect(Object.is(v, want[i]) || (Number.isNaN(v) && Number.isNaN(want[i])), `${kind}(${x[i]}): got ${v}, expected ${want[i]}`).toBe(true));
    }
  });
});
