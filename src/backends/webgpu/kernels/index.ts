import type { Kernel } from '../../../core/backend.js';
import { elementwiseKernels } from './elementwise.js';
import { reduceKernels } from './reduce.js';
import { matmulKernels } from './matmul.js';
import { convKernels } from './conv.js';
import { depthwiseKernels } from './depthwise.js';
import { poolKernels } from './pool.js';
import { normKernels } from './norm.js';
import { softmaxKernels } from './softmax.js';
import { movementKernels } from './movement.js';
import { padKernels } from './pad.js';
import { resizeKernels } from './resize.js';

/**
 * Every WebGPU kernel binding, by kernel name. Each family (src/backends/webgpu/kernels/<family>.ts,
 * with its shaders in kernels/<family>.wgsl) adds one spread line here.
 */
export const webgpuKernels: Record<string, Kernel> = {
  ...elementwiseKernels,
  ...reduceKernels,
  ...matmulKernels,
  ...convKernels,
  ...depthwiseKernels,
  ...poolKernels,
  ...normKernels,
  ...softmaxKernels,
  ...movementKernels,
  ...padKernels,
  ...resizeKernels,
};
