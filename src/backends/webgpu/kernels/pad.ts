import type { Kernel } from '../../../core/backend.js';
import { stridesOf, type Shape } from '../../../core/shape.js';
import type { PadAttrs } from '../../../ops/pad.js';
import { padShape, type PadMode } from '../../../ops/pad-geometry.js';
import { f32bits } from '../uniforms.js';
import { padded, runtimeOf } from './common.js';
import { expectShape } from './checks.js';

/**
 * Padding and cropping of any rank (kernels/pad.wgsl), per src/ops/pad-geometry.ts. The gradient
 * gathers: each input cell sums the output cells that read it (its place, and the edge copies or
 * mirror images of it), so nothing is scattered.
 */

const MODES: Record<PadMode, number> = { constant: 0, reflect: 1, edge: 2 };

interface Axis {
  in: number; out: number; inStride: number; outStride: number;
  /** First input coordinate kept, how many are kept, output cells in front of them. */
  lo: number; kept: number; before: number;
}

/** pad.wgsl's PadParams for padding an input of shape `x` (one invocation per `total` elements). */
function params(kernel: string, total: number, x: Shape, pads: readonly number[], mode: PadMode, value: number): number[] {
  const r = x.length;
  const out = padShape(x, pads, mode);
  const inStrides = stridesOf(x), outStrides = stridesOf(out);
  const axes: Axis[] = [];
  for (let a = 0; a < r; a++) {
    const d = x[a]!, begin = pads[a]!, end = pads[a + r]!;
    const lo = Math.max(0, -begin);
    const axis = { in: d, out: out[a]!, inStride: inStrides[a]!, outStride: outStrides[a]!, lo, kept: d - lo - Math.max(0, -end), before: Math.max(0, begin) };
    const plain = begin === 0 && end === 0;
    if (plain && d === 1) continue; // its coordinate is always 0
    const prev = axes[axes.length - 1];
    // Neighbouring axes that neither pad nor crop behave as one (row-major on both sides).
    if (plain && prev && prev.lo === 0 && prev.before === 0 && prev.kept === prev.in && prev.in === prev.out) {
      Object.assign(prev, { in: prev.in * d, out: prev.out * d, kept: prev.in * d, inStride: axis.inStride, outStride: axis.outStride });
      continue;
    }
    axes.push(axis);
  }
  const field = (f: (a: Axis) => number): number[] => padded(axes.map(f), 8, kernel);
  return [
    total, axes.length, MODES[mode], f32bits(value),
    ...field((a) => a.in), ...field((a) => a.out), ...field((a) => a.inStride), ...field((a) => a.outStride),
    ...field((a) => a.lo), ...field((a) => a.kept), ...field((a) => a.before),
  ];
}

export const padKernels: Record<string, Kernel> = {
  pad: ([x], { pads, mode, value }: PadAttrs, be) => {
    const rt = runtimeOf(be);
    const y = rt.tensor(padShape(x!.shape, pads, mode));
    rt.dispatch1d('pad', 'pad', {}, [rt.buffer(x!), rt.buffer(y)], params('pad', y.size, x!.shape, pads, mode, value), y.size);
    return [y];
  },

  /** dx for an input of `shape`: each input cell sums dy over the output cells that copied it. */
  pad_grad: ([dy], { pads, mode, shape }: Pick<PadAttrs, 'pads' | 'mode'> & { shape: number[] }, be) => {
    const rt = runtimeOf(be);
    expectShape('pad_grad', 'dy', dy!.shape, padShape(shape, pads, mode));
    const dx = rt.tensor(shape);
    rt.dispatch1d('pad', 'pad_grad', {}, [rt.buffer(dy!), rt.buffer(dx)], params('pad_grad', dx.size, shape, pads, mode, 0), dx.size);
    return [dx];
  },
};
