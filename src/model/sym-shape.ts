import { check } from '../core/errors.js';
import type { Shape } from '../core/shape.js';

/**
 * Shapes as a model sees them before it runs: the batch dimension (and, for fully convolutional
 * models, height and width) may be unknown, written null as Keras writes None.
 */
export type Dim = number | null;
export type SymShape = readonly Dim[];

/** Keras notation: (None, 28, 28, 1); a one-element shape keeps Python's trailing comma. */
export function formatShape(s: SymShape): string {
  const dims = s.map((d) => (d === null ? 'None' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

/** Whether a concrete shape fits a symbolic one (same rank, equal wherever the latter is known). */
export function fitsShape(actual: Shape, expected: SymShape): boolean {
  return actual.length === expected.length && expected.every((d, i) => d === null || d === actual[i]);
}

/** The symbolic shape of a concrete tensor inside a model: the batch dimension becomes unknown. */
export function batchless(shape: Shape): Dim[] {
  return shape.map((d, i) => (i === 0 ? null : d));
}

/** Number of elements of the non-batch dimensions; null when one of them is unknown. */
export function featureSize(s: SymShape): number | null {
  let n = 1;
  for (const d of s.slice(1)) {
    if (d === null) return null;
    n *= d;
  }
  return n;
}

/**
 * Reads a user-given shape: an array of positive integers or null. `batch` says whether the
 * first entry is the batch dimension (batch_input_shape) or not (input_shape, target_shape).
 */
export function readSymShape(v: unknown, what: string): Dim[] {
  check(
    Array.isArray(v) && v.every((d) => d === null || (Number.isInteger(d) && (d as number) > 0)),
    'E_ATTR',
    () => `${what} must be a list of positive integers or null, got ${JSON.stringify(v)}`,
    { value: v },
  );
  return [...(v as Dim[])];
}

/** Applies f to a dimension when it is known. */
export function mapDim(d: Dim, f: (n: number) => number): Dim {
  return d === null ? null : f(d);
}

/** The batch dimension of a shape (null when unknown). */
export function batchOf(s: SymShape): Dim {
  return s[0] ?? null;
}

/** Same rank, and equal wherever both dimensions are known. */
export function compatibleShapes(a: SymShape, b: SymShape): boolean {
  return a.length === b.length && a.every((d, i) => d === null || b[i] === null || d === b[i]);
}
