import type { Kernel } from '../../../core/backend.js';
import { TinyconvError } from '../../../core/errors.js';
import { shapeToString, shapesEqual, type Shape } from '../../../core/shape.js';
import type { Tensor } from '../../../core/tensor.js';
import type { Conv2dGradFilterAttrs, Conv2dGradInputAttrs, Conv2dKernelAttrs, FusedActivation, KernelWindow } from '../../../ops/conv2d.js';
import type { GpuRuntime } from '../runtime.js';
import { f32bits } from '../uniforms.js';
import { actCode, runtimeOf } from './common.js';
import { GEMM_INVOCATIONS, gemmGrid, recordGemm } from './matmul.js';

/** conv2d.wgsl's MODE constant. */
const FORWARD = 0, GRAD_INPUT = 1, GRAD_FILTER = 2;

interface Geometry {
  n: number; h: number; w: number; cin: number;
  kh: number; kw: number; cg: number; cout: number;
  ho: number; wo: number; groups: number; og: number;
}

function geometry(x: Shape, filter: Shape, g: KernelWindow, groups: number): Geometry {
  const [n, h, w, cin] = x as [number, number, number, number];
  const [kh, kw, cg, cout] = filter as [number, number, number, number];
  const [pt, pb, pl, pr] = g.pads, [sh, sw] = g.strides, [dh, dw] = g.dilations;
  const ho = Math.floor((h + pt + pb - (kh - 1) * dh - 1) / sh) + 1;
  const wo = Math.floor((w + pl + pr - (kw - 1) * dw - 1) / sw) + 1;
  return { n, h, w, cin, kh, kw, cg, cout, ho, wo, groups, og: cout / groups };
}

/** Backward kernels get dy from the engine; a wrong one is a bug upstream, reported as such. */
function expectShape(kernel: string, got: Shape, want: Shape): void {
  if (!shapesEqual(got, want)) throw new TinyconvError('E_SHAPE', `${kernel}: dy ${shapeToString(got)} does not match the expected ${shapeToString(want)}`, { got, want });
}

/** Records one implicit GEMM of conv2d.wgsl: (gm x gn) = (gm x gk)(gk x gn) per group. */
function record(rt: GpuRuntime, mode: number, g: Geometry, win: KernelWindow, gemm: [number, number, number], ins: [Tensor, Tensor, Tensor | undefined], out: Tensor, act?: FusedActivation): void {
  const [gm, gn, gk] = gemm;
  const u = [
    gm, gn, gk, g.groups,
    g.h, g.w, g.cin, g.cg,
    g.ho, g.wo, g.cout, g.og,
    g.kh, g.kw, win.strides[0], win.strides[1],
    win.dilations[0], win.dilations[1], win.pads[0], win.pads[2],
    ins[2] ? 1 : 0, f32bits(act?.alpha ?? 0), f32bits(act?.beta ?? 0), 0,
  ];
  const buffers = [rt.buffer(ins[0]), rt.buffer(ins[1]), ins[2] ? rt.buffer(ins[2]) : rt.dummy, rt.buffer(out)];
  const constants = { MODE: mode, ACT: actCode(act?.activation ?? 'linear') };
  rt.dispatch('conv2d', 'gemm', constants, GEMM_INVOCATIONS, buffers, u, gemmGrid(rt, gm, gn, g.groups));
}

/** A 1x1 convolution with unit strides, no padding and one group is a plain product x [NHW, Cin] @ w [Cin, Cout]. */
function isPointwise(g: Geometry, a: KernelWindow): boolean {
  return g.kh === 1 && g.kw === 1 && g.groups === 1 && a.strides[0] === 1 && a.strides[1] === 1 && a.pads.every((p) => p === 0);
}

const conv2d: Kernel = ([x, w, b], a: Conv2dKernelAttrs, be) => {
  const rt = runtimeOf(be);
  const g = geometry(x!.shape, w!.shape, a, a.groups);
  const y = rt.tensor([g.n, g.ho, g.wo, g.cout]);
  if (isPointwise(g, a)) {
    recordGemm(rt, { a: x!, b: w!, bias: b, y, m: g.n * g.h * g.w, n: g.cout, k: g.cin, transposeA: false, transposeB: false, batch: [], aBatchStrides: [], bBatchStrides: [], act: a });
  } else {
    record(rt, FORWARD, g, a, [g.n * g.ho * g.wo, g.og, g.kh * g.kw * g.cg], [x!, w!, b], y, a);
  }
  return [y];
};

const conv2dGradInput: Kernel = ([dy, w], a: Conv2dGradInputAttrs, be) => {
  const rt = runtimeOf(be);
  const g = geometry(a.inputShape, w!.shape, a, a.groups);
  expectShape('conv2d_grad_input', dy!.shape, [g.n, g.ho, g.wo, g.cout]);
  const dx = rt.tensor(a.inputShape);
  if (isPointwise(g, a)) {
    recordGemm(rt, { a: dy!, b: w!, y: dx, m: g.n * g.h * g.w, n: g.cin, k: g.cout, transposeA: false, transposeB: true, batch: [], aBatchStrides: [], bBatchStrides: [] });
  } else {
    record(rt, GRAD_INPUT, g, a, [g.n * g.h * g.w, g.cg, g.kh * g.kw * g.og], [dy!, w!, undefined], dx);
  }
  return [dx];
};

const conv2dGradFilter: Kernel = ([x, dy], a: Conv2dGradFilterAttrs, be) => {
  const rt = runtimeOf(be);
  const g = geometry(x!.shape, a.filterShape, a, a.groups);
  expectShape('conv2d_grad_filter', dy!.shape, [g.n, g.ho, g.wo, g.cout]);
  const dw = rt.tensor(a.filterShape);
  if (isPointwise(g, a)) {
    recordGemm(rt, { a: x!, b: dy!, y: dw, m: g.cin, n: g.cout, k: g.n * g.h * g.w, transposeA: true, transposeB: false, batch: [], aBatchStrides: [], bBatchStrides: [] });
  } else {
    record(rt, GRAD_FILTER, g, a, [g.kh * g.kw * g.cg, g.og, g.n * g.ho * g.wo], [x!, dy!, undefined], dw);
  }
  return [dw];
};

export const convKernels: Record<string, Kernel> = {
  conv2d,
  conv2d_grad_input: conv2dGradInput,
  conv2d_grad_filter: conv2dGradFilter,
};
