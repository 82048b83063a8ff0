import { TinyconvError } from '../core/errors.js';
import type { AttrReader } from './attrs.js';

/**
 * Window geometry shared by convolutions and pooling: padding resolution and output sizes.
 * `same` follows TensorFlow and ONNX SAME_UPPER: output = ceil(input / stride), and an odd total
 * puts the extra row or column at the bottom / right.
 */

export type Padding = 'valid' | 'same' | readonly [top: number, bottom: number, left: number, right: number];

/** Reads a `padding` attribute: 'valid' (default), 'same' or four non-negative integers. */
export function readPadding(r: AttrReader, name = 'padding', def: Padding = 'valid'): Padding {
  const v = r.any(name) ?? def;
  if (v === 'valid' || v === 'same') return v;
  if (Array.isArray(v) && v.length === 4 && v.every((p) => Number.isInteger(p) && p >= 0)) return [v[0], v[1], v[2], v[3]] as const;
  return r.fail(name, "'valid', 'same' or [top, bottom, left, right] of non-negative integers", v);
}

/** Extent of a dilated window. */
export function effectiveSize(k: number, dilation: number): number {
  return (k - 1) * dilation + 1;
}

/** Explicit [top, bottom, left, right] padding for an input size, window, stride and dilation. */
export function resolvePadding(padding: Padding, inH: number, inW: number, kh: number, kw: number, sh: number, sw: number, dh = 1, dw = 1): [number, number, number, number] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') {
    const th = Math.max((Math.ceil(inH / sh) - 1) * sh + effectiveSize(kh, dh) - inH, 0);
    const tw = Math.max((Math.ceil(inW / sw) - 1) * sw + effectiveSize(kw, dw) - inW, 0);
    return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  }
  return [padding[0], padding[1], padding[2], padding[3]];
}

/**
 * Output size along one axis. With `ceilMode` (ONNX pooling), a last partial window counts if it
 * starts inside the input or its left padding.
 */
export function outputSize(inSize: number, k: number, stride: number, dilation: number, padBegin: number, padEnd: number, ceilMode = false, what: string | (() => string) = 'window'): number {
  const span = inSize + padBegin + padEnd - effectiveSize(k, dilation);
  if (span < 0) {
    throw new TinyconvError('E_SHAPE', `${typeof what === 'function' ? what() : what} of extent ${effectiveSize(k, dilation)} does not fit an input of ${inSize} with padding ${padBegin}+${padEnd}`);
  }
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // A ceil-mode window must start inside the input or the begin padding (PyTorch / ONNX rule).
  if (ceilMode && (out - 1) * stride >= inSize + padBegin) out--;
  return out;
}
