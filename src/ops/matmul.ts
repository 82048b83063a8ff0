import { TinyconvError, check } from '../core/errors.js';
import { defineOp, type KernelRunner } from '../core/op.js';
import { broadcastShapes, shapeToString, shapesEqual, sizeOf, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { AttrReader } from './attrs.js';

export interface MatmulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** The dimensions of op(a) @ op(b): batch shape (broadcast), M, K, N. */
export interface MatmulDims {
  batch: number[];
  m: number;
  k: number;
  n: number;
}

/**
 * Checks two rank >= 2 operands of a batched matrix product and returns its dimensions. `shown`
 * are the shapes the caller passed, for the messages (before vectors were promoted to matrices).
 */
export function matmulDims(a: Shape, b: Shape, { transposeA, transposeB }: MatmulAttrs, shown: readonly [Shape, Shape] = [a, b]): MatmulDims {
  const op = 'matmul';
  const t = (f: boolean): string => (f ? ' (transposed)' : '');
  const [sa, sb] = shown.map(shapeToString) as [string, string];
  check(a.length >= 2, 'E_SHAPE', () => `${op}: a must have rank >= 2 ([..., M, K]), got ${sa}`, { a });
  check(b.length >= 2, 'E_SHAPE', () => `${op}: b must have rank >= 2 ([..., K, N]), got ${sb}`, { b });
  const [m, ka] = transposeA ? [a[a.length - 1]!, a[a.length - 2]!] : [a[a.length - 2]!, a[a.length - 1]!];
  const [kb, n] = transposeB ? [b[b.length - 1]!, b[b.length - 2]!] : [b[b.length - 2]!, b[b.length - 1]!];
  if (ka !== kb) {
    throw new TinyconvError(
      'E_SHAPE',
      `${op}: inner dimensions differ: a${t(transposeA)} ${sa} has K = ${ka}, b${t(transposeB)} ${sb} has K = ${kb}`,
      { a: shown[0], b: shown[1], transposeA, transposeB },
    );
  }
  const aBatch = a.slice(0, -2), bBatch = b.slice(0, -2);
  let batch: number[];
  try {
    batch = broadcastShapes(aBatch, bBatch);
  } catch {
    throw new TinyconvError('E_SHAPE', `${op}: batch dimensions ${shapeToString(aBatch)} of a ${sa} and ${shapeToString(bBatch)} of b ${sb} cannot be broadcast together`, { a: shown[0], b: shown[1] });
  }
  return { batch, m, k: ka, n };
}

/** Sums a gradient over the batch dimensions its input was broadcast along. */
function reduceTo(k: KernelRunner, g: Tensor, shape: Shape): Tensor {
  return shapesEqual(g.shape, shape) ? g : k.run1('reduce_sum_to', [g], { shape: [...shape] });
}

/**
 * Gradients of y = op(a) @ op(b) in terms of the same kernel with other transposes:
 * with C = A B, dA = dC B^T and dB = A^T dC, rearranged so no operand is ever copied transposed.
 * Returned before the reduction over broadcast batch dimensions.
 */
function matmulGrads(k: KernelRunner, dy: Tensor, a: Tensor, b: Tensor, { transposeA: ta, transposeB: tb }: MatmulAttrs, needs: readonly boolean[]): [Tensor | null, Tensor | null] {
  const da = !needs[0] ? null
    : ta ? k.run1('matmul', [b, dy], { transposeA: tb, transposeB: true })
    : k.run1('matmul', [dy, b], { transposeA: false, transposeB: !tb });
  const db = !needs[1] ? null
    : tb ? k.run1('matmul', [dy, a], { transposeA: true, transposeB: ta })
    : k.run1('matmul', [a, dy], { transposeA: !ta, transposeB: false });
  return [da, db];
}

/** A tensor with another shape of the same size (skipped when the shape is already right). */
export function view(k: KernelRunner, t: Tensor, shape: Shape): Tensor {
  return shapesEqual(t.shape, shape) ? t : k.run1('reshape', [t], { shape: [...shape] });
}

/**
 * Rank-1 operands as in NumPy / ONNX MatMul: a vector a [K] acts as [1, K] and b [K] as [K, 1],
 * and the added dimension is dropped from the result. Transposing a vector changes nothing
 * (NumPy's v.T is v), so its flag is cleared.
 */
function promote(a: Shape, b: Shape, attrs: MatmulAttrs): { a: Shape; b: Shape; attrs: MatmulAttrs; y: (dims: MatmulDims) => number[] } {
  const va = a.length === 1, vb = b.length === 1;
  return {
    a: va ? [1, a[0]!] : a,
    b: vb ? [b[0]!, 1] : b,
    attrs: { transposeA: attrs.transposeA && !va, transposeB: attrs.transposeB && !vb },
    y: ({ batch, m, n }) => [...batch, ...(va ? [] : [m]), ...(vb ? [] : [n])],
  };
}

function checkRank(a: Shape, b: Shape): void {
  check(a.length >= 1, 'E_SHAPE', `matmul: a must have rank >= 1 ([..., M, K] or a vector [K]), got a scalar`, { a });
  check(b.length >= 1, 'E_SHAPE', `matmul: b must have rank >= 1 ([..., K, N] or a vector [K]), got a scalar`, { b });
}

/**
 * Batched matrix product: a [..., M, K] @ b [..., K, N] -> [..., M, N], batch dimensions broadcast
 * NumPy-style; transposeA / transposeB swap the last two dimensions of an operand first. A rank-1
 * operand is a vector, as in NumPy (see promote). The kernel sees rank >= 2 operands only.
 */
export const matmul = defineOp<MatmulAttrs>({
  name: 'matmul',
  inputs: ['a', 'b'],
  kernels: { forward: ['matmul', 'reshape'], backward: ['matmul', 'reduce_sum_to', 'reshape'] },
  attrs(raw) {
    const r = new AttrReader('matmul', raw);
    const transposeA = r.bool('transposeA', false);
    const transposeB = r.bool('transposeB', false);
    r.done();
    return { transposeA, transposeB };
  },
  outputShape([a, b], attrs) {
    checkRank(a!, b!);
    const p = promote(a!, b!, attrs);
    return p.y(matmulDims(p.a, p.b, p.attrs, [a!, b!]));
  },
  cost([a, b], attrs, y) {
    checkRank(a!, b!);
    const p = promote(a!, b!, attrs);
    const { k } = matmulDims(p.a, p.b, p.attrs);
    return { flops: 2 * sizeOf(y) * k, bytes: 4 * (sizeOf(a!) + sizeOf(b!) + sizeOf(y)) };
  },
  forward(k, [a, b], attrs) {
    const p = promote(a!.shape, b!.shape, attrs);
    const y = k.run1('matmul', [view(k, a!, p.a), view(k, b!, p.b)], p.attrs);
    return { y: view(k, y, p.y(matmulDims(p.a, p.b, p.attrs))) };
  },
  backward(k, { dy, inputs, attrs, needs }) {
    const [a, b] = inputs as Tensor[];
    const p = promote(a!.shape, b!.shape, attrs);
    const { batch, m, n } = matmulDims(p.a, p.b, p.attrs);
    const [da, db] = matmulGrads(k, view(k, dy, [...batch, m, n]), view(k, a!, p.a), view(k, b!, p.b), p.attrs, needs);
    return [da && view(k, reduceTo(k, da, p.a), a!.shape), db && view(k, reduceTo(k, db, p.b), b!.shape)];
  },
});
