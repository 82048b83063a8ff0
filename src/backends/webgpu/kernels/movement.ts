import type { Kernel } from '../../../core/backend.js';
import { TinyconvError } from '../../../core/errors.js';
import { shapeToString, sizeOf, stridesOf, type Shape } from '../../../core/shape.js';
import type { Tensor } from '../../../core/tensor.js';
import type { GpuRuntime } from '../runtime.js';
import { collapse, padded, runtimeOf } from './common.js';

/**
 * Data movement (kernels/movement.wgsl): slice and transpose are strided gathers, concat writes
 * each input into its columns of the output. reshape is a buffer copy (eltwise family).
 */

/** Records y (row-major over `shape`) = x[base + sum_d coord_d * srcStrides[d]]. */
function gather(rt: GpuRuntime, kernel: string, x: Tensor, y: Tensor, shape: Shape, srcStrides: readonly number[], base: number): void {
  // Merge dimensions both sides walk contiguously (the output's own strides are the second operand).
  const d = collapse({ shape: [...shape], strides: [[...srcStrides], stridesOf(shape)] });
  const u = [y.size, d.shape.length, base, 0, ...padded(d.shape, 8, kernel), ...padded(d.strides[0]!, 8, kernel)];
  rt.dispatch1d('movement', 'gather', {}, [rt.buffer(x), rt.buffer(y)], u, y.size);
}

export const movementKernels: Record<string, Kernel> = {
  /** Joins the inputs along `axis` (normalized; the op has checked the shapes). */
  concat: (xs, { axis }: { axis: number }, be) => {
    const rt = runtimeOf(be);
    const first = xs[0]!.shape;
    const shape = [...first];
    shape[axis] = xs.reduce((a, t) => a + t.shape[axis]!, 0);
    const y = rt.tensor(shape);
    const inner = sizeOf(first.slice(axis + 1));
    const rowOut = shape[axis]! * inner;
    let col = 0;
    for (const t of xs) {
      const row = t.shape[axis]! * inner;
      if (t.size > 0) rt.dispatch1d('movement', 'concat_part', {}, [rt.buffer(t), rt.buffer(y)], [t.size, row, rowOut, col], t.size);
      col += row;
    }
    return [y];
  },

  /** The block of `x` starting at `begin` with extent `size` (both full rank). */
  slice: ([x], { begin, size }: { begin: number[]; size: number[] }, be) => {
    const rt = runtimeOf(be);
    const xs = x!.shape;
    const fits = begin.length === xs.length && size.length === xs.length && begin.every((b, k) => b >= 0 && b + size[k]! <= xs[k]!);
    if (!fits) {
      throw new TinyconvError('E_SHAPE', `slice: begin ${shapeToString(begin)} with size ${shapeToString(size)} does not lie inside x ${shapeToString(xs)}`, { begin, size, x: xs });
    }
    const strides = stridesOf(xs);
    const y = rt.tensor(size);
    gather(rt, 'slice', x!, y, size, strides, begin.reduce((a, b, k) => a + b * strides[k]!, 0));
    return [y];
  },

  /** y.shape[i] = x.shape[perm[i]]. */
  transpose: ([x], { perm }: { perm: number[] }, be) => {
    const rt = runtimeOf(be);
    const strides = stridesOf(x!.shape);
    const shape = perm.map((p) => x!.shape[p]!);
    const y = rt.tensor(shape);
    gather(rt, 'transpose', x!, y, shape, perm.map((p) => strides[p]!), 0);
    return [y];
  },
};
