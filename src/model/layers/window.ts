import { TinyconvError, check } from '../../core/errors.js';
import type { AttrReader } from '../../ops/attrs.js';
import { outputSize, resolvePadding } from '../../ops/conv-geometry.js';
import { formatShape, type Dim, type SymShape } from '../sym-shape.js';

/**
 * Config and shape helpers shared by the image layers (convolutions, pooling, padding, resizing):
 * Keras' data_format and padding keys, and output sizes that stay unknown where the input's are.
 */

/** Only channels_last (NHWC) is supported; channels_first is refused up front. */
export function readDataFormat(r: AttrReader, where: string): 'channels_last' {
  const v = r.any('data_format');
  if (v === undefined || v === null || v === 'channels_last') return 'channels_last';
  if (v === 'channels_first') {
    throw new TinyconvError('E_UNSUPPORTED', `${where}: data_format "channels_first" is not supported; tinyconv works on channels_last (NHWC) images`, { attr: 'data_format', value: v });
  }
  return r.fail('data_format', '"channels_last" (or "channels_first", which is not supported)', v);
}

/** Keras padding: "valid" or "same", in any letter case. */
export function readPaddingMode(r: AttrReader, def: 'valid' | 'same' = 'valid'): 'valid' | 'same' {
  const v = r.any('padding') ?? def;
  const p = typeof v === 'string' ? v.toLowerCase() : v;
  if (p === 'valid' || p === 'same') return p;
  return r.fail('padding', '"valid" or "same"', v);
}

/** Checks a 4-D NHWC input with a known channel count; returns [H, W, C]. */
export function imageDims(shape: SymShape, what = 'input'): [Dim, Dim, number] {
  check(shape.length === 4, 'E_SHAPE', () => `expects a 4D ${what} (batch, height, width, channels), got ${formatShape(shape)}`, { shape });
  const [, h, w, c] = shape;
  check(c !== null, 'E_SHAPE', () => `the channel dimension of the ${what} must be known, got ${formatShape(shape)}`, { shape });
  check(c! > 0 && h !== 0 && w !== 0, 'E_SHAPE', () => `the ${what} ${formatShape(shape)} has an empty dimension`, { shape });
  return [h!, w!, c!];
}

/** Height and width after sliding a window; unknown input sizes give unknown output sizes. */
export function windowOutput(shape: SymShape, kernel: readonly number[], strides: readonly number[], dilations: readonly number[], padding: 'valid' | 'same', what = 'window'): [Dim, Dim] {
  const [h, w] = imageDims(shape);
  const axis = (size: Dim, i: number, name: string): Dim => {
    if (size === null) return null;
    const [k, s, d] = [kernel[i]!, strides[i]!, dilations[i]!];
    const pads = i === 0 ? resolvePadding(padding, size, 1, k, 1, s, 1, d, 1) : resolvePadding(padding, 1, size, 1, k, 1, s, 1, d);
    const [b, e] = i === 0 ? [pads[0], pads[1]] : [pads[2], pads[3]];
    return outputSize(size, k, s, d, b, e, false, `the ${kernel.join('x')} ${what} (${name} of input ${formatShape(shape)}, padding ${padding}, dilation ${d})`);
  };
  return [axis(h, 0, 'height'), axis(w, 1, 'width')];
}
