import type { Kernel } from '../../../core/backend.js';
import { broadcastShapes, sizeOf, stridesOf, type Shape } from '../../../core/shape.js';
import type { Tensor } from '../../../core/tensor.js';
import type { FusedActivation } from '../../../ops/conv2d.js';
/** The matmul kernel's attributes (docs/ops.md). */
export interface MatmulKernelAttrs {
  transposeA: boolean;
  transposeB: boolean;
}
import type { GpuRuntime } from '../runtime.js';
import { f32bits } from '../uniforms.js';
import { actCode, collapse, padded, runtimeOf } from './common.js';

/** The GEMM core's tile (gemm.wgsl): 64 x 64 outputs per workgroup of 16 x 16 invocations. */
export const GEMM_TILE = 64;
export const GEMM_INVOCATIONS = 256;

/** Workgroups for an M x N product in `batches` batches: columns in x, rows and batches looped over in y and z. */
export function gemmGrid(rt: GpuRuntime, m: number, n: number, batches: number): [number, number, number] {
  const max = rt.limits.maxComputeWorkgroupsPerDimension;
  return [Math.ceil(n / GEMM_TILE), Math.min(Math.ceil(m / GEMM_TILE), max), Math.min(batches, max)];
}

export interface GemmCall {
  a: Tensor;
  b: Tensor;
  bias?: Tensor | undefined;
  y: Tensor;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  /** Batch dimensions of the product, and each operand's batch strides in elements (0: broadcast). */
  batch: number[];
  aBatchStrides: number[];
  bBatchStrides: number[];
  act?: FusedActivation;
}

/** Records one batched product on the matmul program (bias and activation fused). */
export function recordGemm(rt: GpuRuntime, c: GemmCall): void {
  const d = collapse({ shape: c.batch, strides: [c.aBatchStrides, c.bBatchStrides] });
  const batches = sizeOf(d.shape);
  const { m, n, k } = c;
  const u = [
    m, n, k, batches,
    c.transposeA ? 1 : k, c.transposeA ? m : 1, c.transposeB ? 1 : n, c.transposeB ? k : 1,
    d.shape.length, c.bias ? 1 : 0, f32bits(c.act?.alpha ?? 0), f32bits(c.act?.beta ?? 0),
    ...padded(d.shape, 4, 'matmul batch'), ...padded(d.strides[0]!, 4, 'matmul batch'), ...padded(d.strides[1]!, 4, 'matmul batch'),
  ];
  const buffers = [rt.buffer(c.a), rt.buffer(c.b), c.bias ? rt.buffer(c.bias) : rt.dummy, rt.buffer(c.y)];
  rt.dispatch('matmul', 'gemm', { ACT: actCode(c.act?.activation ?? 'linear') }, GEMM_INVOCATIONS, buffers, u, gemmGrid(rt, m, n, batches));
}

/** Batch strides (in elements) of an operand with batch dims `own` read as `batch`, matrices of `matrix` elements. */
function batchStrides(batch: Shape, own: Shape, matrix: number): number[] {
  const s = stridesOf(own);
  const off = batch.length - own.length;
  return batch.map((_, i) => (i < off || own[i - off] === 1 ? 0 : s[i - off]! * matrix));
}

/** a [..., M, K] (or [..., K, M]) @ b [..., K, N] (or [..., N, K]); batch dimensions broadcast. */
const matmul: Kernel = ([a, b], { transposeA, transposeB }: MatmulKernelAttrs, be) => {
  const rt = runtimeOf(be);
  const as = a!.shape, bs = b!.shape;
  const ra = as.length, rb = bs.length;
  const m = transposeA ? as[ra - 1]! : as[ra - 2]!;
  const k = transposeA ? as[ra - 2]! : as[ra - 1]!;
  const n = transposeB ? bs[rb - 2]! : bs[rb - 1]!;
  const aBatch = as.slice(0, -2), bBatch = bs.slice(0, -2);
  const batch = broadcastShapes(aBatch, bBatch);
  const y = rt.tensor([...batch, m, n]);
  recordGemm(rt, {
    a: a!, b: b!, y, m, n, k, transposeA, transposeB,
    batch: [...batch], aBatchStrides: batchStrides(batch, aBatch, m * k), bBatchStrides: batchStrides(batch, bBatch, k * n),
  });
  return [y];
};

/** act(x @ w + b): x [..., K] as one [rows, K] matrix, w [K, M]. */
const dense: Kernel = ([x, w, b], a: FusedActivation, be) => {
  const rt = runtimeOf(be);
  const [k, n] = w!.shape as [number, number];
  const m = k === 0 ? 0 : x!.size / k;
  const y = rt.tensor([...x!.shape.slice(0, -1), n]);
  recordGemm(rt, { a: x!, b: w!, bias: b, y, m, n, k, transposeA: false, transposeB: false, batch: [], aBatchStrides: [], bBatchStrides: [], act: a });
  return [y];
};

export const matmulKernels: Record<string, Kernel> = { matmul, dense };
