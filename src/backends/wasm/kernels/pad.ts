import type { Kernel } from '../../../core/backend.js';
import { sizeOf, stridesOf, type Shape } from '../../../core/shape.js';
import type { Tensor } from '../../../core/tensor.js';
import type { PadAttrs } from '../../../ops/pad.js';
import { padShape, padSourceIndex, type PadMode } from '../../../ops/pad-geometry.js';
import { runtimeOf } from '../runtime.js';
import { copyFloats, copyStrided } from './movement.js';

/**
 * Padding on wasm (assembly/pad.ts). The index geometry comes from src/ops/pad-geometry.ts, as on
 * every backend, and is turned into tables here: per output index of each padded axis, the
 * source offset or -1 for the fill. Trailing axes without padding merge into one contiguous block,
 * so NHWC spatial padding copies whole pixels (C floats) at a time.
 */

const MIN_WORK = 1 << 14;
const grain = (workPerItem: number): number => Math.max(1, Math.ceil(MIN_WORK / Math.max(1, workPerItem)));
const roundUp16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/** Axes from `k` on carry no padding: the largest such k (0 when no axis is padded). */
function paddedRank(pads: readonly number[], r: number): number {
  let k = r;
  while (k > 0 && pads[k - 1] === 0 && pads[k - 1 + r] === 0) k--;
  return k;
}

/** Runs of one axis' source table in floats: [dst, src or -1 (fill), length] triples. */
function segments(table: Int32Array, block: number): number[] {
  const out: number[] = [];
  for (let o = 0; o < table.length; ) {
    const s = table[o]!;
    let e = o + 1;
    if (s < 0) while (e < table.length && table[e]! < 0) e++;
    else while (e < table.length && table[e] === s + (e - o)) e++;
    out.push(o * block, s < 0 ? -1 : s * block, (e - o) * block);
    o = e;
  }
  return out;
}

const pad: Kernel = ([x], { pads, mode, value }: PadAttrs, be) => {
  const rt = runtimeOf(be);
  const xs = x!.shape, r = xs.length;
  const shape = padShape(xs, pads, mode);
  const y = rt.tensor(shape);
  if (y.size === 0) return [y];
  const k = paddedRank(pads, r);
  if (k === 0) {
    copyFloats(rt, rt.ptr(x!), rt.ptr(y), y.size);
    return [y];
  }
  const block = sizeOf(xs.slice(k));
  const strides = stridesOf(xs);
  const table = (a: number): Int32Array => padSourceIndex(xs[a]!, pads[a]!, pads[a + r]!, mode);
  // Axes before k - 1 index rows; axis k - 1 is cut into copy / fill segments.
  const rowRank = k - 1;
  const rowTables = Array.from({ length: rowRank }, (_, a) => table(a).map((i) => (i < 0 ? -1 : i * strides[a]!)));
  const segs = segments(table(k - 1), block);
  const tableWords = rowTables.reduce((n, t) => n + t.length, 0);
  const sharedWords = rowRank + tableWords + segs.length;
  const stride = roundUp16(4 * (sharedWords + rowRank));
  const base = rt.scratch(stride);
  const ints = new Int32Array(rt.memory.buffer, base, sharedWords);
  ints.set(shape.slice(0, rowRank), 0);
  let at = rowRank;
  for (const t of rowTables) {
    ints.set(t, at);
    at += t.length;
  }
  ints.set(segs, at);
  const rowOut = shape[k - 1]! * block;
  const args = [rt.ptr(x!), rt.ptr(y), rowRank, base, base + 4 * rowRank, base + 4 * at, segs.length / 3, rowOut, value, base + 4 * sharedWords, stride];
  rt.run('pad_rows', args, y.size / rowOut, grain(rowOut));
  return [y];
};

/**
 * dx for an input of `shape`. Constant padding without cropping is a slice of dy. Otherwise the
 * gradient goes one padded axis at a time (the index map is a product of per-axis maps): each
 * pass sums the cells that read one input index along that axis into it.
 */
const padGrad: Kernel = ([dy], { pads, mode, shape }: Pick<PadAttrs, 'pads' | 'mode'> & { shape: number[] }, be) => {
  const rt = runtimeOf(be);
  const r = shape.length;
  const dx = rt.tensor(shape);
  if (dx.size === 0) return [dx];
  if (mode === 'constant' && pads.every((p) => p >= 0)) {
    const strides = stridesOf(dy!.shape);
    copyStrided(rt, rt.ptr(dy!), pads.slice(0, r).reduce((a, p, k) => a + p * strides[k]!, 0), rt.ptr(dx), shape, strides);
    return [dx];
  }
  const axes = [...Array(r).keys()].filter((a) => pads[a] !== 0 || pads[a + r] !== 0);
  if (axes.length === 0) {
    copyFloats(rt, rt.ptr(dy!), rt.ptr(dx), dx.size);
    return [dx];
  }
  const tables = axes.map((a) => padSourceIndex(shape[a]!, pads[a]!, pads[a + r]!, mode as PadMode));
  const tablePtr = rt.scratch(4 * tables.reduce((n, t) => n + t.length, 0));
  const ints = new Int32Array(rt.memory.buffer, tablePtr, tables.reduce((n, t) => n + t.length, 0));
  const offsets: number[] = [];
  tables.reduce((at, t) => (offsets.push(at), ints.set(t, at), at + t.length), 0);

  let cur: Tensor = dy!;
  const curShape = [...dy!.shape];
  // The last padded axis first: later passes then work on smaller tensors when padding grows.
  for (let j = axes.length - 1; j >= 0; j--) {
    const a = axes[j]!;
    const lenIn = curShape[a]!;
    curShape[a] = shape[a]!;
    const next = j === 0 ? dx : rt.tensor(curShape as Shape);
    const outer = sizeOf(curShape.slice(0, a)), block = sizeOf(curShape.slice(a + 1));
    const args = [rt.ptr(cur), rt.ptr(next), lenIn, shape[a]!, block, tablePtr + 4 * offsets[j]!];
    if (next.size > 0) rt.run('pad_grad_axis', args, outer, grain(lenIn * block));
    if (cur !== dy) cur.dispose();
    cur = next;
  }
  return [dx];
};

export const padKernels: Record<string, Kernel> = { pad, pad_grad: padGrad };
