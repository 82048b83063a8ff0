import type { Kernel } from '../../../core/backend.js';
import { sizeOf, stridesOf } from '../../../core/shape.js';
import type { Tensor } from '../../../core/tensor.js';
import { runtimeOf, type WasmRuntime } from '../runtime.js';

/**
 * Data movement on wasm (assembly/movement.ts): concat, slice, reshape, transpose. Slices and
 * permutations are strided views of the input; `copyStrided` simplifies the view (unit dimensions
 * dropped, dimensions that stay adjacent merged) and picks the fastest loop for what is left:
 * contiguous rows (memory.copy), a cache-blocked batched 2-D transpose (which NHWC <-> NCHW and
 * matrix transposes reduce to), or a general gather.
 */

const MIN_WORK = 1 << 14;
const grain = (workPerItem: number): number => Math.max(1, Math.ceil(MIN_WORK / Math.max(1, workPerItem)));
const roundUp16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/** Copies `n` floats from src to dst (distinct blocks), split across the workers. */
export function copyFloats(rt: WasmRuntime, src: number, dst: number, n: number): void {
  if (n > 0) rt.run('copy_f32', [src, dst], n, 1 << 16);
}

/** Drops unit dimensions and merges neighbours that are contiguous in the source. */
function simplify(dims: readonly number[], strides: readonly number[]): { dims: number[]; strides: number[] } {
  const d: number[] = [], s: number[] = [];
  for (let k = 0; k < dims.length; k++) {
    if (dims[k] === 1) continue;
    const last = d.length - 1;
    if (last >= 0 && s[last] === strides[k]! * dims[k]!) {
      d[last]! *= dims[k]!;
      s[last] = strides[k]!;
    } else {
      d.push(dims[k]!);
      s.push(strides[k]!);
    }
  }
  return { dims: d, strides: s };
}

/**
 * Fills dst (contiguous, row-major over `dims`) with src[offset + sum_k i_k * strides[k]]
 * (element strides). Every slice and transpose is one of these.
 */
export function copyStrided(rt: WasmRuntime, src: number, offset: number, dst: number, dims: readonly number[], strides: readonly number[]): void {
  const n = sizeOf(dims);
  if (n === 0) return;
  const v = simplify(dims, strides);
  const r = v.dims.length;
  const from = src + 4 * offset;
  if (r === 0 || (r === 1 && v.strides[0] === 1)) return copyFloats(rt, from, dst, n);
  // out[b, s, q] = in[b, q, s] over a contiguous [B, Q, S] source: a batched 2-D transpose.
  const [d0, d1, d2] = r === 2 ? [1, v.dims[0]!, v.dims[1]!] : [v.dims[0]!, v.dims[1]!, v.dims[2]!];
  const [s0, s1, s2] = r === 2 ? [d1 * d2, v.strides[0]!, v.strides[1]!] : [v.strides[0]!, v.strides[1]!, v.strides[2]!];
  if (r <= 3 && s1 === 1 && s2 === d1 && s0 === d1 * d2) {
    rt.run('transpose2d', [from, dst, d2, d1], d0 * Math.ceil(d2 / 16), grain(16 * d1));
    return;
  }
  // Rows of the last dimension, gathered from wherever the outer dimensions put them.
  const outer = r - 1, inner = v.dims[outer]!, innerStride = v.strides[outer]!;
  const stride = roundUp16(12 * Math.max(outer, 1));
  const base = rt.scratch(stride);
  const ints = new Int32Array(rt.memory.buffer, base, 2 * outer);
  ints.set(v.dims.slice(0, outer), 0);
  ints.set(v.strides.slice(0, outer), outer);
  const args = [from, dst, outer, base, base + 4 * outer, inner, innerStride, base + 8 * outer, stride];
  rt.run('gather_strided', args, n / inner, grain(inner));
}

/** Joins the inputs along `axis` (normalized): each output row is one row of every input in turn. */
const concat: Kernel = (xs, { axis }: { axis: number }, be) => {
  const rt = runtimeOf(be);
  const first = xs[0]!.shape;
  const shape = [...first];
  shape[axis] = xs.reduce((a, t) => a + t.shape[axis]!, 0);
  const y = rt.tensor(shape);
  if (y.size === 0) return [y];
  const outer = sizeOf(first.slice(0, axis)), inner = sizeOf(first.slice(axis + 1));
  const parts = xs.filter((t) => t.size > 0);
  const table = rt.scratch(8 * parts.length);
  const words = new Uint32Array(rt.memory.buffer, table, 2 * parts.length);
  parts.forEach((t, k) => {
    words[2 * k] = rt.ptr(t);
    words[2 * k + 1] = t.shape[axis]! * inner;
  });
  const outRow = shape[axis]! * inner;
  rt.run('concat_rows', [table, parts.length, rt.ptr(y), outRow], outer, grain(outRow));
  return [y];
};

/** The block of `x` starting at `begin` with extent `size` (both full rank). */
const slice: Kernel = ([x], { begin, size }: { begin: number[]; size: number[] }, be) => {
  const rt = runtimeOf(be);
  const y = rt.tensor(size);
  if (y.size === 0) return [y];
  const strides = stridesOf(x!.shape);
  copyStrided(rt, rt.ptr(x!), begin.reduce((a, b, k) => a + b * strides[k]!, 0), rt.ptr(y), size, strides);
  return [y];
};

/** The same elements under a new shape: a copy, since a wasm tensor owns its block of memory. */
const reshape: Kernel = ([x], { shape }: { shape: number[] }, be) => {
  const rt = runtimeOf(be);
  const y = rt.tensor(shape);
  copyFloats(rt, rt.ptr(x!), rt.ptr(y), y.size);
  return [y];
};

/** y.shape[i] = x.shape[perm[i]]. */
const transpose: Kernel = ([x], { perm }: { perm: number[] }, be) => {
  const rt = runtimeOf(be);
  const src: Tensor = x!;
  const strides = stridesOf(src.shape);
  const shape = perm.map((p) => src.shape[p]!);
  const y = rt.tensor(shape);
  if (y.size === 0) return [y];
  copyStrided(rt, rt.ptr(src), 0, rt.ptr(y), shape, perm.map((p) => strides[p]!));
  return [y];
};

export const movementKernels: Record<string, Kernel> = { concat, slice, reshape, transpose };
