import { defineOp } from '../core/op.js';
import { sizeOf } from '../core/shape.js';
import { AttrReader } from './attrs.js';
import { ACTIVATIONS, ACTIVATION_DEFAULT_ALPHA, type ActivationAttrs } from './activation-math.js';

/** Element-wise activation: y = f(x). Kernels: activation, activation_grad (dy, x, y) -> dx. */
export const activation = defineOp<ActivationAttrs>({
  name: 'activation',
  inputs: ['x'],
  kernels: { forward: ['activation'], backward: ['activation_grad'] },
  attrs(raw) {
    const r = new AttrReader('activation', raw);
    const kind = r.oneOf('kind', ACTIVATIONS, undefined);
    const alpha = r.num('alpha', ACTIVATION_DEFAULT_ALPHA[kind]);
    const beta = r.num('beta', kind === 'hard_sigmoid' ? 0.5 : 0);
    r.done();
    return { kind, alpha, beta };
  },
  outputShape: ([x]) => x!,
  cost: ([x]) => ({ flops: sizeOf(x!) * 4, bytes: sizeOf(x!) * 8 }),
  backward: (k, { dy, inputs, y, attrs }) => [k.run1('activation_grad', [dy, inputs[0]!, y], attrs)],
});
