import { TinyconvError, check } from '../core/errors.js';
import { defineOp } from '../core/op.js';
import { shapeToString, sizeOf, type Shape } from '../core/shape.js';
import { AttrReader } from './attrs.js';

export interface ReshapeAttrs {
  /** The full target shape, batch included; -1 (at most once) is inferred, 0 copies the input's dim. */
  shape: number[];
}

/**
 * Resolves a target shape against an input shape as ONNX Reshape (allowzero = 0) does: a 0 copies
 * the input's dimension at the same position and a single -1 takes whatever size is left.
 */
export function resolveReshape(x: Shape, target: readonly number[]): number[] {
  const out = target.map((d, i) => {
    if (d !== 0) return d;
    check(i < x.length, 'E_SHAPE', () => `reshape: target ${shapeToString(target)} has 0 at position ${i}, but input ${shapeToString(x)} has no dimension ${i} to copy`, { input: x, target });
    return x[i]!;
  });
  const n = sizeOf(x);
  const free = out.indexOf(-1);
  if (free >= 0) {
    const known = sizeOf(out.filter((_, i) => i !== free));
    if (known === 0 || n % known !== 0) {
      throw new TinyconvError('E_SHAPE', `reshape: cannot infer the -1 in target ${shapeToString(target)} for input ${shapeToString(x)} (${n} elements; the other dimensions hold ${known})`, { input: x, target });
    }
    out[free] = n / known;
  }
  check(sizeOf(out) === n, 'E_SHAPE', () => `reshape: input ${shapeToString(x)} has ${n} elements, target ${shapeToString(target)} resolves to ${shapeToString(out)} with ${sizeOf(out)}`, { input: x, target });
  return out;
}

/**
 * Gives a tensor a new shape with the same elements in the same (row-major) order. Metadata only:
 * forward and backward are the reshape kernel (x, {shape}) -> y with the shape resolved.
 */
export const reshape = defineOp<ReshapeAttrs>({
  name: 'reshape',
  inputs: ['x'],
  kernels: { forward: ['reshape'], backward: ['reshape'] },
  attrs(raw) {
    const r = new AttrReader('reshape', raw);
    const shape = r.intList('shape', undefined, -1);
    if (shape.filter((d) => d === -1).length > 1) r.fail('shape', 'a list with at most one -1', shape);
    r.done();
    return { shape };
  },
  outputShape: ([x], { shape }) => resolveReshape(x!, shape),
  // Metadata only: a backend that aliases the data moves nothing.
  cost: () => ({ flops: 0, bytes: 0 }),
  forward: (k, [x], { shape }) => ({ y: k.run1('reshape', [x!], { shape: resolveReshape(x!.shape, shape) }) }),
  backward: (k, { dy, inputs }) => [k.run1('reshape', [dy], { shape: [...inputs[0]!.shape] })],
});
