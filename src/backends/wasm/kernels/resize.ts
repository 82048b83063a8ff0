import type { Kernel } from '../../../core/backend.js';
import { resizeSampling, resizeShape, type AxisSampling, type ResizeAttrs } from '../../../ops/resize-geometry.js';
import { runtimeOf, type WasmRuntime } from '../runtime.js';

/**
 * Resizing on wasm (assembly/resize.ts). The sampling of each axis is computed once per call with
 * src/ops/resize-geometry.ts (the same geometry every backend uses) and written to scratch as
 * tables of (i0, i1, w0, w1); the kernels then only loop over channels.
 */

const MIN_WORK = 1 << 14;
const grain = (workPerItem: number): number => Math.max(1, Math.ceil(MIN_WORK / Math.max(1, workPerItem)));

/** Writes an axis table at `at`: 16 bytes per output index, (i0: i32, i1: i32, w0: f32, w1: f32). */
function writeAxis(rt: WasmRuntime, at: number, s: AxisSampling): void {
  const n = s.i0.length;
  const ints = new Int32Array(rt.memory.buffer, at, 4 * n), floats = new Float32Array(rt.memory.buffer, at, 4 * n);
  for (let o = 0; o < n; o++) {
    ints[4 * o] = s.i0[o]!;
    ints[4 * o + 1] = s.i1[o]!;
    floats[4 * o + 2] = 1 - s.w[o]!;
    floats[4 * o + 3] = s.w[o]!;
  }
}

const resize2d: Kernel = ([x], a: ResizeAttrs, be) => {
  const rt = runtimeOf(be);
  const [n, h, w, c] = x!.shape as [number, number, number, number];
  const shape = resizeShape(x!.shape, a);
  const y = rt.tensor(shape);
  if (y.size === 0) return [y];
  const [, oh, ow] = shape;
  const s = resizeSampling(x!.shape, a);
  const rows = rt.scratch(16 * (oh + ow)), cols = rows + 16 * oh;
  writeAxis(rt, rows, s.h);
  writeAxis(rt, cols, s.w);
  rt.run('resize2d', [rt.ptr(x!), rt.ptr(y), h, w, c, oh, ow, rows, cols], n * oh, grain(2 * ow * c));
  return [y];
};

/**
 * dx for an input of `shape`. Each input row lists the output rows that read it with their row
 * weight (a compressed sparse row table), so threads split over input rows never collide.
 */
const resize2dGrad: Kernel = ([dy], { shape, ...a }: ResizeAttrs & { shape: number[] }, be) => {
  const rt = runtimeOf(be);
  const [n, h, w, c] = shape as [number, number, number, number];
  const dx = rt.tensor(shape);
  if (dx.size === 0) return [dx];
  const [, oh, ow] = resizeShape(shape, a);
  const s = resizeSampling(shape, a);
  // Links (input row <- output row, weight): i0 with 1 - w always, i1 with w when w != 0.
  const counts = new Int32Array(h + 1);
  for (let o = 0; o < oh; o++) {
    counts[s.h.i0[o]! + 1]!++;
    if (s.h.w[o] !== 0) counts[s.h.i1[o]! + 1]!++;
  }
  for (let i = 0; i < h; i++) counts[i + 1]! += counts[i]!;
  const links = counts[h]!;
  const startAt = rt.scratch(4 * (h + 1) + 8 * links + 16 * ow);
  const linksAt = startAt + 4 * (h + 1), cols = linksAt + 8 * links;
  new Int32Array(rt.memory.buffer, startAt, h + 1).set(counts);
  const ints = new Int32Array(rt.memory.buffer, linksAt, 2 * links), floats = new Float32Array(rt.memory.buffer, linksAt, 2 * links);
  const fill = counts.slice(0, h);
  const link = (row: number, o: number, weight: number): void => {
    const k = fill[row]!++;
    ints[2 * k] = o;
    floats[2 * k + 1] = weight;
  };
  for (let o = 0; o < oh; o++) {
    link(s.h.i0[o]!, o, 1 - s.h.w[o]!);
    if (s.h.w[o] !== 0) link(s.h.i1[o]!, o, s.h.w[o]!);
  }
  writeAxis(rt, cols, s.w);
  rt.run('resize2d_grad', [rt.ptr(dy!), rt.ptr(dx), h, w, c, oh, ow, startAt, linksAt, cols], n * h, grain(4 * ow * c));
  return [dx];
};

export const resizeKernels: Record<string, Kernel> = { resize2d, resize2d_grad: resize2dGrad };
