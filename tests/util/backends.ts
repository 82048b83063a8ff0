import { hasKernel, type Backend } from '../../src/core/backend.js';
import { getOp } from '../../src/ops/registry.js';
import { hostBackendOf } from '../../src/core/tensor.js';

/**
 * The backends every table-driven suite runs on. Adding a backend to the project means adding
 * it here and nothing else: the conformance, gradient and ONNX-data suites pick it up.
 */
export function testBackends(): Backend[] {
  return [hostBackendOf()];
}

/** Whether `b` has every kernel an op needs, forward only or forward and backward. */
export function supports(b: Backend, op: string, pass: 'forward' | 'backward'): boolean {
  const def = getOp(op);
  const needed = pass === 'forward' ? def.kernels.forward : [...def.kernels.forward, ...def.kernels.backward];
  return needed.every((k) => hasKernel(b, k));
}
