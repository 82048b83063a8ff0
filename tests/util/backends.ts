import type { Backend } from '../../src/core/backend.js';
import { hostBackendOf } from '../../src/core/tensor.js';

/**
 * The backends every table-driven suite runs on. Adding a backend to the project means adding
 * it here and nothing else: the conformance, gradient and ONNX-data suites pick it up.
 */
export function testBackends(): Backend[] {
  return [hostBackendOf()];
}
