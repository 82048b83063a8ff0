import { defineOp } from '../core/op.js';
import { sizeOf } from '../core/shape.js';
import { AttrReader } from './attrs.js';
import { PAD_MODES, padShape, type PadMode } from './pad-geometry.js';

export interface PadAttrs {
  /** [begin_0..begin_{r-1}, end_0..end_{r-1}] (ONNX order); negative values crop. */
  pads: number[];
  mode: PadMode;
  /** The fill of 'constant' mode. */
  value: number;
}

/**
 * Pads (or crops) every axis: 'constant' fills with `value`, 'reflect' mirrors without repeating
 * the border element (pad < size), 'edge' repeats it. Kernels: pad (x, attrs) -> y; pad_grad
 * (dy, {pads, mode, shape}) -> dx sums each output cell into the input cell it was read from.
 */
export const pad = defineOp<PadAttrs>({
  name: 'pad',
  inputs: ['x'],
  kernels: { forward: ['pad'], backward: ['pad_grad'] },
  attrs(raw) {
    const r: AttrReader = new AttrReader('pad', raw);
    const pads = r.intList('pads', undefined);
    if (pads.length % 2 !== 0) r.fail('pads', 'an even number of integers [begin_0..begin_{r-1}, end_0..end_{r-1}]', pads);
    const mode = r.oneOf('mode', PAD_MODES, 'constant');
    // Infinite fills are allowed (-Infinity before a max, as PyTorch permits); NaN is not.
    const value: unknown = r.any('value') ?? 0;
    if (typeof value !== 'number' || Number.isNaN(value)) r.fail('value', 'a number (not NaN)', value);
    if (mode !== 'constant' && value !== 0) r.fail('value', `0 in mode '${mode}' (the fill value applies to mode 'constant' only)`, value);
    r.done();
    return { pads, mode, value };
  },
  outputShape: ([x], { pads, mode }) => padShape(x!, pads, mode),
  cost: ([x], _, y) => ({ flops: 0, bytes: (sizeOf(x!) + sizeOf(y)) * 4 }),
  backward: (k, { dy, inputs, attrs }) => [k.run1('pad_grad', [dy], { pads: attrs.pads, mode: attrs.mode, shape: [...inputs[0]!.shape] })],
});
