import { TinyconvError, check } from './errors.js';

export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeToString(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  // A plain loop: this runs several times per layer call.
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A valid shape: an array of non-negative integers. `what` names the value in the error. */
export function checkShape(shape: unknown, what = 'shape'): asserts shape is number[] {
  check(Array.isArray(shape), 'E_SHAPE', () => `${what} must be an array of integers, got ${String(shape)}`);
  for (const d of shape as unknown[]) {
    check(Number.isInteger(d) && (d as number) >= 0, 'E_SHAPE', () => `${what} ${shapeToString(shape as number[])} has a dimension that is not a non-negative integer`);
  }
}

/** Row-major strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Normalizes a possibly negative axis into [0, rank). */
export function normAxis(axis: number, rank: number, what = 'axis'): number {
  check(Number.isInteger(axis) && axis >= -rank && axis < rank, 'E_ATTR', () => `${what} ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/** NumPy broadcasting of two shapes. */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new TinyconvError('E_SHAPE', `shapes ${shapeToString(a)} and ${shapeToString(b)} cannot be broadcast together`, { a, b });
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}
