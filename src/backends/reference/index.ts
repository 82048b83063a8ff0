import { TinyconvError } from '../../core/errors.js';
import type { Backend, Kernel } from '../../core/backend.js';
import type { Shape } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { arr } from './storage.js';
import { elementwiseKernels } from './kernels/elementwise.js';
import { movementKernels } from './kernels/movement.js';
import { padKernels } from './kernels/pad.js';
import { resizeKernels } from './kernels/resize.js';
import { poolKernels } from './kernels/pool.js';
import { convKernels } from './kernels/conv.js';
import { biasKernels } from './kernels/bias.js';
import { matmulKernels } from './kernels/matmul.js';
import { softmaxKernels } from './kernels/softmax.js';
import { normalizationKernels } from './kernels/normalization.js';
import { dropoutKernels } from './kernels/dropout.js';

/** Every reference kernel, by name: the ground truth other backends are compared with. */
export const referenceKernels: Record<string, Kernel> = {
  ...elementwiseKernels,
  ...movementKernels,
  ...padKernels,
  ...resizeKernels,
  ...poolKernels,
  ...convKernels,
  ...biasKernels,
  ...matmulKernels,
  ...softmaxKernels,
  ...normalizationKernels,
  ...dropoutKernels,
};

/**
 * The reference backend: plain TypeScript over typed arrays, forward and backward for every op.
 * `float64` computes in double precision; the gradient checks use it for finite differences.
 */
export function createReferenceBackend(precision: 'float32' | 'float64' = 'float32'): Backend {
  const name = precision === 'float32' ? 'reference' : 'reference64';
  const backend: Backend = {
    name,
    kernels: referenceKernels,
    upload(data: Float32Array | Float64Array, shape: Shape) {
      if (data.length !== shape.reduce((a, d) => a * d, 1)) {
        throw new TinyconvError('E_SHAPE', `${name}: ${data.length} values do not fill shape [${shape.join(', ')}]`);
      }
      const copy = precision === 'float32' ? Float32Array.from(data) : Float64Array.from(data);
      return new Tensor(shape, backend, copy);
    },
    async read(t) {
      return backend.readSync(t);
    },
    readSync(t) {
      return Float32Array.from(arr(t));
    },
    release() {
      // Typed arrays are garbage-collected; dropping the handle (done by Tensor) is enough.
    },
  };
  return backend;
}
