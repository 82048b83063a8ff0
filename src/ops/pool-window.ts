import { TinyconvError, check } from '../core/errors.js';
import { shapeToString, shapesEqual, sizeOf, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelRunner } from '../core/op.js';
import type { AttrReader } from './attrs.js';
import { effectiveSize, outputSize, readPadding, resolvePadding, type Padding } from './conv-geometry.js';

/**
 * Attributes and window geometry shared by the windowed pooling ops (max, average, mixed).
 * The op resolves the geometry once from the input shape and hands it to the kernels, so every
 * backend pools over exactly the same windows and none re-derives padding on its own.
 */

export interface PoolAttrs {
  poolSize: [number, number];
  /** Defaults to poolSize (Keras). */
  strides: [number, number];
  padding: Padding;
  dilations: [number, number];
  /** ONNX / PyTorch ceil mode: a last partial window counts if it starts inside the input or its begin padding. */
  ceilMode: boolean;
}

/** Reads poolSize, strides, padding, dilations and ceilMode; the caller reads the op's own extras and calls done(). */
export function readPoolAttrs(r: AttrReader): PoolAttrs {
  const poolSize = r.ints('poolSize', 2, undefined) as [number, number];
  const strides = r.ints('strides', 2, poolSize) as [number, number];
  const padding = readPadding(r);
  const dilations = r.ints('dilations', 2, [1, 1]) as [number, number];
  const ceilMode = r.bool('ceilMode', false);
  return { poolSize, strides, padding, dilations, ceilMode };
}

/**
 * A pooling window resolved against an input shape: what kernels receive as attributes.
 * Output row `oh` pools input rows `oh * sh - padTop + j * dh` for j in [0, kh); likewise for columns.
 */
export interface PoolWindow {
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

/**
 * An average pool's window: countIncludePad false divides by the input cells a window covers;
 * true divides by the cells inside the padded input [-padTop, inH + padBottom) x [-padLeft, inW + padRight),
 * so the overhang of a ceil-mode window past the padded border never counts (ONNX, PyTorch).
 */
export interface AvgPoolWindow extends PoolWindow {
  countIncludePad: boolean;
}

/** Checks an NHWC input shape for op `op`. */
export function checkImage(op: string, x: Shape | undefined): asserts x is Shape {
  check(x !== undefined && x.length === 4, 'E_SHAPE', () => `${op}: input x must have rank 4 [N, H, W, C], got ${x ? shapeToString(x) : 'none'}`, { op, x });
}

/**
 * The last window per attrs object: runOp resolves it for the output shape and again in forward,
 * and a layer's normalised attrs repeat on every call. The input shape is compared by value.
 */
const windowMemo = new WeakMap<PoolAttrs, { op: string; x: Shape; window: PoolWindow }>();

/** Resolves the window of `op` over input `x`, rejecting geometry with no valid output. */
export function poolWindow(op: string, x: Shape | undefined, a: PoolAttrs): PoolWindow {
  const hit = windowMemo.get(a);
  if (hit && x && hit.op === op && shapesEqual(hit.x, x)) return hit.window;
  // Frozen: the same object goes to every later call with this input shape.
  const window = Object.freeze(resolveWindow(op, x, a));
  windowMemo.set(a, { op, x: [...x!], window });
  return window;
}

function resolveWindow(op: string, x: Shape | undefined, a: PoolAttrs): PoolWindow {
  checkImage(op, x);
  const [, inH, inW] = x as [number, number, number, number];
  const [kh, kw] = a.poolSize;
  const [sh, sw] = a.strides;
  const [dh, dw] = a.dilations;
  const [padTop, padBottom, padLeft, padRight] = resolvePadding(a.padding, inH, inW, kh, kw, sh, sw, dh, dw);
  const outH = axisOutput(op, 'height', x, inH, kh, sh, dh, padTop, padBottom, a.ceilMode);
  const outW = axisOutput(op, 'width', x, inW, kw, sw, dw, padLeft, padRight, a.ceilMode);
  return { inH, inW, outH, outW, kh, kw, sh, sw, dh, dw, padTop, padBottom, padLeft, padRight };
}

/**
 * Output size along one axis. Every window must cover at least one input cell: a window made only
 * of padding has no maximum (padding is -inf) and no average when padding is not counted, so such
 * geometry (padding as wide as the window, or dilation stepping over a tiny input) is an error.
 */
function axisOutput(op: string, axis: 'height' | 'width', x: Shape, n: number, k: number, s: number, d: number, pb: number, pe: number, ceilMode: boolean): number {
  const extent = effectiveSize(k, d);
  const which = axis === 'height' ? 'rows' : 'columns';
  if (n + pb + pe < extent) {
    throw new TinyconvError(
      'E_SHAPE',
      `${op}: the pool window's ${axis} spans ${extent} (poolSize ${k}, dilation ${d}) but input ${shapeToString(x)} padded by ${pb}+${pe} has only ${n + pb + pe} ${which}`,
      { op, x, axis, extent, padding: [pb, pe] },
    );
  }
  const out = outputSize(n, k, s, d, pb, pe, ceilMode);
  for (let o = 0; o < out; o++) {
    const [from, to] = tapRange(o * s - pb, k, d, 0, n);
    if (to <= from) {
      const start = o * s - pb;
      throw new TinyconvError(
        'E_SHAPE',
        `${op}: output ${axis === 'height' ? 'row' : 'column'} ${o} would pool only padding (input ${which} ${start}..${start + extent - 1} step ${d} miss all ${n} ${which} of ${shapeToString(x)}, padding ${pb}+${pe}); use less padding or dilation`,
        { op, x, axis, index: o, padding: [pb, pe] },
      );
    }
  }
  return out;
}

/**
 * The taps j in [from, to) of a window starting at `start` (step d, k taps) that land in [lo, hi).
 * Taps in range are contiguous because positions grow with j.
 */
export function tapRange(start: number, k: number, d: number, lo: number, hi: number): [number, number] {
  const from = Math.max(0, Math.ceil((lo - start) / d));
  const to = Math.min(k, Math.floor((hi - 1 - start) / d) + 1);
  return [from, Math.max(from, to)];
}

/** Output shape [N, outH, outW, C]. */
export function pooledShape(x: Shape, w: PoolWindow): Shape {
  return [x[0]!, w.outH, w.outW, x[3]!];
}

/** Operations of a windowed pool: one per tap (compare or add) of every output; reads x once, writes y. */
export function windowCost(x: Shape, y: Shape, w: PoolWindow): { taps: number; inBytes: number; outBytes: number } {
  return { taps: sizeOf(y) * w.kh * w.kw, inBytes: sizeOf(x) * 4, outBytes: sizeOf(y) * 4 };
}

/** A rank-0 tensor holding `v` on the backend of `like` (scale factors for the mul kernel). */
export function scalarLike(like: Tensor, v: number): Tensor {
  return like.backend.upload(Float32Array.of(v), []);
}

/** Runs a kernel that returns exactly two outputs (a value and its argmax). */
export function run2(k: KernelRunner, kernel: string, inputs: readonly Tensor[], attrs: unknown): [Tensor, Tensor] {
  const out = k.run(kernel, inputs, attrs);
  check(out.length === 2, 'E_BACKEND', () => `kernel ${kernel} on ${k.backend} returned ${out.length} outputs, expected 2 (values, argmax)`);
  return [out[0]!, out[1]!];
}
