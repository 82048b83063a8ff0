import type { Kernel } from '../../../core/backend.js';
import { TinyconvError } from '../../../core/errors.js';
import { broadcastShapes, shapeToString, sizeOf, stridesOf, type Shape } from '../../../core/shape.js';
import type { Tensor } from '../../../core/tensor.js';
import type { DenseKernelAttrs } from '../../../ops/dense.js';
import type { MatmulKernelAttrs } from '../../reference/kernels/matmul.js';
import { ACTIVATION_CODE } from '../activation-code.js';
import { runtimeOf, type WasmRuntime } from '../runtime.js';

/**
 * Bindings of the GEMM (assembly/gemm.ts): matmul with transposes and broadcast batch
 * dimensions, the fused dense layer, bias_add and bias_grad, and `gemm()` for other bindings that
 * run a product (1x1 and im2col convolutions) with a fused bias and activation.
 */

/** Flags of assembly/gemm-driver.ts (GEMM_*) and the export-only split flag of assembly/gemm.ts. */
export const GEMM_TRANS_A = 1;
export const GEMM_TRANS_B = 2;
export const GEMM_ACCUMULATE = 4;
export const GEMM_PACKED_B = 8;
const SPLIT_COLS = 32;

/** Multiply-adds per chunk worth a worker's wake-up (about 20 microseconds of FMA work). */
const MIN_CHUNK_MACS = 1 << 19;
/** Elements per chunk for the memory-bound bias passes (~200 kB of traffic). */
const MIN_CHUNK_ELEMENTS = 1 << 14;

/** One product C = act(op(A) op(B) + (accumulate ? C : 0) + bias); addresses in bytes, ld* in elements. */
export interface GemmCall {
  a: number;
  lda: number;
  /** B, or B packed by `packGemmB` when `flags` has GEMM_PACKED_B. */
  b: number;
  ldb: number;
  c: number;
  ldc: number;
  m: number;
  n: number;
  k: number;
  flags: number;
  /** N floats added along the columns, or 0. */
  bias?: number;
  /** An activation code (src/backends/wasm/activation-code.ts) and its parameters. */
  act?: number;
  alpha?: number;
  beta?: number;
}

/** Rows of a register tile in this module (6 in the relaxed builds, 5 in the plain ones). */
const tileRowsCache = new WeakMap<object, number>();
function tileRows(rt: WasmRuntime): number {
  let mr = tileRowsCache.get(rt.exports);
  if (mr === undefined) {
    mr = rt.call('gemm_mr', []) as number;
    tileRowsCache.set(rt.exports, mr);
  }
  return mr;
}
const TILE_COLS = 8;

/**
 * Dense products with at most this many rows run the matrix-vector kernel (assembly/gemv.ts)
 * rather than the GEMM, which computes whole 5- or 6-row tiles regardless. Measured at
 * 1024 x 1000, one thread: about 3x faster for one row, 1.3-1.7x for two, even at three, slower
 * from four rows up (each row re-reads B from cache where the GEMM's tile shares one load).
 */
const GEMV_MAX_ROWS = 2;

/**
 * Which dimension of C the workers split, in tiles. Each worker packs its own copy of the operand
 * it shares (all of B for a row split, all of A for a column split), so split the side that
 * leaves the smaller operand to duplicate, unless that side has too few tiles to go round.
 */
function chooseSplit(rt: WasmRuntime, m: number, n: number, k: number, packedB: boolean): { cols: boolean; total: number; grain: number } {
  const rowTiles = Math.ceil(m / tileRows(rt)), colTiles = Math.ceil(n / TILE_COLS);
  let cols = !packedB && n > m;
  if (rt.threads > 1) {
    if (cols && colTiles < rt.threads && rowTiles > colTiles) cols = false;
    else if (!cols && rowTiles < rt.threads && colTiles > rowTiles) cols = true;
  }
  const macsPerTile = cols ? m * TILE_COLS * k : tileRows(rt) * n * k;
  return { cols, total: cols ? colTiles : rowTiles, grain: Math.max(1, Math.ceil(MIN_CHUNK_MACS / Math.max(1, macsPerTile))) };
}

/** Runs one product on the worker pool (C must not overlap A or B). */
export function gemm(rt: WasmRuntime, g: GemmCall): void {
  if (g.m === 0 || g.n === 0) return;
  const split = chooseSplit(rt, g.m, g.n, g.k, (g.flags & GEMM_PACKED_B) !== 0);
  const flags = g.flags | (split.cols ? SPLIT_COLS : 0);
  const stride = rt.call('gemm_scratch_bytes', [g.m, g.n, g.k, flags]) as number;
  const scratch = rt.scratch(stride);
  rt.run('gemm_run', [g.a, g.lda, g.b, g.ldb, g.c, g.ldc, g.m, g.n, g.k, flags, g.bias ?? 0, g.act ?? 0, g.alpha ?? 0, g.beta ?? 0, scratch, stride], split.total, split.grain);
}

/** Bytes of a K x N operand packed by `packGemmB`. */
export function packedGemmBBytes(rt: WasmRuntime, k: number, n: number): number {
  return rt.call('gemm_packed_b_bytes', [k, n]) as number;
}

/**
 * op(B) of a constant weight packed once for GEMM_PACKED_B calls, cached with the tensor
 * (`b` is K x N, or N x K when `transB`).
 */
export function packGemmB(rt: WasmRuntime, b: Tensor, transB: boolean, k: number, n: number): number {
  return rt.packed(b, transB ? 'gemm.b.t' : 'gemm.b', packedGemmBBytes(rt, k, n), (dst) => {
    rt.call('gemm_pack_b', [rt.ptr(b), transB ? k : n, transB ? 1 : 0, k, n, dst]);
  });
}

/**
 * Tensors seen as a shared (rank-2) B operand, by orientation (bit 1: as is, bit 2: transposed).
 * A B seen a second time is a weight being reused (dense layers): it is packed once and the
 * packing kept with the tensor. Activations are used once and never pay for a cached copy.
 */
const seenAsB = new WeakMap<Tensor, number>();

function reusedAsB(b: Tensor, transB: boolean): boolean {
  const bit = transB ? 2 : 1;
  const seen = seenAsB.get(b) ?? 0;
  if (seen & bit) return true;
  seenAsB.set(b, seen | bit);
  return false;
}

/** Element offset of each batch entry's matrix in an operand whose batch dimensions broadcast to `batch`. */
function batchOffsets(batch: Shape, own: Shape, matrixSize: number): Int32Array {
  const n = sizeOf(batch);
  const rank = batch.length;
  const ownStrides = stridesOf(own);
  const step = batch.map((_, i) => {
    const j = i - (rank - own.length);
    return j < 0 || own[j] === 1 ? 0 : ownStrides[j]! * matrixSize;
  });
  const out = new Int32Array(n);
  const pos = new Array<number>(rank).fill(0);
  let off = 0;
  for (let t = 0; t < n; t++) {
    out[t] = off;
    for (let d = rank - 1; d >= 0; d--) {
      off += step[d]!;
      if (++pos[d]! < batch[d]!) break;
      off -= step[d]! * batch[d]!;
      pos[d] = 0;
    }
  }
  return out;
}

/**
 * Batched op(a) @ op(b) over the last two dimensions, batch dimensions broadcast as in the
 * reference kernel. Products whose B has no batch of its own and whose A is not transposed fold
 * the batch into the rows of one product (x [..., K] @ w [K, N]).
 */
const matmul: Kernel = ([a, b], { transposeA, transposeB }: MatmulKernelAttrs, be) => {
  const rt = runtimeOf(be);
  const as = a!.shape, bs = b!.shape;
  const ra = as.length, rb = bs.length;
  const m = transposeA ? as[ra - 1]! : as[ra - 2]!;
  const k = transposeA ? as[ra - 2]! : as[ra - 1]!;
  const n = transposeB ? bs[rb - 2]! : bs[rb - 1]!;
  const aBatch = as.slice(0, -2), bBatch = bs.slice(0, -2);
  const batch = broadcastShapes(aBatch, bBatch);
  const nb = sizeOf(batch);
  const y = rt.tensor([...batch, m, n]);
  if (y.size === 0) return [y];

  const flags = (transposeA ? GEMM_TRANS_A : 0) | (transposeB ? GEMM_TRANS_B : 0);
  const sharedB = sizeOf(bBatch) === 1;
  // Packing a shared B costs K x N per call: keep it with a tensor that comes back (a weight).
  const packB = sharedB && k > 0 && reusedAsB(b!, transposeB);
  const bPtr = packB ? packGemmB(rt, b!, transposeB, k, n) : rt.ptr(b!);
  const bFlags = flags | (packB ? GEMM_PACKED_B : 0);
  const lda = transposeA ? m : k, ldb = transposeB ? k : n;

  if (nb === 1 || (sharedB && !transposeA && sizeOf(aBatch) === nb)) {
    const rows = nb * m;
    gemm(rt, { a: rt.ptr(a!), lda, b: bPtr, ldb, c: rt.ptr(y), ldc: n, m: rows, n, k, flags: bFlags });
    return [y];
  }

  const split = chooseSplit(rt, m, n, k, packB);
  const runFlags = bFlags | (split.cols ? SPLIT_COLS : 0);
  const stride = rt.call('gemm_scratch_bytes', [m, n, k, runFlags]) as number;
  const scratch = rt.scratch(stride);
  const table = rt.scratch((nb * 8) / rt.threads);
  // Views are made after the last allocation: growing memory detaches older ones.
  const offsets = new Int32Array(rt.memory.buffer, table, 2 * nb);
  const ao = batchOffsets(batch, aBatch, m * k), bo = batchOffsets(batch, bBatch, k * n);
  for (let t = 0; t < nb; t++) {
    offsets[2 * t] = ao[t]!;
    offsets[2 * t + 1] = bo[t]!;
  }
  rt.run('gemm_batched', [rt.ptr(a!), bPtr, rt.ptr(y), table, m, n, k, runFlags, scratch, stride], nb * split.total, split.grain);
  return [y];
};

/**
 * Fused dense layer: act(x @ w + b), every leading dimension of x folded into the rows, bias and
 * activation applied while each tile of y is in cache, w packed once and kept with the tensor as a
 * layer's weight. (The matmul binding packs a B only when it comes back, because a matmul operand
 * may be an activation used once; dense's w is a parameter. Both share the packing of a tensor.)
 * Few rows (batch-1 inference above all) run the matrix-vector kernel over the packed w
 * (assembly/gemv.ts); more run the GEMM with the same epilogue.
 */
const dense: Kernel = ([x, w, b], a: DenseKernelAttrs, be) => {
  const rt = runtimeOf(be);
  const [k, m] = w!.shape as [number, number];
  const lead = x!.shape.slice(0, -1);
  const y = rt.tensor([...lead, m]);
  if (y.size === 0) return [y];
  const rows = sizeOf(lead);
  const act = ACTIVATION_CODE[a.activation], bias = b ? rt.ptr(b) : 0;
  // K = 0 leaves nothing to pack: the GEMM then writes act(bias) alone.
  if (k === 0) {
    gemm(rt, { a: rt.ptr(x!), lda: 0, b: rt.ptr(w!), ldb: m, c: rt.ptr(y), ldc: m, m: rows, n: m, k, flags: 0, bias, act, alpha: a.alpha, beta: a.beta });
    return [y];
  }
  const packed = packGemmB(rt, w!, false, k, m);
  if (rows <= GEMV_MAX_ROWS) {
    const panels = Math.ceil(m / TILE_COLS);
    const grain = Math.max(1, Math.ceil(MIN_CHUNK_MACS / (rows * k * TILE_COLS)));
    rt.run('gemv_packed', [rt.ptr(x!), k, packed, rt.ptr(y), rows, k, m, bias, act, a.alpha, a.beta], panels, grain);
    return [y];
  }
  gemm(rt, { a: rt.ptr(x!), lda: k, b: packed, ldb: m, c: rt.ptr(y), ldc: m, m: rows, n: m, k, flags: GEMM_PACKED_B, bias, act, alpha: a.alpha, beta: a.beta });
  return [y];
};

/** Rows of `c` elements per chunk, so that a chunk touches about MIN_CHUNK_ELEMENTS elements. */
const rowGrain = (c: number): number => Math.max(1, Math.ceil(MIN_CHUNK_ELEMENTS / Math.max(1, c)));

const biasAdd: Kernel = ([x, b], _attrs, be) => {
  const rt = runtimeOf(be);
  const y = rt.tensor(x!.shape);
  const c = b!.size;
  if (y.size === 0) return [y];
  rt.run('bias_add', [rt.ptr(x!), rt.ptr(b!), rt.ptr(y), c], y.size / c, rowGrain(c));
  return [y];
};

const biasGrad: Kernel = ([dy], _attrs, be) => {
  if (dy!.rank < 1) throw new TinyconvError('E_SHAPE', `bias_grad: dy must have rank >= 1 ([..., C]), got ${shapeToString(dy!.shape)}`);
  const rt = runtimeOf(be);
  const c = dy!.shape[dy!.rank - 1]!;
  const out = rt.tensor([c]);
  if (c === 0) return [out];
  const rows = dy!.size / c;
  if (rows === 0) {
    rt.view(out).fill(0);
    return [out];
  }
  // Splits over groups of 4 channels; each group reads every row.
  rt.run('bias_grad', [rt.ptr(dy!), rt.ptr(out), rows, c], Math.ceil(c / 4), Math.max(1, Math.ceil(MIN_CHUNK_ELEMENTS / (4 * rows))));
  return [out];
};

export const matmulKernels: Record<string, Kernel> = {
  matmul,
  dense,
  bias_add: biasAdd,
  bias_grad: biasGrad,
};
