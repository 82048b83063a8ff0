import type { Kernel } from '../../../core/backend.js';
import { elementwiseKernels } from './elementwise.js';
import { poolKernels } from './pool.js';
import { normKernels } from './norm.js';
import { softmaxKernels } from './softmax.js';
import { movementKernels } from './movement.js';
import { padKernels } from './pad.js';
import { resizeKernels } from './resize.js';
import { matmulKernels } from './matmul.js';
import { convKernels } from './conv.js';

/**
 * Every wasm kernel binding, by kernel name. Each family (src/backends/wasm/kernels/<family>.ts)
 * adds one spread line here.
 */
export const wasmKernels: Record<string, Kernel> = {
  ...elementwiseKernels,
  ...poolKernels,
  ...normKernels,
  ...softmaxKernels,
  ...movementKernels,
  ...padKernels,
  ...resizeKernels,
  ...matmulKernels,
  ...convKernels,
};
