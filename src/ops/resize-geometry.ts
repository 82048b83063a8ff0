import { check } from '../core/errors.js';
import { shapeToString, type Shape } from '../core/shape.js';

/**
 * Sampling geometry of 2-D resizing, shared by every backend. It follows the ONNX Resize operator
 * (opset 11 and later) and its reference implementation: each output coordinate is mapped to a
 * source coordinate by the coordinate transform, then read by nearest-neighbour rounding or linear
 * interpolation; source coordinates outside the input read the border element (as ONNX's edge
 * extension, and as TensorFlow's half-pixel bilinear resize clamps its neighbours).
 */

export type ResizeMode = 'nearest' | 'bilinear';
export type CoordinateTransform = 'half_pixel' | 'asymmetric' | 'align_corners' | 'pytorch_half_pixel';
export type NearestMode = 'floor' | 'ceil' | 'round_prefer_floor' | 'round_prefer_ceil';

export const RESIZE_MODES: readonly ResizeMode[] = ['nearest', 'bilinear'];
export const COORDINATE_TRANSFORMS: readonly CoordinateTransform[] = ['half_pixel', 'asymmetric', 'align_corners', 'pytorch_half_pixel'];
export const NEAREST_MODES: readonly NearestMode[] = ['floor', 'ceil', 'round_prefer_floor', 'round_prefer_ceil'];

export interface ResizeAttrs {
  /** Output [height, width]; exactly one of size and scale is given. */
  size?: [number, number];
  /** [sh, sw]: output = floor(input * scale), and coordinates map with this scale. */
  scale?: [number, number];
  mode: ResizeMode;
  coordinateTransform: CoordinateTransform;
  nearestMode: NearestMode;
}

/** The output shape of resizing an NHWC tensor `x`, checked. */
export function resizeShape(x: Shape, a: ResizeAttrs): [number, number, number, number] {
  check(x.length === 4, 'E_SHAPE', () => `resize2d: input must be NHWC of rank 4, got ${shapeToString(x)}`, { shape: x });
  const [n, h, w, c] = x as [number, number, number, number];
  check(h >= 1 && w >= 1, 'E_SHAPE', () => `resize2d: input ${shapeToString(x)} has an empty height or width; there is nothing to sample`, { shape: x });
  const [oh, ow] = a.size ?? [Math.floor(h * a.scale![0]), Math.floor(w * a.scale![1])];
  check(oh >= 1 && ow >= 1, 'E_SHAPE', () => `resize2d: scale ${shapeToString(a.scale!)} on input ${shapeToString(x)} gives an empty output ${oh}x${ow}`, { shape: x, scale: a.scale });
  return [n, oh, ow, c];
}

/**
 * How one axis is sampled: output element o reads (1 - w[o]) * x[i0[o]] + w[o] * x[i1[o]].
 * Nearest sampling has w = 0 and i1 = i0. Weights are exactly 0 where a single element is read.
 */
export interface AxisSampling {
  i0: Int32Array;
  i1: Int32Array;
  w: Float64Array;
}

/**
 * The sampling of one axis of `inLen` elements resized to `outLen`; `scale` is the given scale
 * factor, or undefined when the output size was given (the scale is then outLen / inLen).
 */
export function axisSampling(inLen: number, outLen: number, scale: number | undefined, a: ResizeAttrs): AxisSampling {
  const s = scale ?? outLen / inLen;
  // ONNX's length_resized: fractional when a scale is given (its align_corners test data relies on it).
  const lenResized = scale === undefined ? outLen : inLen * scale;
  const i0 = new Int32Array(outLen), i1 = new Int32Array(outLen), w = new Float64Array(outLen);
  for (let o = 0; o < outLen; o++) {
    const x = sourceCoord(o, s, inLen, lenResized, a.coordinateTransform);
    if (a.mode === 'nearest') {
      i0[o] = i1[o] = clamp(roundNearest(x, a.nearestMode), 0, inLen - 1);
    } else {
      const xc = clamp(x, 0, inLen - 1);
      const lo = Math.floor(xc);
      i0[o] = lo;
      i1[o] = Math.min(lo + 1, inLen - 1);
      w[o] = xc - lo;
    }
  }
  return { i0, i1, w };
}

/** The sampling of both spatial axes of an NHWC input. */
export function resizeSampling(x: Shape, a: ResizeAttrs): { h: AxisSampling; w: AxisSampling } {
  const [, oh, ow] = resizeShape(x, a);
  return { h: axisSampling(x[1]!, oh, a.scale?.[0], a), w: axisSampling(x[2]!, ow, a.scale?.[1], a) };
}

/** The ONNX coordinate transforms: the input coordinate output coordinate `o` samples. */
export function sourceCoord(o: number, scale: number, inLen: number, lenResized: number, t: CoordinateTransform): number {
  switch (t) {
    case 'half_pixel':
      return (o + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel':
      return lenResized > 1 ? (o + 0.5) / scale - 0.5 : 0;
    case 'asymmetric':
      return o / scale;
    case 'align_corners':
      return lenResized === 1 ? 0 : (o * (inLen - 1)) / (lenResized - 1);
  }
}

/** Rounds a source coordinate to an index; the two 'round' modes differ only on exact halves. */
export function roundNearest(x: number, mode: NearestMode): number {
  const f = Math.floor(x);
  const frac = x - f;
  switch (mode) {
    case 'floor':
      return f;
    case 'ceil':
      return Math.ceil(x);
    case 'round_prefer_floor':
      return frac <= 0.5 ? f : f + 1;
    case 'round_prefer_ceil':
      return frac < 0.5 ? f : f + 1;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
