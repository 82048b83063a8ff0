import type { Kernel } from '../../../core/backend.js';
import { TinyconvError } from '../../../core/errors.js';
import { shapeToString, shapesEqual, type Shape } from '../../../core/shape.js';
import { activate } from '../../../ops/activation-math.js';
import type { Conv2dGradFilterAttrs, Conv2dGradInputAttrs, Conv2dKernelAttrs, FusedActivation, KernelWindow } from '../../../ops/conv2d.js';
import type {
  DepthwiseConv2dGradFilterAttrs, DepthwiseConv2dGradInputAttrs, DepthwiseConv2dKernelAttrs,
} from '../../../ops/depthwise-conv2d.js';
import { alloc, arr, wrap, type Arr } from '../storage.js';

/**
 * Direct convolutions over NHWC images and HWIO weights. Loops run over output pixels, then
 * kernel taps, with the innermost loop over contiguous channels. Sums accumulate in float64 and
 * round once, so the float32 variant is as close to the float64 one as float32 allows.
 */

/**
 * The window of every output pixel, precomputed: for output position o along one axis and tap j,
 * entry o*k + j is the input position read, or -1 where the tap lies in the padding.
 */
interface Plan {
  n: number; h: number; w: number; c: number;
  kh: number; kw: number; ho: number; wo: number;
  rows: Int32Array;
  cols: Int32Array;
}

function taps(outSize: number, k: number, stride: number, dilation: number, padBegin: number, inSize: number): Int32Array {
  const t = new Int32Array(outSize * k);
  for (let o = 0; o < outSize; o++) {
    for (let j = 0; j < k; j++) {
      const i = o * stride - padBegin + j * dilation;
      t[o * k + j] = i >= 0 && i < inSize ? i : -1;
    }
  }
  return t;
}

function plan(x: Shape, kh: number, kw: number, g: KernelWindow): Plan {
  const [n, h, w, c] = x as [number, number, number, number];
  const [pt, pb, pl, pr] = g.pads, [sh, sw] = g.strides, [dh, dw] = g.dilations;
  const ho = Math.floor((h + pt + pb - (kh - 1) * dh - 1) / sh) + 1;
  const wo = Math.floor((w + pl + pr - (kw - 1) * dw - 1) / sw) + 1;
  return { n, h, w, c, kh, kw, ho, wo, rows: taps(ho, kh, sh, dh, pt, h), cols: taps(wo, kw, sw, dw, pl, w) };
}

/** Backward kernels get dy from the engine; a wrong one is a bug upstream, reported as such. */
function expectShape(kernel: string, what: string, got: Shape, want: Shape): void {
  if (!shapesEqual(got, want)) throw new TinyconvError('E_SHAPE', `${kernel}: ${what} ${shapeToString(got)} does not match the expected ${shapeToString(want)}`, { got, want });
}

/** Rounds a float64 accumulator into an output of `like`'s precision. */
function rounded(like: Arr, acc: Float64Array): Arr {
  const out = alloc(like, acc.length);
  out.set(acc);
  return out;
}

/**
 * Calls `body(pixel, xOff, tap)` for every output pixel and every tap that lands inside the input:
 * pixel is the output pixel's index (n*ho + oh)*wo + ow, xOff the offset of the input pixel the
 * tap reads, tap its index ky*kw + kx. `pixelDone(pixel)` follows each pixel's last tap.
 */
function forEachTap(p: Plan, body: (pixel: number, xOff: number, tap: number) => void, pixelDone?: (pixel: number) => void): void {
  const { kh, kw, ho, wo, rows, cols } = p;
  for (let n = 0; n < p.n; n++) {
    for (let oh = 0; oh < ho; oh++) {
      for (let ow = 0; ow < wo; ow++) {
        const pixel = (n * ho + oh) * wo + ow;
        for (let ky = 0; ky < kh; ky++) {
          const ih = rows[oh * kh + ky]!;
          if (ih < 0) continue;
          const rowOff = (n * p.h + ih) * p.w;
          for (let kx = 0; kx < kw; kx++) {
            const iw = cols[ow * kw + kx]!;
            if (iw >= 0) body(pixel, (rowOff + iw) * p.c, ky * kw + kx);
          }
        }
        pixelDone?.(pixel);
      }
    }
  }
}

/**
 * The per-pixel accumulator's start (the bias, or zero) and end: the returned `flush(pixel)` writes
 * it out through the fused activation and starts it again for the next pixel.
 */
function epilogue(acc: Float64Array, bias: Arr | null, out: Arr, a: FusedActivation): (pixel: number) => void {
  const cout = acc.length;
  const reset = (): void => {
    if (bias) for (let co = 0; co < cout; co++) acc[co] = bias[co]!;
    else acc.fill(0);
  };
  reset();
  return (pixel) => {
    const o = pixel * cout;
    if (a.activation === 'linear') for (let co = 0; co < cout; co++) out[o + co] = acc[co]!;
    else for (let co = 0; co < cout; co++) out[o + co] = activate(a.activation, acc[co]!, a.alpha, a.beta);
    reset();
  };
}

/** y[n,oh,ow,co] = act(b[co] + sum over taps and the group's input channels of x * w). */
const conv2dForward: Kernel = ([x, w, b], a: Conv2dKernelAttrs, be) => {
  const X = arr(x!), Wt = arr(w!);
  const [kh, kw, cg, cout] = w!.shape as [number, number, number, number];
  const p = plan(x!.shape, kh, kw, a);
  const groups = a.groups, og = cout / groups;
  const Y = alloc(X, p.n * p.ho * p.wo * cout);
  const acc = new Float64Array(cout);
  const flush = epilogue(acc, b ? arr(b) : null, Y, a);
  forEachTap(p, (_pixel, xOff, tap) => {
    const wOff = tap * cg * cout;
    for (let g = 0; g < groups; g++) {
      const o0 = g * og, x0 = xOff + g * cg;
      for (let ci = 0; ci < cg; ci++) {
        const xv = X[x0 + ci]!;
        const wr = wOff + ci * cout + o0;
        for (let co = 0; co < og; co++) acc[o0 + co] += xv * Wt[wr + co]!;
      }
    }
  }, flush);
  return [wrap(be, Y, [p.n, p.ho, p.wo, cout])];
};

/** dx[n,ih,iw,ci] = sum over the output pixels and taps that read it of dy * w. */
const conv2dGradInput: Kernel = ([dy, w], a: Conv2dGradInputAttrs, be) => {
  const D = arr(dy!), Wt = arr(w!);
  const [kh, kw, cg, cout] = w!.shape as [number, number, number, number];
  const p = plan(a.inputShape, kh, kw, a);
  expectShape('conv2d_grad_input', 'dy', dy!.shape, [p.n, p.ho, p.wo, cout]);
  const groups = a.groups, og = cout / groups;
  const dx = new Float64Array(p.n * p.h * p.w * p.c);
  forEachTap(p, (pixel, xOff, tap) => {
    const dOff = pixel * cout, wOff = tap * cg * cout;
    for (let g = 0; g < groups; g++) {
      const o0 = g * og, x0 = xOff + g * cg;
      for (let ci = 0; ci < cg; ci++) {
        const wr = wOff + ci * cout + o0;
        let s = 0;
        for (let co = 0; co < og; co++) s += D[dOff + o0 + co]! * Wt[wr + co]!;
        dx[x0 + ci] += s;
      }
    }
  });
  return [wrap(be, rounded(D, dx), a.inputShape)];
};

/** dw[ky,kx,ci,co] = sum over batch and output pixels of x (at the tap) * dy. */
const conv2dGradFilter: Kernel = ([x, dy], a: Conv2dGradFilterAttrs, be) => {
  const X = arr(x!), D = arr(dy!);
  const [kh, kw, cg, cout] = a.filterShape as [number, number, number, number];
  const p = plan(x!.shape, kh, kw, a);
  expectShape('conv2d_grad_filter', 'dy', dy!.shape, [p.n, p.ho, p.wo, cout]);
  const groups = a.groups, og = cout / groups;
  const dw = new Float64Array(kh * kw * cg * cout);
  forEachTap(p, (pixel, xOff, tap) => {
    const dOff = pixel * cout, wOff = tap * cg * cout;
    for (let g = 0; g < groups; g++) {
      const o0 = g * og, x0 = xOff + g * cg;
      for (let ci = 0; ci < cg; ci++) {
        const xv = X[x0 + ci]!;
        const wr = wOff + ci * cout + o0;
        for (let co = 0; co < og; co++) dw[wr + co] += xv * D[dOff + o0 + co]!;
      }
    }
  });
  return [wrap(be, rounded(X, dw), a.filterShape)];
};

/** y[n,oh,ow,c*mult+m] = act(b[c*mult+m] + sum over taps of x[..., c] * w[ky,kx,c,m]). */
const depthwiseForward: Kernel = ([x, w, b], a: DepthwiseConv2dKernelAttrs, be) => {
  const X = arr(x!), Wt = arr(w!);
  const [kh, kw, c, mult] = w!.shape as [number, number, number, number];
  const p = plan(x!.shape, kh, kw, a);
  const cout = c * mult;
  const Y = alloc(X, p.n * p.ho * p.wo * cout);
  const acc = new Float64Array(cout);
  const flush = epilogue(acc, b ? arr(b) : null, Y, a);
  forEachTap(p, (_pixel, xOff, tap) => {
    const wOff = tap * cout;
    for (let ch = 0; ch < c; ch++) {
      const xv = X[xOff + ch]!;
      const j = ch * mult;
      for (let m = 0; m < mult; m++) acc[j + m] += xv * Wt[wOff + j + m]!;
    }
  }, flush);
  return [wrap(be, Y, [p.n, p.ho, p.wo, cout])];
};

const depthwiseGradInput: Kernel = ([dy, w], a: DepthwiseConv2dGradInputAttrs, be) => {
  const D = arr(dy!), Wt = arr(w!);
  const [kh, kw, c, mult] = w!.shape as [number, number, number, number];
  const p = plan(a.inputShape, kh, kw, a);
  const cout = c * mult;
  expectShape('depthwise_conv2d_grad_input', 'dy', dy!.shape, [p.n, p.ho, p.wo, cout]);
  const dx = new Float64Array(p.n * p.h * p.w * p.c);
  forEachTap(p, (pixel, xOff, tap) => {
    const dOff = pixel * cout, wOff = tap * cout;
    for (let ch = 0; ch < c; ch++) {
      const j = ch * mult;
      let s = 0;
      for (let m = 0; m < mult; m++) s += D[dOff + j + m]! * Wt[wOff + j + m]!;
      dx[xOff + ch] += s;
    }
  });
  return [wrap(be, rounded(D, dx), a.inputShape)];
};

const depthwiseGradFilter: Kernel = ([x, dy], a: DepthwiseConv2dGradFilterAttrs, be) => {
  const X = arr(x!), D = arr(dy!);
  const [kh, kw, c, mult] = a.filterShape as [number, number, number, number];
  const p = plan(x!.shape, kh, kw, a);
  const cout = c * mult;
  expectShape('depthwise_conv2d_grad_filter', 'dy', dy!.shape, [p.n, p.ho, p.wo, cout]);
  const dw = new Float64Array(kh * kw * cout);
  forEachTap(p, (pixel, xOff, tap) => {
    const dOff = pixel * cout, wOff = tap * cout;
    for (let ch = 0; ch < c; ch++) {
      const xv = X[xOff + ch]!;
      const j = ch * mult;
      for (let m = 0; m < mult; m++) dw[wOff + j + m] += xv * D[dOff + j + m]!;
    }
  });
  return [wrap(be, rounded(X, dw), a.filterShape)];
};

export const convKernels: Record<string, Kernel> = {
  conv2d: conv2dForward,
  conv2d_grad_input: conv2dGradInput,
  conv2d_grad_filter: conv2dGradFilter,
  depthwise_conv2d: depthwiseForward,
  depthwise_conv2d_grad_input: depthwiseGradInput,
  depthwise_conv2d_grad_filter: depthwiseGradFilter,
};
