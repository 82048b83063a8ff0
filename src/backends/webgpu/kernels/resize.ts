import type { Kernel } from '../../../core/backend.js';
import { resizeSampling, resizeShape, type AxisSampling, type ResizeAttrs } from '../../../ops/resize-geometry.js';
import { runtimeOf } from './common.js';
import { expectShape } from './checks.js';
import { constTable } from './tables.js';

/**
 * 2-D resizing (kernels/resize.wgsl). The sampling is computed on the host by
 * src/ops/resize-geometry.ts, the code every backend shares, and uploaded as a table (cached per
 * shape and attributes), so the GPU reads exactly the reference's source cells and weights. The
 * gradient gathers: each input cell sums the output cells that read it, listed per row / column.
 */

/** Forward table: [i0, i1, w] for every output row, then every output column. */
function forwardTable(h: AxisSampling, w: AxisSampling): Float32Array {
  const axes = [h, w];
  const out = new Float32Array(3 * (h.i0.length + w.i0.length));
  let k = 0;
  for (const s of axes) {
    for (let o = 0; o < s.i0.length; o++) {
      out[k++] = s.i0[o]!;
      out[k++] = s.i1[o]!;
      out[k++] = s.w[o]!;
    }
  }
  return out;
}

/** Who reads input coordinate i of one axis: pairs (output coordinate, weight). */
function readers(s: AxisSampling, inLen: number): [number, number][][] {
  const lists: [number, number][][] = Array.from({ length: inLen }, () => []);
  for (let o = 0; o < s.i0.length; o++) {
    const w = s.w[o]!;
    lists[s.i0[o]!]!.push([o, 1 - w]);
    // A zero weight reads nothing (as the reference skips it), even where i1 = i0.
    if (w !== 0) lists[s.i1[o]!]!.push([o, w]);
  }
  return lists;
}

/**
 * Gradient table: offsets (in pairs) for the inH + 1 rows, then the inW + 1 columns, then the
 * (output coordinate, weight) pairs they point into.
 */
function gradTable(h: AxisSampling, w: AxisSampling, inH: number, inW: number): Float32Array {
  const rows = readers(h, inH), cols = readers(w, inW);
  const pairs = [...rows, ...cols].reduce((a, l) => a + l.length, 0);
  const head = inH + inW + 2;
  const out = new Float32Array(head + 2 * pairs);
  let k = 0, p = 0;
  for (const lists of [rows, cols]) {
    for (const l of lists) {
      out[k++] = p;
      p += l.length;
    }
    out[k++] = p;
  }
  let e = head;
  for (const l of [...rows, ...cols]) {
    for (const [o, wt] of l) {
      out[e++] = o;
      out[e++] = wt;
    }
  }
  return out;
}

/** The cache key of a resize's sampling: the input's spatial size and the attributes. */
function samplingKey(kind: string, shape: readonly number[], a: ResizeAttrs): string {
  return JSON.stringify([kind, shape[1], shape[2], a.size ?? null, a.scale ?? null, a.mode, a.coordinateTransform, a.nearestMode]);
}

export const resizeKernels: Record<string, Kernel> = {
  resize2d: ([x], a: ResizeAttrs, be) => {
    const rt = runtimeOf(be);
    const [, h, w, c] = x!.shape as [number, number, number, number];
    const shape = resizeShape(x!.shape, a);
    const y = rt.tensor(shape);
    const table = constTable(be, samplingKey('resize2d', x!.shape, a), () => {
      const s = resizeSampling(x!.shape, a);
      return forwardTable(s.h, s.w);
    });
    rt.dispatch1d('resize', 'resize', {}, [rt.buffer(x!), rt.buffer(table), rt.buffer(y)], [y.size, c, h, w, shape[1], shape[2], 0, 0], y.size);
    return [y];
  },

  /** dx for an input of `shape`: each input cell sums the output cells that read it, weighted. */
  resize2d_grad: ([dy], { shape, ...a }: ResizeAttrs & { shape: number[] }, be) => {
    const rt = runtimeOf(be);
    const [, h, w, c] = shape as [number, number, number, number];
    const outShape = resizeShape(shape, a);
    expectShape('resize2d_grad', 'dy', dy!.shape, outShape);
    const dx = rt.tensor(shape);
    const table = constTable(be, samplingKey('resize2d_grad', shape, a), () => {
      const s = resizeSampling(shape, a);
      return gradTable(s.h, s.w, h, w);
    });
    rt.dispatch1d('resize', 'resize_grad', {}, [rt.buffer(dy!), rt.buffer(table), rt.buffer(dx)], [dx.size, c, h, w, outShape[1], outShape[2], 0, 0], dx.size);
    return [dx];
  },
};
