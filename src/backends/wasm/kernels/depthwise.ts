import type { Kernel } from '../../../core/backend.js';
import type { Shape } from '../../../core/shape.js';
import type { Tensor } from '../../../core/tensor.js';
import type {
  DepthwiseConv2dGradFilterAttrs, DepthwiseConv2dGradInputAttrs, DepthwiseConv2dKernelAttrs,
} from '../../../ops/depthwise-conv2d.js';
import type { KernelWindow } from '../../../ops/conv2d.js';
import { ACTIVATION_CODE } from '../activation-code.js';
import { runtimeOf, type WasmRuntime } from '../runtime.js';
import { callInt, expectShape, grainFor, outputExtent, scratchFor } from './conv-util.js';

/**
 * Bindings of the depthwise convolutions (assembly/depthwise.ts, depthwise-backward.ts):
 * the 3x3 kernel (weights in registers) for multiplier 1 and dilation 1 at any stride, the
 * general kernel otherwise; the input gradient at stride 1 and multiplier 1 as the forward on the
 * rotated filter, otherwise a gather; the filter gradient as per-worker partial sums.
 */

interface Depthwise {
  n: number; h: number; w: number; c: number; mult: number;
  ho: number; wo: number;
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  pt: number; pl: number;
}

function geometry(x: Shape, filter: Shape, win: KernelWindow): Depthwise {
  const [n, h, w, c] = x as [number, number, number, number];
  const [kh, kw, , mult] = filter as [number, number, number, number];
  const [pt, pb, pl, pr] = win.pads, [sh, sw] = win.strides, [dh, dw] = win.dilations;
  return {
    n, h, w, c, mult, kh, kw, sh, sw, dh, dw, pt, pl,
    ho: outputExtent(h, kh, sh, dh, pt, pb), wo: outputExtent(w, kw, sw, dw, pl, pr),
  };
}

/** The filter [kh, kw, C, mult] padded per tap to whole vectors (`flip`: taps reversed); cached. */
function packFilter(rt: WasmRuntime, filter: Tensor, d: Depthwise, flip: boolean): number {
  const taps = d.kh * d.kw, cout = d.c * d.mult;
  return rt.packed(filter, flip ? 'depthwise.flipped' : 'depthwise', taps * Math.ceil(cout / 4) * 16, (dst) => {
    rt.call('depthwise_pack', [rt.ptr(filter), dst, taps, cout, flip ? 1 : 0]);
  });
}

/** y = act(depthwise(x) + b) into y [n, ho, wo, c * mult], choosing the kernel by shape. */
function forward(rt: WasmRuntime, d: Depthwise, x: Tensor, wp: number, bias: number, y: Tensor, act: number, alpha: number, beta: number): void {
  const rows = d.n * d.ho;
  const grain = grainFor(d.wo * d.c * d.mult * d.kh * d.kw);
  if (d.kh === 3 && d.kw === 3 && d.mult === 1 && d.dh === 1 && d.dw === 1) {
    const s = scratchFor(rt, callInt(rt, 'depthwise3x3_scratch', [d.w, d.c]));
    rt.run('depthwise3x3', [
      rt.ptr(x), wp, bias, rt.ptr(y), s.base, s.stride,
      d.h, d.w, d.c, d.ho, d.wo, d.sh, d.sw, d.pt, d.pl, act, alpha, beta,
    ], rows, grain);
    return;
  }
  rt.run('depthwise_general', [
    rt.ptr(x), wp, bias, rt.ptr(y),
    d.h, d.w, d.c, d.ho, d.wo, d.mult, d.kh, d.kw, d.sh, d.sw, d.dh, d.dw, d.pt, d.pl, act, alpha, beta,
  ], rows, grain);
}

const depthwiseConv2d: Kernel = ([x, w, b], a: DepthwiseConv2dKernelAttrs, be) => {
  const rt = runtimeOf(be);
  const d = geometry(x!.shape, w!.shape, a);
  const y = rt.tensor([d.n, d.ho, d.wo, d.c * d.mult]);
  if (y.size === 0) return [y];
  forward(rt, d, x!, packFilter(rt, w!, d, false), b ? rt.ptr(b) : 0, y, ACTIVATION_CODE[a.activation], a.alpha, a.beta);
  return [y];
};

const depthwiseGradInput: Kernel = ([dy, w], a: DepthwiseConv2dGradInputAttrs, be) => {
  const rt = runtimeOf(be);
  const f = geometry(a.inputShape, w!.shape, a);
  expectShape('depthwise_conv2d_grad_input', 'dy', dy!.shape, [f.n, f.ho, f.wo, f.c * f.mult]);
  const dx = rt.tensor(a.inputShape);
  if (dx.size === 0) return [dx];
  if (f.sh === 1 && f.sw === 1 && f.mult === 1) {
    // dx = depthwise(dy, rotated w), padded so that every tap comes back: (k - 1) * d - p.
    const t: Depthwise = {
      ...f, h: f.ho, w: f.wo, ho: f.h, wo: f.w,
      pt: (f.kh - 1) * f.dh - f.pt, pl: (f.kw - 1) * f.dw - f.pl,
    };
    forward(rt, t, dy!, packFilter(rt, w!, f, true), 0, dx, 0, 0, 0);
    return [dx];
  }
  const taps = f.kh * f.kw;
  const wq = rt.packed(w!, 'depthwise.by-multiplier', taps * f.mult * Math.ceil(f.c / 4) * 16, (dst) => {
    rt.call('depthwise_pack_by_multiplier', [rt.ptr(w!), dst, taps, f.c, f.mult]);
  });
  const s = scratchFor(rt, callInt(rt, 'depthwise_grad_input_scratch', [taps]));
  rt.run('depthwise_grad_input', [
    rt.ptr(dy!), wq, rt.ptr(dx), s.base, s.stride,
    f.h, f.w, f.c, f.ho, f.wo, f.mult, f.kh, f.kw, f.sh, f.sw, f.dh, f.dw, f.pt, f.pl,
  ], f.n * f.h, grainFor((f.w * f.c * f.mult * taps) / (f.sh * f.sw)));
  return [dx];
};

const depthwiseGradFilter: Kernel = ([x, dy], a: DepthwiseConv2dGradFilterAttrs, be) => {
  const rt = runtimeOf(be);
  const d = geometry(x!.shape, a.filterShape, a);
  const cout = d.c * d.mult, taps = d.kh * d.kw;
  expectShape('depthwise_conv2d_grad_filter', 'dy', dy!.shape, [d.n, d.ho, d.wo, cout]);
  const dw = rt.tensor(a.filterShape);
  if (dw.size === 0) return [dw];
  const part = scratchFor(rt, callInt(rt, 'depthwise_grad_filter_partial_bytes', [taps, cout]));
  // Workers add into their partials, so all of them start from zero (a native fill, no JS loop).
  new Uint8Array(rt.memory.buffer, part.base, part.stride * rt.threads).fill(0);
  rt.run('depthwise_grad_filter', [
    rt.ptr(x!), rt.ptr(dy!), part.base, part.stride,
    d.h, d.w, d.c, d.ho, d.wo, d.mult, d.kh, d.kw, d.sh, d.sw, d.dh, d.dw, d.pt, d.pl,
  ], d.n * d.ho, grainFor(d.wo * cout * taps));
  rt.run('depthwise_grad_filter_reduce', [part.base, part.stride, rt.threads, rt.ptr(dw), cout], taps, grainFor(cout * rt.threads * 16));
  return [dw];
};

export const depthwiseKernels: Record<string, Kernel> = {
  depthwise_conv2d: depthwiseConv2d,
  depthwise_conv2d_grad_input: depthwiseGradInput,
  depthwise_conv2d_grad_filter: depthwiseGradFilter,
};
