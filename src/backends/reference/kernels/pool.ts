import type { Kernel } from '../../../core/backend.js';
import { sizeOf } from '../../../core/shape.js';
import { tapRange, type AvgPoolWindow, type PoolWindow } from '../../../ops/pool-window.js';
import { alloc, arr, wrap, type Arr } from '../storage.js';

/**
 * Pooling kernels over NHWC data. The op hands over the resolved window (padding, output size),
 * so these only loop. Along each axis the taps that land inside the input are a contiguous range
 * [from, to), precomputed per output row / column; padding is never read.
 */

interface AxisTaps {
  /** First tap of output index o inside the input. */
  from: Int32Array;
  /** One past the last such tap. */
  to: Int32Array;
  /** How many taps the average divides by (input cells, or padded cells with countIncludePad). */
  count: Int32Array;
}

function axisTaps(out: number, k: number, s: number, d: number, n: number, padBegin: number, padEnd: number, includePad: boolean): AxisTaps {
  const from = new Int32Array(out), to = new Int32Array(out), count = new Int32Array(out);
  for (let o = 0; o < out; o++) {
    const start = o * s - padBegin;
    const [f, t] = tapRange(start, k, d, 0, n);
    from[o] = f;
    to[o] = t;
    const [pf, pt] = includePad ? tapRange(start, k, d, -padBegin, n + padEnd) : [f, t];
    count[o] = pt - pf;
  }
  return { from, to, count };
}

function rowsOf(w: PoolWindow, includePad = false): AxisTaps {
  return axisTaps(w.outH, w.kh, w.sh, w.dh, w.inH, w.padTop, w.padBottom, includePad);
}

function colsOf(w: PoolWindow, includePad = false): AxisTaps {
  return axisTaps(w.outW, w.kw, w.sw, w.dw, w.inW, w.padLeft, w.padRight, includePad);
}

/** Whether v beats the current best b: larger, or the first NaN (NaN propagates, like PyTorch). */
const beats = (v: number, b: number): boolean => v > b || (v !== v && b === b);

/**
 * Max pooling of X into Y, and each winner's window-relative tap into A when given (the training
 * kernel); inference passes none, and the values are the same either way.
 */
function maxPoolInto(X: Arr, shape: readonly number[], w: PoolWindow, Y: Arr, A: Arr | null): void {
  const [batch, , , c] = shape as [number, number, number, number];
  const rows = rowsOf(w), cols = colsOf(w);
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < w.outH; oh++) {
      for (let ow = 0; ow < w.outW; ow++) {
        const yo = ((n * w.outH + oh) * w.outW + ow) * c;
        // The first tap inside the input seeds the maximum, so padding never takes part.
        let first = true;
        for (let jh = rows.from[oh]!; jh < rows.to[oh]!; jh++) {
          const ih = oh * w.sh - w.padTop + jh * w.dh;
          for (let jw = cols.from[ow]!; jw < cols.to[ow]!; jw++) {
            const iw = ow * w.sw - w.padLeft + jw * w.dw;
            const xo = ((n * w.inH + ih) * w.inW + iw) * c;
            const tap = jh * w.kw + jw;
            if (first) {
              for (let ch = 0; ch < c; ch++) Y[yo + ch] = X[xo + ch]!;
              if (A) A.fill(tap, yo, yo + c);
              first = false;
              continue;
            }
            for (let ch = 0; ch < c; ch++) {
              const v = X[xo + ch]!;
              if (beats(v, Y[yo + ch]!)) {
                Y[yo + ch] = v;
                if (A) A[yo + ch] = tap;
              }
            }
          }
        }
      }
    }
  }
}

const pooledShape = (x: readonly number[], w: PoolWindow): number[] => [x[0]!, w.outH, w.outW, x[3]!];

const maxPool2d: Kernel = ([x], w: PoolWindow, be) => {
  const X = arr(x!);
  const yShape = pooledShape(x!.shape, w);
  const Y = alloc(X, sizeOf(yShape)), A = alloc(X, Y.length);
  maxPoolInto(X, x!.shape, w, Y, A);
  return [wrap(be, Y, yShape), wrap(be, A, yShape)];
};

const maxPool2dInfer: Kernel = ([x], w: PoolWindow, be) => {
  const X = arr(x!);
  const yShape = pooledShape(x!.shape, w);
  const Y = alloc(X, sizeOf(yShape));
  maxPoolInto(X, x!.shape, w, Y, null);
  return [wrap(be, Y, yShape)];
};

const maxPool2dGrad: Kernel = ([dy, argmax], w: PoolWindow, be) => {
  const D = arr(dy!), A = arr(argmax!);
  const [batch, , , c] = dy!.shape as [number, number, number, number];
  const xShape = [batch, w.inH, w.inW, c];
  const DX = alloc(D, sizeOf(xShape));
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < w.outH; oh++) {
      for (let ow = 0; ow < w.outW; ow++) {
        const yo = ((n * w.outH + oh) * w.outW + ow) * c;
        for (let ch = 0; ch < c; ch++) {
          const tap = A[yo + ch]!;
          const jh = Math.floor(tap / w.kw), jw = tap - jh * w.kw;
          const ih = oh * w.sh - w.padTop + jh * w.dh, iw = ow * w.sw - w.padLeft + jw * w.dw;
          DX[((n * w.inH + ih) * w.inW + iw) * c + ch]! += D[yo + ch]!;
        }
      }
    }
  }
  return [wrap(be, DX, xShape)];
};

const avgPool2d: Kernel = ([x], w: AvgPoolWindow, be) => {
  const X = arr(x!);
  const [batch, , , c] = x!.shape as [number, number, number, number];
  const yShape = [batch, w.outH, w.outW, c];
  const Y = alloc(X, sizeOf(yShape));
  const rows = rowsOf(w, w.countIncludePad), cols = colsOf(w, w.countIncludePad);
  // Sums in double precision, so the float32 result is the correctly rounded mean.
  const acc = new Float64Array(c);
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < w.outH; oh++) {
      for (let ow = 0; ow < w.outW; ow++) {
        const yo = ((n * w.outH + oh) * w.outW + ow) * c;
        acc.fill(0);
        for (let jh = rows.from[oh]!; jh < rows.to[oh]!; jh++) {
          const ih = oh * w.sh - w.padTop + jh * w.dh;
          for (let jw = cols.from[ow]!; jw < cols.to[ow]!; jw++) {
            const xo = ((n * w.inH + ih) * w.inW + ow * w.sw - w.padLeft + jw * w.dw) * c;
            for (let ch = 0; ch < c; ch++) acc[ch]! += X[xo + ch]!;
          }
        }
        const div = rows.count[oh]! * cols.count[ow]!;
        for (let ch = 0; ch < c; ch++) Y[yo + ch] = acc[ch]! / div;
      }
    }
  }
  return [wrap(be, Y, yShape)];
};

const avgPool2dGrad: Kernel = ([dy], w: AvgPoolWindow, be) => {
  const D = arr(dy!);
  const [batch, , , c] = dy!.shape as [number, number, number, number];
  const xShape = [batch, w.inH, w.inW, c];
  const DX = alloc(D, sizeOf(xShape));
  const rows = rowsOf(w, w.countIncludePad), cols = colsOf(w, w.countIncludePad);
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < w.outH; oh++) {
      for (let ow = 0; ow < w.outW; ow++) {
        const yo = ((n * w.outH + oh) * w.outW + ow) * c;
        const inv = 1 / (rows.count[oh]! * cols.count[ow]!);
        for (let jh = rows.from[oh]!; jh < rows.to[oh]!; jh++) {
          const ih = oh * w.sh - w.padTop + jh * w.dh;
          for (let jw = cols.from[ow]!; jw < cols.to[ow]!; jw++) {
            const xo = ((n * w.inH + ih) * w.inW + ow * w.sw - w.padLeft + jw * w.dw) * c;
            for (let ch = 0; ch < c; ch++) DX[xo + ch]! += D[yo + ch]! * inv;
          }
        }
      }
    }
  }
  return [wrap(be, DX, xShape)];
};

function globalShape(x: readonly number[], keepDims: boolean): number[] {
  return keepDims ? [x[0]!, 1, 1, x[3]!] : [x[0]!, x[3]!];
}

const globalAvgPool2d: Kernel = ([x], { keepDims }: { keepDims: boolean }, be) => {
  const X = arr(x!);
  const [batch, h, wd, c] = x!.shape as [number, number, number, number];
  const Y = alloc(X, batch * c);
  const cells = h * wd;
  const acc = new Float64Array(c);
  for (let n = 0; n < batch; n++) {
    acc.fill(0);
    for (let p = 0; p < cells; p++) {
      const xo = (n * cells + p) * c;
      for (let ch = 0; ch < c; ch++) acc[ch]! += X[xo + ch]!;
    }
    for (let ch = 0; ch < c; ch++) Y[n * c + ch] = acc[ch]! / cells;
  }
  return [wrap(be, Y, globalShape(x!.shape, keepDims))];
};

const globalAvgPool2dGrad: Kernel = ([dy], { shape }: { shape: number[] }, be) => {
  const D = arr(dy!);
  const [batch, h, wd, c] = shape as [number, number, number, number];
  const DX = alloc(D, sizeOf(shape));
  const cells = h * wd;
  for (let n = 0; n < batch; n++) {
    for (let p = 0; p < cells; p++) {
      const xo = (n * cells + p) * c;
      for (let ch = 0; ch < c; ch++) DX[xo + ch] = D[n * c + ch]! / cells;
    }
  }
  return [wrap(be, DX, shape)];
};

const globalMaxPool2d: Kernel = ([x], { keepDims }: { keepDims: boolean }, be) => {
  const X = arr(x!);
  const [batch, h, wd, c] = x!.shape as [number, number, number, number];
  const Y = alloc(X, batch * c), A = alloc(X, batch * c);
  const cells = h * wd;
  for (let n = 0; n < batch; n++) {
    for (let ch = 0; ch < c; ch++) Y[n * c + ch] = X[n * cells * c + ch]!;
    for (let p = 1; p < cells; p++) {
      const xo = (n * cells + p) * c;
      for (let ch = 0; ch < c; ch++) {
        const v = X[xo + ch]!;
        if (beats(v, Y[n * c + ch]!)) {
          Y[n * c + ch] = v;
          A[n * c + ch] = p;
        }
      }
    }
  }
  const shape = globalShape(x!.shape, keepDims);
  return [wrap(be, Y, shape), wrap(be, A, shape)];
};

const globalMaxPool2dGrad: Kernel = ([dy, argmax], { shape }: { shape: number[] }, be) => {
  const D = arr(dy!), A = arr(argmax!);
  const [batch, h, wd, c] = shape as [number, number, number, number];
  const DX = alloc(D, sizeOf(shape));
  const cells = h * wd;
  for (let n = 0; n < batch; n++) {
    for (let ch = 0; ch < c; ch++) DX[(n * cells + A[n * c + ch]!) * c + ch]! += D[n * c + ch]!;
  }
  return [wrap(be, DX, shape)];
};

export const poolKernels: Record<string, Kernel> = {
  max_pool2d: maxPool2d,
  max_pool2d_infer: maxPool2dInfer,
  max_pool2d_grad: maxPool2dGrad,
  avg_pool2d: avgPool2d,
  avg_pool2d_grad: avgPool2dGrad,
  global_avg_pool2d: globalAvgPool2d,
  global_avg_pool2d_grad: globalAvgPool2dGrad,
  global_max_pool2d: globalMaxPool2d,
  global_max_pool2d_grad: globalMaxPool2dGrad,
};
