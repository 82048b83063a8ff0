import type { Kernel } from '../../../core/backend.js';
import type { Shape } from '../../../core/shape.js';
import type { Tensor } from '../../../core/tensor.js';
import type { Conv2dGradFilterAttrs, Conv2dGradInputAttrs, Conv2dKernelAttrs, KernelWindow } from '../../../ops/conv2d.js';
import { ACTIVATION_CODE } from '../activation-code.js';
import { runtimeOf, type WasmRuntime } from '../runtime.js';
import { callInt, expectShape, grainFor, outputExtent, scratchFor } from './conv-util.js';
import { depthwiseKernels } from './depthwise.js';
import { GEMM_PACKED_B, GEMM_TRANS_A, gemm, packGemmB } from './matmul.js';

/**
 * Bindings of the dense convolutions (assembly/conv2d.ts, conv-winograd.ts, conv-filter.ts) and,
 * through ./depthwise.ts, the depthwise ones. Each kernel picks its algorithm from the shapes:
 *
 * - conv2d: pointwise convolutions (1x1, stride 1, no padding, one group) are the product
 *   [pixels, Cin] x [Cin, Cout] and run the GEMM with bias and activation fused; Winograd
 *   F(4x4, 3x3) for 3x3 stride-1 undilated ungrouped convolutions with enough channels to amortize
 *   the transforms; otherwise the direct kernel.
 * - conv2d_grad_input: a convolution of dy with the flipped, transposed filter (for a pointwise
 *   one, the GEMM dy x W^T). Stride 1 runs the forward kernels (Winograd where the forward would);
 *   larger strides run the transposed kernel, which visits only the taps that reach each input
 *   pixel.
 * - conv2d_grad_filter: pointwise ones with enough input channels are the GEMM X^T dy; others
 *   take per-worker partial sums over output rows, then a reduction.
 */

/** Geometry of a dense convolution as the kernels take it. */
interface Conv {
  n: number; h: number; w: number; cin: number;
  ho: number; wo: number; cout: number;
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  pt: number; pl: number; groups: number;
}

function geometry(x: Shape, filter: Shape, win: KernelWindow, groups: number): Conv {
  const [n, h, w, cin] = x as [number, number, number, number];
  const [kh, kw, , cout] = filter as [number, number, number, number];
  const [pt, pb, pl, pr] = win.pads, [sh, sw] = win.strides, [dh, dw] = win.dilations;
  return {
    n, h, w, cin, cout, kh, kw, sh, sw, dh, dw, pt, pl, groups,
    ho: outputExtent(h, kh, sh, dh, pt, pb), wo: outputExtent(w, kw, sw, dw, pl, pr),
  };
}

/**
 * Winograd F(4x4, 3x3) pays off once each tile's transforms are shared by enough channels (it
 * measured even with the direct kernel at 16 -> 16 channels, 2x faster at 32 -> 32 and 4x at
 * 512 -> 512) and its GEMMs have a few tiles to run over (a lone 4x4 tile measured slower).
 * Its error stays within about 3e-5 of the output's RMS.
 */
function useWinograd(c: Conv): boolean {
  const tiles = c.n * Math.ceil(c.ho / 4) * Math.ceil(c.wo / 4);
  return c.kh === 3 && c.kw === 3 && c.sh === 1 && c.sw === 1 && c.dh === 1 && c.dw === 1 && c.groups === 1 &&
    c.cin >= 16 && c.cout >= 16 && tiles >= 4;
}

/**
 * A 1x1 stride-1 ungrouped convolution without padding (dilation is then moot): every output
 * pixel is one row of X times the filter seen as a [Cin, Cout] matrix. The GEMM over the packed
 * filter runs these (and grad_input's dy x W^T) 3-25% faster than the direct kernel, which pays
 * for an indirection table it does not need (measured from 112x112x32 -> 16 to 7x7x160 -> 960).
 */
function isPointwise(c: Conv): boolean {
  return c.kh === 1 && c.kw === 1 && c.sh === 1 && c.sw === 1 && c.groups === 1 && c.cin > 0 &&
    c.pt === 0 && c.pl === 0 && c.ho === c.h && c.wo === c.w;
}

/**
 * conv2d_grad_filter runs X^T dy on the GEMM from this many input channels. The GEMM packs each
 * block of dy for only Cin rows of X^T, which the direct kernel's per-worker row sums beat below
 * 64 (one thread, 112x112x16 -> 96 and 14x14x32 -> 64 at batch 32: 11-15% slower on the GEMM);
 * from 64 the GEMM is as fast on one thread and 10-50% faster on two (up to 14x14x96 -> 576).
 */
const POINTWISE_GRAD_FILTER_MIN_CIN = 64;

/**
 * The filter [kh, kw, cg, og * groups] packed for the direct kernel, or (`transposed`) flipped
 * and transposed for conv2d_grad_input; cached on the filter tensor.
 */
function packDirect(rt: WasmRuntime, filter: Tensor, transposed: boolean, kh: number, kw: number, cg: number, og: number, groups: number): number {
  const t = transposed ? 1 : 0;
  const bytes = callInt(rt, 'conv2d_packed_bytes', [kh, kw, cg, og, groups, t]);
  return rt.packed(filter, transposed ? 'conv2d.direct.t' : 'conv2d.direct', bytes, (dst) => {
    rt.call('conv2d_pack', [rt.ptr(filter), dst, kh, kw, cg, og, groups, t]);
  });
}

/**
 * y = act(conv(x) + b) into y [n, ho, wo, cout] with the GEMM, the direct or the Winograd kernel. `filter`
 * is the tensor the packed weights are cached on; `transposed` packs its flipped transpose
 * (conv2d_grad_input at stride 1).
 */
function convForward(rt: WasmRuntime, c: Conv, x: Tensor, filter: Tensor, transposed: boolean, bias: number, y: Tensor, act: number, alpha: number, beta: number): void {
  const t = transposed ? 1 : 0;
  const cg = c.cin / c.groups, og = c.cout / c.groups;
  const macsPerRow = c.wo * c.cout * cg * c.kh * c.kw;
  if (isPointwise(c)) {
    // The filter's [Cin, Cout] (or, transposed, its [Cout, Cin] view of the same memory) is B.
    const wp = packGemmB(rt, filter, transposed, c.cin, c.cout);
    gemm(rt, {
      a: rt.ptr(x), lda: c.cin, b: wp, ldb: c.cout, c: rt.ptr(y), ldc: c.cout,
      m: c.n * c.h * c.w, n: c.cout, k: c.cin, flags: GEMM_PACKED_B, bias, act, alpha, beta,
    });
    return;
  }
  if (useWinograd(c)) {
    const bytes = callInt(rt, 'conv2d_winograd_packed_bytes', [c.cin, c.cout]);
    const up = rt.packed(filter, transposed ? 'conv2d.winograd.t' : 'conv2d.winograd', bytes, (dst) => {
      rt.call('conv2d_winograd_pack', [rt.ptr(filter), dst, c.cin, c.cout, t]);
    });
    const s = scratchFor(rt, callInt(rt, 'conv2d_winograd_scratch', [c.cin, c.cout]));
    rt.run('conv2d_winograd', [
      rt.ptr(x), up, bias, rt.ptr(y), s.base, s.stride,
      c.h, c.w, c.cin, c.ho, c.wo, c.cout, c.pt, c.pl, act, alpha, beta,
    ], c.n * Math.ceil(c.ho / 4), grainFor(4 * macsPerRow));
    return;
  }
  const wp = packDirect(rt, filter, transposed, c.kh, c.kw, transposed ? og : cg, transposed ? cg : og, c.groups);
  const s = scratchFor(rt, callInt(rt, 'conv2d_direct_scratch', [c.cin, c.kh * c.kw, c.groups]));
  rt.run('conv2d_direct', [
    rt.ptr(x), wp, bias, rt.ptr(y), s.base, s.stride,
    c.h, c.w, c.cin, c.ho, c.wo, c.cout, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, c.pt, c.pl,
    c.groups, act, alpha, beta,
  ], c.n * c.ho, grainFor(macsPerRow));
}

const conv2d: Kernel = ([x, w, b], a: Conv2dKernelAttrs, be) => {
  const rt = runtimeOf(be);
  const c = geometry(x!.shape, w!.shape, a, a.groups);
  const y = rt.tensor([c.n, c.ho, c.wo, c.cout]);
  if (y.size === 0) return [y];
  convForward(rt, c, x!, w!, false, b ? rt.ptr(b) : 0, y, ACTIVATION_CODE[a.activation], a.alpha, a.beta);
  return [y];
};

const conv2dGradInput: Kernel = ([dy, w], a: Conv2dGradInputAttrs, be) => {
  const rt = runtimeOf(be);
  const f = geometry(a.inputShape, w!.shape, a, a.groups);
  expectShape('conv2d_grad_input', 'dy', dy!.shape, [f.n, f.ho, f.wo, f.cout]);
  const dx = rt.tensor(a.inputShape);
  if (dx.size === 0) return [dx];
  if (f.sh === 1 && f.sw === 1) {
    // dx = conv(dy, flipped w^T) with the padding that puts every tap back: (k - 1) * d - p.
    const t: Conv = {
      n: f.n, h: f.ho, w: f.wo, cin: f.cout, ho: f.h, wo: f.w, cout: f.cin,
      kh: f.kh, kw: f.kw, sh: 1, sw: 1, dh: f.dh, dw: f.dw,
      pt: (f.kh - 1) * f.dh - f.pt, pl: (f.kw - 1) * f.dw - f.pl, groups: f.groups,
    };
    convForward(rt, t, dy!, w!, true, 0, dx, 0, 0, 0);
    return [dx];
  }
  const cg = f.cin / f.groups, og = f.cout / f.groups;
  const wp = packDirect(rt, w!, true, f.kh, f.kw, cg, og, f.groups);
  const s = scratchFor(rt, callInt(rt, 'conv2d_transposed_scratch', [f.cout, f.kh * f.kw, f.w, f.sw]));
  // Each dx pixel gathers about kh*kw / (sh*sw) taps.
  const macsPerRow = (f.w * f.cin * og * f.kh * f.kw) / (f.sh * f.sw);
  rt.run('conv2d_transposed', [
    rt.ptr(dy!), wp, rt.ptr(dx), s.base, s.stride,
    f.h, f.w, f.cin, f.ho, f.wo, f.cout, f.kh, f.kw, f.sh, f.sw, f.dh, f.dw, f.pt, f.pl, f.groups,
  ], f.n * f.h, grainFor(macsPerRow));
  return [dx];
};

const conv2dGradFilter: Kernel = ([x, dy], a: Conv2dGradFilterAttrs, be) => {
  const rt = runtimeOf(be);
  const c = geometry(x!.shape, a.filterShape, a, a.groups);
  expectShape('conv2d_grad_filter', 'dy', dy!.shape, [c.n, c.ho, c.wo, c.cout]);
  const dw = rt.tensor(a.filterShape);
  if (dw.size === 0) return [dw];
  if (isPointwise(c) && c.cin >= POINTWISE_GRAD_FILTER_MIN_CIN) {
    // dw [Cin, Cout] = X^T dy over all pixels (zero when there are none: K = 0 still writes C).
    const pixels = c.n * c.h * c.w;
    gemm(rt, {
      a: rt.ptr(x!), lda: c.cin, b: rt.ptr(dy!), ldb: c.cout, c: rt.ptr(dw), ldc: c.cout,
      m: c.cin, n: c.cout, k: pixels, flags: GEMM_TRANS_A,
    });
    return [dw];
  }
  const cg = c.cin / c.groups, og = c.cout / c.groups;
  const part = scratchFor(rt, callInt(rt, 'conv2d_grad_filter_partial_bytes', [c.kh, c.kw, cg, og, c.groups]));
  // Workers add into their partials, so all of them start from zero (a native fill, no JS loop).
  new Uint8Array(rt.memory.buffer, part.base, part.stride * rt.threads).fill(0);
  const rows = c.n * c.ho;
  if (rows > 0) {
    const s = scratchFor(rt, callInt(rt, 'conv2d_grad_filter_scratch', [c.wo, og, c.groups]));
    rt.run('conv2d_grad_filter', [
      rt.ptr(x!), rt.ptr(dy!), part.base, part.stride, s.base, s.stride,
      c.h, c.w, c.cin, c.ho, c.wo, c.cout, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, c.pt, c.pl, c.groups,
    ], rows, grainFor(c.wo * c.cout * cg * c.kh * c.kw));
  }
  const dwRows = c.kh * c.kw * cg;
  rt.run('conv2d_grad_filter_reduce', [part.base, part.stride, rt.threads, rt.ptr(dw), c.kh * c.kw, cg, og, c.groups], dwRows, grainFor(og * c.groups * rt.threads * 64));
  return [dw];
};

export const convKernels: Record<string, Kernel> = {
  conv2d,
  conv2d_grad_input: conv2dGradInput,
  conv2d_grad_filter: conv2dGradFilter,
  ...depthwiseKernels,
};
