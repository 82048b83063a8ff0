import { check } from '../core/errors.js';
import { defineOp } from '../core/op.js';
import { shapeToString, sizeOf, type Shape } from '../core/shape.js';
import { AttrReader } from './attrs.js';

export interface FlattenAttrs {
  /** Dimensions before it form the rows, the rest the columns; negative counts from the end. */
  axis: number;
}

/**
 * The 2-D shape of a flattened tensor, as ONNX Flatten: [prod(d0..d(axis-1)), prod(d(axis)..)],
 * axis in [-rank, rank]. Keras Flatten is axis 1 (keep the batch, flatten the rest).
 */
export function flattenShape(x: Shape, axis: number): [number, number] {
  const r = x.length;
  check(axis >= -r && axis <= r, 'E_ATTR', () => `flatten: attribute axis ${axis} is out of range for input ${shapeToString(x)} (expected [${-r}, ${r}])`, { axis, shape: x });
  const a = axis < 0 ? axis + r : axis;
  return [sizeOf(x.slice(0, a)), sizeOf(x.slice(a))];
}

/**
 * Collapses a tensor to 2-D. Metadata only: forward and backward are the reshape kernel
 * (x, {shape}) -> y, which backends may implement by aliasing the data.
 */
export const flatten = defineOp<FlattenAttrs>({
  name: 'flatten',
  inputs: ['x'],
  kernels: { forward: ['reshape'], backward: ['reshape'] },
  attrs(raw) {
    const r = new AttrReader('flatten', raw);
    const axis = r.int('axis', 1);
    r.done();
    return { axis };
  },
  outputShape: ([x], { axis }) => flattenShape(x!, axis),
  // Metadata only: a backend that aliases the data moves nothing.
  cost: () => ({ flops: 0, bytes: 0 }),
  forward: (k, [x], { axis }) => ({ y: k.run1('reshape', [x!], { shape: flattenShape(x!.shape, axis) }) }),
  backward: (k, { dy, inputs }) => [k.run1('reshape', [dy], { shape: [...inputs[0]!.shape] })],
});
