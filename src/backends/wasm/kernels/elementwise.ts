import type { Kernel } from '../../../core/backend.js';
import { broadcastShapes, sizeOf, stridesOf, type Shape } from '../../../core/shape.js';
import type { Tensor } from '../../../core/tensor.js';
import { hash32 } from '../../../core/random.js';
import type { ActivationAttrs } from '../../../ops/activation-math.js';
import { ACTIVATION_CODE } from '../activation-code.js';
import { runtimeOf, type WasmRuntime } from '../runtime.js';

/**
 * Bindings of the element-wise kernels (assembly/elementwise.ts). Split ranges are cut into
 * grains that are multiples of 4 elements, so every chunk but the last starts on a v128 boundary.
 */

/** Elements per chunk worth a worker's wake-up for memory-bound loops (~200 kB of traffic). */
const GRAIN = 16384;
/** The same for activations built on exp (several times the work per element). */
const GRAIN_EXP = 4096;
const EXP_KINDS = new Set(['elu', 'sigmoid', 'tanh', 'swish']);

/** Rows of `inner` elements per chunk, so that a chunk holds about `grain` elements. */
const rowGrain = (inner: number, grain = GRAIN): number => Math.max(1, Math.ceil(grain / Math.max(1, inner)));

/**
 * The broadcast of two inputs to `out`, with size-1 dimensions dropped and neighbours merged
 * where both inputs step through them contiguously (or both broadcast them). Strides in elements,
 * 0 along broadcast dimensions.
 */
export function collapseBroadcast(out: Shape, a: Shape, b: Shape): { dims: number[]; sa: number[]; sb: number[] } {
  const stridesIn = (s: Shape): number[] => {
    const st = stridesOf(s);
    return out.map((_, i) => {
      const j = i - (out.length - s.length);
      return j < 0 || s[j] === 1 ? 0 : st[j]!;
    });
  };
  const fa = stridesIn(a), fb = stridesIn(b);
  const dims: number[] = [], sa: number[] = [], sb: number[] = [];
  out.forEach((d, i) => {
    if (d === 1) return;
    const k = dims.length - 1;
    // Merge into the previous dimension when, for both inputs, it steps over this one exactly.
    if (k >= 0 && sa[k] === fa[i]! * d && sb[k] === fb[i]! * d) {
      dims[k] = dims[k]! * d;
      sa[k] = fa[i]!;
      sb[k] = fb[i]!;
    } else {
      dims.push(d);
      sa.push(fa[i]!);
      sb.push(fb[i]!);
    }
  });
  return { dims, sa, sb };
}

/** Small i32 parameter blocks for kernels, written into per-call scratch. */
function params(rt: WasmRuntime, values: readonly number[]): number {
  const ptr = rt.scratch(values.length * 4);
  new Int32Array(rt.memory.buffer, ptr, values.length).set(values);
  return ptr;
}

function binary(op: 'add' | 'mul'): Kernel {
  return ([a, b], _attrs, be) => {
    const rt = runtimeOf(be);
    const shape = broadcastShapes(a!.shape, b!.shape);
    const n = sizeOf(shape);
    const y = rt.tensor(shape);
    if (n === 0) return [y];
    const pa = rt.ptr(a!), pb = rt.ptr(b!), py = rt.ptr(y);
    if (a!.size === n && b!.size === n) {
      rt.run(`${op}_same`, [pa, pb, py], n, GRAIN);
      return [y];
    }
    // add and mul commute exactly, so either operand may play the full one.
    if (a!.size === n && b!.size === 1) {
      rt.run(`${op}_scalar`, [pa, pb, py], n, GRAIN);
      return [y];
    }
    if (b!.size === n && a!.size === 1) {
      rt.run(`${op}_scalar`, [pb, pa, py], n, GRAIN);
      return [y];
    }
    const { dims, sa, sb } = collapseBroadcast(shape, a!.shape, b!.shape);
    const rank = dims.length;
    const inner = dims[rank - 1]!;
    const rows = n / inner;
    // A channel vector over rows ([..., C] op [C]), either way round.
    if (rank === 2 && sa[0] === inner && sa[1] === 1 && sb[0] === 0 && sb[1] === 1) {
      rt.run(`${op}_rows`, [pa, pb, py, inner], rows, rowGrain(inner));
    } else if (rank === 2 && sb[0] === inner && sb[1] === 1 && sa[0] === 0 && sa[1] === 1) {
      rt.run(`${op}_rows`, [pb, pa, py, inner], rows, rowGrain(inner));
    } else {
      const p = params(rt, [rank, ...dims, ...sa, ...sb]);
      rt.run(`${op}_strided`, [pa, pb, py, p], rows, rowGrain(inner));
    }
    return [y];
  };
}

/**
 * dy summed down to `shape` (right-aligned, NumPy style). Dimensions of dy are kept (the target
 * has them) or reduced (the target has 1 or lacks them); size-1 ones are dropped and neighbours
 * of the same kind merged, which leaves alternating kept and reduced groups.
 */
const reduceSumTo: Kernel = ([g], { shape }: { shape: number[] }, be) => {
  const rt = runtimeOf(be);
  const y = rt.tensor(shape);
  const n = sizeOf(shape);
  if (n === 0) return [y];
  const view = (t: Tensor): Float32Array => rt.view(t);
  if (g!.size === 0) {
    view(y).fill(0);
    return [y];
  }
  const gs = g!.shape;
  const dims: number[] = [], kept: boolean[] = [];
  gs.forEach((d, i) => {
    if (d === 1) return;
    const j = i - (gs.length - shape.length);
    const keep = j >= 0 && shape[j] !== 1;
    const k = dims.length - 1;
    if (k >= 0 && kept[k] === keep) dims[k] = dims[k]! * d;
    else {
      dims.push(d);
      kept.push(keep);
    }
  });
  if (!kept.includes(false)) {
    // Nothing to sum (only size-1 dimensions differ): the values are the same.
    view(y).set(view(g!));
    return [y];
  }
  const strides = stridesOf(dims);
  const last = dims.length - 1;
  const kd: number[] = [], ks: number[] = [], rd: number[] = [], rs: number[] = [];
  for (let i = 0; i < last; i++) {
    (kept[i] ? kd : rd).push(dims[i]!);
    (kept[i] ? ks : rs).push(strides[i]!);
  }
  const inner = dims[last]!;
  const p = params(rt, [kd.length, rd.length, ...kd, ...ks, ...rd, ...rs, inner]);
  const outer = kd.reduce((x, d) => x * d, 1);
  const perUnit = g!.size / (kept[last] ? outer : n); // elements of dy read per unit of work
  if (kept[last]) {
    const blocks = Math.ceil(inner / 16);
    rt.run('reduce_sum_cols', [rt.ptr(g!), rt.ptr(y), p], outer * blocks, rowGrain(perUnit * Math.min(16, inner) / inner));
  } else {
    rt.run('reduce_sum_runs', [rt.ptr(g!), rt.ptr(y), p], n, rowGrain(perUnit));
  }
  return [y];
};

export const elementwiseKernels: Record<string, Kernel> = {
  add: binary('add'),
  mul: binary('mul'),
  reduce_sum_to: reduceSumTo,

  activation: ([x], a: ActivationAttrs, be) => {
    const rt = runtimeOf(be);
    const y = rt.tensor(x!.shape);
    rt.run('activation', [ACTIVATION_CODE[a.kind], rt.ptr(x!), rt.ptr(y), a.alpha, a.beta], x!.size, EXP_KINDS.has(a.kind) ? GRAIN_EXP : GRAIN);
    return [y];
  },

  activation_grad: ([dy, x, y], a: ActivationAttrs, be) => {
    const rt = runtimeOf(be);
    const dx = rt.tensor(x!.shape);
    rt.run('activation_grad', [ACTIVATION_CODE[a.kind], rt.ptr(dy!), rt.ptr(x!), rt.ptr(y!), rt.ptr(dx), a.alpha, a.beta], x!.size, EXP_KINDS.has(a.kind) ? GRAIN_EXP : GRAIN);
    return [dx];
  },

  /** moving * momentum + value * (1 - momentum), with 1 - momentum taken in double precision. */
  moving_average: ([moving, value], { momentum }: { momentum: number }, be) => {
    const rt = runtimeOf(be);
    const y = rt.tensor(moving!.shape);
    rt.run('moving_average', [rt.ptr(moving!), rt.ptr(value!), rt.ptr(y), momentum, 1 - momentum], moving!.size, GRAIN);
    return [y];
  },

  /**
   * hashUniform(seed, i) >= rate, i.e. hash32(h0 ^ i) / 2^32 >= rate with h0 = hash32(seed ^
   * 0x9e3779b9), is hash32(h0 ^ i) >= ceil(rate * 2^32) in integers (rate * 2^32 is exact).
   */
  dropout_mask: ([x], { rate, seed }: { rate: number; seed: number }, be) => {
    const rt = runtimeOf(be);
    const y = rt.tensor(x!.shape);
    const h0 = hash32(seed ^ 0x9e3779b9) | 0;
    rt.run('dropout_mask', [rt.ptr(y), h0, Math.ceil(rate * 4294967296), 1 / (1 - rate)], x!.size, GRAIN);
    return [y];
  },
};
