import { defineOp } from '../core/op.js';
import { sizeOf } from '../core/shape.js';
import { AttrReader } from './attrs.js';
import { COORDINATE_TRANSFORMS, NEAREST_MODES, RESIZE_MODES, resizeShape, type ResizeAttrs } from './resize-geometry.js';

export type { ResizeAttrs } from './resize-geometry.js';

/**
 * Resizes the height and width of an NHWC tensor, following ONNX Resize (see resize-geometry.ts).
 * Keras UpSampling2D(size=k) is scale [k, k] with 'nearest' + 'asymmetric' + nearestMode 'floor',
 * or 'bilinear' + 'half_pixel' (TensorFlow's half-pixel-centers resize). Kernels: resize2d
 * (x, attrs) -> y; resize2d_grad (dy, attrs + {shape}) -> dx scatters dy back with the same weights.
 */
export const resize2d = defineOp<ResizeAttrs>({
  name: 'resize2d',
  inputs: ['x'],
  kernels: { forward: ['resize2d'], backward: ['resize2d_grad'] },
  attrs(raw) {
    const r = new AttrReader('resize2d', raw);
    const hasSize = r.any('size') !== undefined, hasScale = r.any('scale') !== undefined;
    if (hasSize && hasScale) r.fail('scale', 'absent when size is given (give exactly one of size and scale)');
    if (!hasSize && !hasScale) r.fail('size', 'given, or scale instead (exactly one of size and scale)');
    const size = hasSize ? (r.ints('size', 2, undefined, 1) as [number, number]) : undefined;
    const scale = hasScale ? readScale(r) : undefined;
    const mode = r.oneOf('mode', RESIZE_MODES, 'nearest');
    const coordinateTransform = r.oneOf('coordinateTransform', COORDINATE_TRANSFORMS, 'half_pixel');
    const nearestMode = r.oneOf('nearestMode', NEAREST_MODES, 'round_prefer_floor');
    r.done();
    return { ...(size ? { size } : { scale: scale! }), mode, coordinateTransform, nearestMode };
  },
  outputShape: ([x], attrs) => resizeShape(x!, attrs),
  cost: ([x], { mode }, y) => ({ flops: mode === 'bilinear' ? sizeOf(y) * 9 : 0, bytes: (sizeOf(x!) + sizeOf(y)) * 4 }),
  backward: (k, { dy, inputs, attrs }) => [k.run1('resize2d_grad', [dy], { ...attrs, shape: [...inputs[0]!.shape] })],
});

/** [sh, sw] of positive finite numbers; one number is used for both. */
function readScale(r: AttrReader): [number, number] {
  let v = r.any('scale');
  if (typeof v === 'number') v = [v, v];
  const ok = Array.isArray(v) && v.length === 2 && v.every((s) => typeof s === 'number' && Number.isFinite(s) && s > 0);
  if (!ok) r.fail('scale', '2 positive finite numbers [sh, sw] (or one number)', v);
  return [(v as number[])[0]!, (v as number[])[1]!];
}
