import type { Mode } from '../../src/core/op.js';
import type { Shape } from '../../src/core/shape.js';

/** How a case's input values are drawn. */
export type Gen =
  | 'normal' // N(0, 1)
  | 'distinct' // a shuffled ramp: no ties, gaps >= 0.01 (max pooling, kinks)
  | 'positive' // uniform in [0.5, 1.5] (variances)
  | 'uniform01'; // uniform in [0, 1)

/**
 * One row of the conformance table. The same row drives the forward comparison on every backend,
 * the backward comparison, the finite-difference gradient check on the reference and the benches.
 */
export interface OpCase {
  op: string;
  /** What the case exercises, e.g. "3x3 stride 2 same padding, 7 channels". */
  name: string;
  /** Shapes of the tensor inputs, in the op's order; null omits an optional input. */
  inputs: readonly (Shape | null)[];
  attrs?: Record<string, unknown>;
  mode?: Mode;
  /** Value generator per input (or one for all); 'normal' by default. */
  gen?: Gen | readonly Gen[];
  /** Inputs whose gradients are checked; all present inputs by default. Empty: forward only. */
  grad?: readonly number[];
  /** Forward tolerance override (default rtol 1e-4). */
  rtol?: number;
}
