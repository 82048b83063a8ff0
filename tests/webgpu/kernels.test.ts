import { afterAll, describe, expect, it } from 'vitest';
import { createReferenceBackend } from '../../src/backends/reference/index.js';
import type { Backend } from '../../src/core/backend.js';
import { Rng } from '../../src/core/random.js';
import { sizeOf, type Shape } from '../../src/core/shape.js';
import { closeReport } from '../util/close.js';
import { testWebGPU } from '../util/webgpu.js';

/**
 * Kernel-level checks on shapes larger than the conformance table's: several GEMM tiles in every
 * direction, partial tiles, batch broadcasting, grouped and strided convolutions, and the dropout
 * mask bit for bit. The float64 reference is the ground truth.
 */
const gpu = await testWebGPU();
afterAll(() => gpu?.dispose());
const ref = createReferenceBackend('float64');

function values(shape: Shape, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: sizeOf(shape) }, () => rng.normal());
}

/** Runs kernel `k` on both backends with the same inputs; returns [gpu, reference] outputs. */
async function both(be: Backend, k: string, shapes: Shape[], attrs: unknown): Promise<[Float32Array, Float64Array, Shape]> {
  const ins = shapes.map((s, i) => values(s, 100 + i));
  const [g] = be.kernels[k]!(ins.map((v, i) => be.upload(v, shapes[i]!)), attrs, be);
  const [r] = ref.kernels[k]!(ins.map((v, i) => ref.upload(Float64Array.from(v) as unknown as Float32Array, shapes[i]!)), attrs, ref);
  return [await g!.data(), r!.handle as Float64Array, g!.shape];
}

describe.runIf(gpu)('webgpu kernels on multi-tile shapes', () => {
  const be = gpu!;

  it.each([
    ['130x70 @ 70x67', [130, 70], [70, 67], false, false],
    ['transposed a and b', [70, 130], [67, 70], true, true],
    ['batch broadcast [3,1] x [1,2]', [3, 1, 65, 33], [1, 2, 33, 66], false, false],
    ['transposed b, batch on a only', [4, 9, 17], [5, 17], false, true],
  ] as const)('matmul %s', async (_name, a, b, transposeA, transposeB) => {
    const [got, want, shape] = await both(be, 'matmul', [a as unknown as Shape, b as unknown as Shape], { transposeA, transposeB });
    expect(got.length).toBe(sizeOf(shape));
    expect(closeReport(got, want)).toBeNull();
  });

  it('dense with bias and swish over 3 row tiles', async () => {
    const [got, want] = await both(be, 'dense', [[2, 70, 40], [40, 90], [90]], { activation: 'swish', alpha: 0, beta: 0 });
    expect(closeReport(got, want)).toBeNull();
  });

  const win = { strides: [2, 1], pads: [2, 0, 1, 2], dilations: [2, 1] } as const;
  const conv = { x: [2, 11, 9, 12] as Shape, w: [3, 2, 6, 70] as Shape, groups: 2 };

  it('conv2d: grouped, strided, dilated, asymmetric padding, fused relu6', async () => {
    const [got, want] = await both(be, 'conv2d', [conv.x, conv.w, [70]], { ...win, groups: conv.groups, activation: 'relu6', alpha: 0, beta: 0 });
    expect(closeReport(got, want)).toBeNull();
  });

  it('conv2d_grad_input and conv2d_grad_filter on the same geometry', async () => {
    const ho = Math.floor((11 + 2 - 2 * 2 - 1) / 2) + 1, wo = Math.floor((9 + 3 - 1 - 1) / 1) + 1;
    const dy: Shape = [2, ho, wo, 70];
    const [gi, wi] = await both(be, 'conv2d_grad_input', [dy, conv.w], { ...win, groups: 2, inputShape: [...conv.x] });
    expect(closeReport(gi, wi)).toBeNull();
    const [gf, wf] = await both(be, 'conv2d_grad_filter', [conv.x, dy], { ...win, groups: 2, filterShape: [...conv.w] });
    expect(closeReport(gf, wf)).toBeNull();
  });

  it('1x1 convolutions run as plain GEMMs, forward and backward', async () => {
    const unit = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 };
    const [y, yr] = await both(be, 'conv2d', [[3, 7, 5, 19], [1, 1, 19, 66], [66]], { ...unit, activation: 'leaky_relu', alpha: 0.1, beta: 0 });
    expect(closeReport(y, yr)).toBeNull();
    const [dx, dxr] = await both(be, 'conv2d_grad_input', [[3, 7, 5, 66], [1, 1, 19, 66]], { ...unit, inputShape: [3, 7, 5, 19] });
    expect(closeReport(dx, dxr)).toBeNull();
    const [dw, dwr] = await both(be, 'conv2d_grad_filter', [[3, 7, 5, 19], [3, 7, 5, 66]], { ...unit, filterShape: [1, 1, 19, 66] });
    expect(closeReport(dw, dwr)).toBeNull();
  });

  it('reduce_sum_to over interleaved broadcast dimensions', async () => {
    const [got, want] = await both(be, 'reduce_sum_to', [[3, 4, 5, 6]], { shape: [4, 1, 6] });
    expect(closeReport(got, want)).toBeNull();
  });

  it.each([0, 0.1, 0.37, 0.5, 0.999])('dropout_mask matches hashUniform bit for bit (rate %s)', async (rate) => {
    const shape: Shape = [7, 1000];
    const attrs = { rate, seed: 0x7fffffff + 12345 };
    const [g] = be.kernels.dropout_mask!([be.upload(new Float32Array(7000), shape)], attrs, be);
    const host = createReferenceBackend('float32');
    const [r] = host.kernels.dropout_mask!([host.upload(new Float32Array(7000), shape)], attrs, host);
    expect(Array.from(await g!.data())).toEqual(Array.from(r!.handle as Float32Array));
  });
});
