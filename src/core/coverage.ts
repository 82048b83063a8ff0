import { hasKernel, type Backend } from './backend.js';
import type { OpDef } from './op.js';

export interface OpCoverage {
  op: string;
  /** Every forward kernel is present: the op runs on this backend. */
  forward: boolean;
  /** Every backward kernel is present too: the op trains on this backend. */
  backward: boolean;
  missing: string[];
}

/**
 * Which ops a backend can run and train, read from its kernel table before anything runs
 * (the scheduler routes around the gaps; the conformance suite reports them).
 */
export function coverage(backend: Backend, ops: readonly OpDef[]): OpCoverage[] {
  return ops.map((op) => {
    const missingF = op.kernels.forward.filter((k) => !hasKernel(backend, k));
    const missingB = op.kernels.backward.filter((k) => !hasKernel(backend, k));
    return { op: op.name, forward: missingF.length === 0, backward: missingF.length + missingB.length === 0, missing: [...new Set([...missingF, ...missingB])] };
  });
}
