import type { Kernel } from '../../../core/backend.js';
import { TinyconvError } from '../../../core/errors.js';
import { shapeToString, sizeOf, stridesOf, type Shape } from '../../../core/shape.js';
import type { GpuRuntime } from '../runtime.js';
import { grid2d } from '../grid.js';
import { collapse, padded, runtimeOf } from './common.js';

/** Sums `g` into a tensor of `outShape`: kept dimensions index the output, reduced ones are summed. */
function reduceSum(rt: GpuRuntime, g: Parameters<GpuRuntime['buffer']>[0], outShape: Shape, kept: { shape: number[]; stride: number[] }, red: { shape: number[]; stride: number[] }): ReturnType<GpuRuntime['tensor']> {
  const out = rt.tensor(outShape);
  const k = collapse({ shape: kept.shape, strides: [kept.stride] });
  const r = collapse({ shape: red.shape, strides: [red.stride] });
  const nRed = sizeOf(r.shape);
  const u = [
    out.size, k.shape.length, r.shape.length, nRed,
    ...padded(k.shape, 8, 'reduce'), ...padded(k.strides[0]!, 8, 'reduce'),
    ...padded(r.shape, 8, 'reduce'), ...padded(r.strides[0]!, 8, 'reduce'),
  ];
  const groups = grid2d(out.size, rt.limits.maxComputeWorkgroupsPerDimension);
  // Short sums take smaller workgroups (a power of two, for the fold): fewer idle invocations.
  const wg = Math.min(rt.wg, Math.max(32, 2 ** Math.ceil(Math.log2(Math.max(nRed, 1)))));
  rt.dispatch('reduce', 'reduce_sum', { WG: wg }, wg, [rt.buffer(g), rt.buffer(out)], u, groups);
  return out;
}

export const reduceKernels: Record<string, Kernel> = {
  /** Sums g over the dimensions along which an input of `shape` was broadcast to g's shape. */
  reduce_sum_to: ([g], { shape }: { shape: number[] }, be) => {
    const rt = runtimeOf(be);
    const gs = g!.shape;
    const off = gs.length - shape.length;
    if (off < 0 || shape.some((d, i) => d !== 1 && d !== gs[i + off])) {
      throw new TinyconvError('E_SHAPE', `reduce_sum_to: ${shapeToString(gs)} does not broadcast from ${shapeToString(shape)}`);
    }
    const st = stridesOf(gs);
    const kept = { shape: [] as number[], stride: [] as number[] };
    const red = { shape: [] as number[], stride: [] as number[] };
    gs.forEach((n, i) => {
      const target = i < off ? 1 : shape[i - off]!;
      const side = target === n ? kept : red;
      side.shape.push(n);
      side.stride.push(st[i]!);
    });
    return [reduceSum(rt, g!, shape, kept, red)];
  },

  /** dy [..., C] summed over everything but the last axis. */
  bias_grad: ([dy], _attrs, be) => {
    const rt = runtimeOf(be);
    if (dy!.rank < 1) throw new TinyconvError('E_SHAPE', `bias_grad: dy must have rank >= 1 ([..., C]), got ${shapeToString(dy!.shape)}`);
    const c = dy!.shape[dy!.rank - 1]!;
    const rows = c === 0 ? 0 : dy!.size / c;
    return [reduceSum(rt, dy!, [c], { shape: [c], stride: [1] }, { shape: [rows], stride: [c] })];
  },
};
