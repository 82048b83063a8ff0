import { check } from '../core/errors.js';
import { defineOp, type KernelRunner } from '../core/op.js';
import { shapeToString, sizeOf, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { AttrReader } from './attrs.js';
import { ACTIVATIONS, ACTIVATION_DEFAULT_ALPHA, type Activation, type ActivationAttrs } from './activation-math.js';
import { view } from './matmul.js';

export interface DenseAttrs {
  activation: Activation;
  alpha: number;
  beta: number;
}

/** The dense kernel's attributes: the fused activation (x, w, b? are its inputs). */
export type DenseKernelAttrs = DenseAttrs;

const NO_TRANSPOSE = { transposeA: false, transposeB: false } as const;

function checkDense([x, w, b]: readonly (Shape | undefined)[]): { k: number; m: number } {
  check(x!.length >= 2, 'E_SHAPE', () => `dense: x must have rank >= 2 ([batch, ..., K]), got ${shapeToString(x!)}`, { x });
  check(w!.length === 2, 'E_SHAPE', () => `dense: w must be [K, M], got ${shapeToString(w!)}`, { w });
  const [k, m] = w as [number, number];
  check(x![x!.length - 1] === k, 'E_SHAPE', () => `dense: the last dimension of x ${shapeToString(x!)} must equal K = ${k} of w ${shapeToString(w!)}`, { x, w });
  if (b) check(b.length === 1 && b[0] === m, 'E_SHAPE', () => `dense: b must be [${m}] (the units of w ${shapeToString(w!)}), got ${shapeToString(b)}`, { w, b });
  return { k, m };
}

const activationAttrs = (a: DenseAttrs): ActivationAttrs => ({ kind: a.activation, alpha: a.alpha, beta: a.beta });

/**
 * x @ w (+ b): the pre-activation, from the separate kernels. Training saves it; a backward pass
 * after an inference forward recomputes it the same way, so both tapes give the same gradient.
 */
function preActivation(k: KernelRunner, x: Tensor, w: Tensor, b: Tensor | undefined): Tensor {
  const z = k.run1('matmul', [x, w], NO_TRANSPOSE);
  if (!b) return z;
  const zb = k.run1('bias_add', [z, b]);
  z.dispose();
  return zb;
}

/**
 * Fully connected layer: y = activation(x @ w + b), x [..., K], w [K, M] (the Keras kernel
 * layout), b [M]. Leading dimensions of x are batch dimensions.
 *
 * Whenever the pre-activation is not needed (inference, or a linear activation) one kernel runs:
 *   dense (x, w, b?) -> y [..., M], bias and activation fused (attributes activation, alpha, beta).
 * The activation's gradient needs the pre-activation: training runs matmul and bias_add, keeps
 * their result and applies the activation apart; a backward pass after an inference forward
 * recomputes it, so inference never holds an extra tensor per layer.
 */
export const dense = defineOp<DenseAttrs>({
  name: 'dense',
  inputs: ['x', 'w', 'b?'],
  params: ['w', 'b'],
  kernels: { forward: ['dense', 'matmul', 'bias_add', 'activation'], backward: ['matmul', 'bias_add', 'reshape', 'bias_grad', 'activation_grad'] },
  attrs(raw) {
    const r = new AttrReader('dense', raw);
    const activation = r.oneOf('activation', ACTIVATIONS, 'linear');
    const alpha = r.num('alpha', ACTIVATION_DEFAULT_ALPHA[activation]);
    const beta = r.num('beta', activation === 'hard_sigmoid' ? 0.5 : 0);
    r.done();
    return { activation, alpha, beta };
  },
  outputShape(inputs) {
    const { m } = checkDense(inputs);
    return [...inputs[0]!.slice(0, -1), m];
  },
  cost(inputs, attrs, y) {
    const { k } = checkDense(inputs);
    const [x, w, b] = inputs;
    const out = sizeOf(y);
    const flops = 2 * out * k + (b ? out : 0) + (attrs.activation === 'linear' ? 0 : 4 * out);
    return { flops, bytes: 4 * (sizeOf(x!) + sizeOf(w!) + (b ? sizeOf(b) : 0) + out) };
  },
  forward(k, [x, w, b], attrs, mode) {
    if (mode === 'infer' || attrs.activation === 'linear') {
      const fused: DenseKernelAttrs = { activation: attrs.activation, alpha: attrs.alpha, beta: attrs.beta };
      return { y: k.run1('dense', b ? [x!, w!, b] : [x!, w!], fused) };
    }
    const z = preActivation(k, x!, w!, b);
    return { y: k.run1('activation', [z], activationAttrs(attrs)), saved: [z] };
  },
  backward(k, { dy, inputs, y, saved, attrs, needs }) {
    const [x, w, b] = inputs as [Tensor, Tensor, Tensor | undefined];
    let dz = dy;
    if (attrs.activation !== 'linear') {
      const z = saved[0] ?? preActivation(k, x, w, b);
      dz = k.run1('activation_grad', [dy, z, y], activationAttrs(attrs));
      if (z !== saved[0]) z.dispose();
    }
    const [kIn, units] = w.shape as [number, number];
    // dw = x^T dz with every leading dimension of x folded into the rows: one [K, M] product.
    const rows = sizeOf(x.shape.slice(0, -1));
    return [
      needs[0] ? k.run1('matmul', [dz, w], { transposeA: false, transposeB: true }) : null,
      needs[1] ? k.run1('matmul', [view(k, x, [rows, kIn]), view(k, dz, [rows, units])], { transposeA: true, transposeB: false }) : null,
      b && needs[2] ? k.run1('bias_grad', [dz]) : null,
    ];
  },
});
