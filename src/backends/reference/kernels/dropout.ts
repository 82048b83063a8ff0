import type { Kernel } from '../../../core/backend.js';
import { hashUniform } from '../../../core/random.js';
import { alloc, arr, wrap } from '../storage.js';

export const dropoutKernels: Record<string, Kernel> = {
  /**
   * The dropout mask for a tensor shaped like x: element i is kept (1 / (1 - rate)) when
   * hashUniform(seed, i) >= rate, else dropped (0). Counter-based, so every backend agrees.
   */
  dropout_mask: ([x], { rate, seed }: { rate: number; seed: number }, be) => {
    const out = alloc(arr(x!), x!.size);
    const keep = 1 / (1 - rate);
    for (let i = 0; i < out.length; i++) out[i] = hashUniform(seed, i) >= rate ? keep : 0;
    return [wrap(be, out, x!.shape)];
  },
};
