import type { Kernel } from '../../../core/backend.js';
import type { Shape } from '../../../core/shape.js';
import type { FusedActivation, KernelWindow } from '../../../ops/conv2d.js';
import type {
  DepthwiseConv2dGradFilterAttrs, DepthwiseConv2dGradInputAttrs, DepthwiseConv2dKernelAttrs,
} from '../../../ops/depthwise-conv2d.js';
import { f32bits } from '../uniforms.js';
import { actCode, runtimeOf } from './common.js';
import { expectShape } from './checks.js';
import { dispatchFolds } from './folds.js';

/**
 * Depthwise convolution (kernels/depthwise.wgsl): the forward pass and the input gradient take
 * one invocation per output element (the input gradient gathers from the output pixels that read
 * each input cell), the filter gradient one workgroup per filter element, folding over pixels.
 */

interface Geometry {
  n: number; h: number; w: number; c: number;
  kh: number; kw: number; mult: number; cout: number;
  ho: number; wo: number;
}

function geometry(x: Shape, filter: Shape, g: KernelWindow): Geometry {
  const [n, h, w, c] = x as [number, number, number, number];
  const [kh, kw, , mult] = filter as [number, number, number, number];
  const [pt, pb, pl, pr] = g.pads, [sh, sw] = g.strides, [dh, dw] = g.dilations;
  const ho = Math.floor((h + pt + pb - (kh - 1) * dh - 1) / sh) + 1;
  const wo = Math.floor((w + pl + pr - (kw - 1) * dw - 1) / sw) + 1;
  return { n, h, w, c, kh, kw, mult, cout: c * mult, ho, wo };
}

/** depthwise.wgsl's DwParams. */
function params(total: number, g: Geometry, win: KernelWindow, hasBias: boolean, act?: FusedActivation): number[] {
  return [
    total, g.n, g.h, g.w,
    g.c, g.mult, g.cout, g.ho,
    g.wo, g.kh, g.kw, win.strides[0],
    win.strides[1], win.dilations[0], win.dilations[1], win.pads[0],
    win.pads[2], hasBias ? 1 : 0, f32bits(act?.alpha ?? 0), f32bits(act?.beta ?? 0),
  ];
}

const depthwiseConv2d: Kernel = ([x, w, b], a: DepthwiseConv2dKernelAttrs, be) => {
  const rt = runtimeOf(be);
  const g = geometry(x!.shape, w!.shape, a);
  const y = rt.tensor([g.n, g.ho, g.wo, g.cout]);
  const buffers = [rt.buffer(x!), rt.buffer(w!), b ? rt.buffer(b) : rt.dummy, rt.buffer(y)];
  rt.dispatch1d('depthwise', 'depthwise', { ACT: actCode(a.activation) }, buffers, params(y.size, g, a, !!b, a), y.size);
  return [y];
};

const depthwiseConv2dGradInput: Kernel = ([dy, w], a: DepthwiseConv2dGradInputAttrs, be) => {
  const rt = runtimeOf(be);
  const g = geometry(a.inputShape, w!.shape, a);
  expectShape('depthwise_conv2d_grad_input', 'dy', dy!.shape, [g.n, g.ho, g.wo, g.cout]);
  const dx = rt.tensor(a.inputShape);
  rt.dispatch1d('depthwise', 'depthwise_grad_input', {}, [rt.buffer(dy!), rt.buffer(w!), rt.buffer(dx)], params(dx.size, g, a, false), dx.size);
  return [dx];
};

const depthwiseConv2dGradFilter: Kernel = ([x, dy], a: DepthwiseConv2dGradFilterAttrs, be) => {
  const rt = runtimeOf(be);
  const g = geometry(x!.shape, a.filterShape, a);
  expectShape('depthwise_conv2d_grad_filter', 'dy', dy!.shape, [g.n, g.ho, g.wo, g.cout]);
  const dw = rt.tensor(a.filterShape);
  const pixels = g.n * g.ho * g.wo;
  dispatchFolds(rt, 'depthwise', 'depthwise_grad_filter', {}, [rt.buffer(x!), rt.buffer(dy!), rt.buffer(dw)], params(dw.size, g, a, false), dw.size, pixels);
  return [dw];
};

export const depthwiseKernels: Record<string, Kernel> = {
  depthwise_conv2d: depthwiseConv2d,
  depthwise_conv2d_grad_input: depthwiseConv2dGradInput,
  depthwise_conv2d_grad_filter: depthwiseConv2dGradFilter,
};
