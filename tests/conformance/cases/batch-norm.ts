import type { Gen, OpCase } from '../case.js';

// Inputs: x, gamma?, beta?, mean, variance. Variances are drawn from 'positive'.
const GEN: readonly Gen[] = ['normal', 'normal', 'normal', 'normal', 'positive'];
// Gradients for x, gamma and beta (those present); the running statistics get none.
const bn = (name: string, x: number[], mode: 'infer' | 'train', opts: { gamma?: boolean; beta?: boolean; attrs?: Record<string, unknown> } = {}): OpCase => {
  const c = x[x.length - 1]!;
  const gamma = opts.gamma ?? true, beta = opts.beta ?? true;
  return {
    op: 'batch_norm',
    name: `${mode}: ${name}`,
    inputs: [x, gamma ? [c] : null, beta ? [c] : null, [c], [c]],
    gen: GEN,
    mode,
    grad: [0, ...(gamma ? [1] : []), ...(beta ? [2] : [])],
    ...(opts.attrs ? { attrs: opts.attrs } : {}),
  };
};

export const cases: OpCase[] = [
  bn('rank 2, 3 channels', [4, 3], 'infer'),
  bn('rank 4 NHWC, 7 channels', [2, 3, 2, 7], 'infer'),
  bn('batch 1, 1 channel', [1, 1], 'infer'),
  bn('batch 1 image, 3 channels', [1, 2, 2, 3], 'infer'),
  bn('no gamma', [3, 3], 'infer', { gamma: false }),
  bn('no beta, epsilon 1e-5', [3, 7], 'infer', { beta: false, attrs: { epsilon: 1e-5 } }),
  bn('rank 2, 3 channels', [5, 3], 'train'),
  bn('rank 4 NHWC, 7 channels', [2, 3, 2, 7], 'train'),
  bn('rank 4, 1 channel', [2, 2, 3, 1], 'train'),
  bn('no gamma, no beta', [6, 3], 'train', { gamma: false, beta: false }),
  bn('no beta, momentum 0.9', [4, 2, 2, 3], 'train', { beta: false, attrs: { momentum: 0.9 } }),
  bn('no gamma, epsilon 0.1', [3, 2, 7], 'train', { gamma: false, attrs: { epsilon: 0.1 } }),
];
