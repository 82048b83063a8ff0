import type { Kernel } from '../../../core/backend.js';
import { broadcastShapes, sizeOf } from '../../../core/shape.js';
import { activate } from '../../../ops/activation-math.js';
import type { DenseKernelAttrs } from '../../../ops/dense.js';
import { alloc, arr, wrap } from '../storage.js';
import { broadcastIndex } from './elementwise.js';

export interface MatmulKernelAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/**
 * Batched matrix product over the last two dimensions, batch dimensions broadcast NumPy-style:
 * a [...,M,K] (or [...,K,M] with transposeA) times b [...,K,N] (or [...,N,K] with transposeB).
 * Both operands have rank >= 2; the op validates the shapes before this runs.
 */
const matmul: Kernel = ([a, b], { transposeA, transposeB }: MatmulKernelAttrs, be) => {
  const A = arr(a!), B = arr(b!);
  const as = a!.shape, bs = b!.shape;
  const ra = as.length, rb = bs.length;
  const M = transposeA ? as[ra - 1]! : as[ra - 2]!;
  const K = transposeA ? as[ra - 2]! : as[ra - 1]!;
  const N = transposeB ? bs[rb - 2]! : bs[rb - 1]!;
  // Element (i, k) of op(a) sits at i*sAi + k*sAk inside its matrix; likewise (k, j) of op(b).
  const sAi = transposeA ? 1 : K, sAk = transposeA ? M : 1;
  const sBk = transposeB ? 1 : N, sBj = transposeB ? K : 1;
  const aBatch = as.slice(0, -2), bBatch = bs.slice(0, -2);
  const batch = broadcastShapes(aBatch, bBatch);
  const ia = broadcastIndex(batch, aBatch), ib = broadcastIndex(batch, bBatch);
  const nb = sizeOf(batch);
  const out = alloc(A, nb * M * N);
  for (let t = 0; t < nb; t++) {
    const oa = ia[t]! * M * K, ob = ib[t]! * K * N, oy = t * M * N;
    for (let i = 0; i < M; i++) {
      const rowA = oa + i * sAi;
      for (let j = 0; j < N; j++) {
        const colB = ob + j * sBj;
        let s = 0;
        for (let k = 0; k < K; k++) s += A[rowA + k * sAk]! * B[colB + k * sBk]!;
        out[oy + i * N + j] = s;
      }
    }
  }
  return [wrap(be, out, [...batch, M, N])];
};

/**
 * Fused dense layer: activation(x @ w + b), x [..., K], w [K, M], b? [M]. The product comes from
 * the matmul kernel (leading dimensions of x act as its batch, w broadcasts over them), then bias
 * and activation run in place, each result rounded as the separate kernels round it, so the
 * fused and unfused paths agree bit for bit on this backend.
 */
const dense: Kernel = ([x, w, b], a: DenseKernelAttrs, be) => {
  const [y] = matmul([x!, w!], { transposeA: false, transposeB: false }, be);
  const Y = arr(y!);
  if (b) {
    const B = arr(b), m = B.length;
    for (let o = 0; o < Y.length; o += m) {
      for (let j = 0; j < m; j++) Y[o + j] = Y[o + j]! + B[j]!;
    }
  }
  if (a.activation !== 'linear') for (let i = 0; i < Y.length; i++) Y[i] = activate(a.activation, Y[i]!, a.alpha, a.beta);
  return [y!];
};

export const matmulKernels: Record<string, Kernel> = { matmul, dense };
