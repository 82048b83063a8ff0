import { defineOp } from '../core/op.js';
import { sizeOf } from '../core/shape.js';
import { AttrReader } from './attrs.js';

export interface DropoutAttrs {
  /** Fraction of elements zeroed in training, in [0, 1). */
  rate: number;
  /** Selects the mask; a training loop passes a new seed each step. */
  seed: number;
}

/** A copy of x: the linear activation. A fresh tensor, so disposing y never frees x. */
const IDENTITY = { kind: 'linear', alpha: 0, beta: 0 } as const;

/**
 * Inverted dropout: in training, y = x * mask with mask in {0, 1 / (1 - rate)} (so the expected
 * value of y is x and inference needs no rescaling); in inference, y = x. The mask is a pure
 * function of (seed, element index) through hashUniform, so every backend drops the same elements
 * and the same seed reproduces a step exactly.
 */
export const dropout = defineOp<DropoutAttrs>({
  name: 'dropout',
  inputs: ['x'],
  kernels: { forward: ['dropout_mask', 'mul', 'activation'], backward: ['mul'] },
  attrs(raw) {
    const r = new AttrReader('dropout', raw);
    const rate = r.num('rate', 0.5);
    if (rate < 0 || rate >= 1) r.fail('rate', 'a number in [0, 1) (1 would drop everything)', rate);
    const seed = r.int('seed', 0, 0, 0xffffffff);
    r.done();
    return { rate, seed };
  },
  outputShape: ([x]) => x!,
  // A training step: draw the mask, multiply (read x, write mask and y). Inference is a copy.
  cost: ([x]) => ({ flops: 2 * sizeOf(x!), bytes: 12 * sizeOf(x!) }),
  forward(k, [x], { rate, seed }, mode) {
    if (mode === 'infer' || rate === 0) return { y: k.run1('activation', [x!], IDENTITY) };
    const mask = k.run1('dropout_mask', [x!], { rate, seed });
    return { y: k.run1('mul', [x!, mask]), saved: [mask] };
  },
  backward: (k, { dy, saved }) => [saved[0] ? k.run1('mul', [dy, saved[0]]) : dy],
});
