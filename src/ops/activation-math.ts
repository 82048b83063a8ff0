/**
 * The element-wise activations, as scalar functions and their derivatives. One place defines
 * them; the reference kernels call these, and other backends are tested against them.
 */
export const ACTIVATIONS = [
  'linear', 'relu', 'relu6', 'leaky_relu', 'elu', 'sigmoid', 'hard_sigmoid', 'tanh', 'swish', 'hard_swish',
] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export interface ActivationAttrs {
  kind: Activation;
  /** leaky_relu slope (Keras LeakyReLU default 0.3), elu scale (1), hard_sigmoid slope (0.2). */
  alpha: number;
  /** hard_sigmoid offset (0.5). */
  beta: number;
}

export const ACTIVATION_DEFAULT_ALPHA: Record<Activation, number> = {
  linear: 0, relu: 0, relu6: 0, leaky_relu: 0.3, elu: 1, sigmoid: 0, hard_sigmoid: 0.2, tanh: 0, swish: 0, hard_swish: 0,
};

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export function activate(kind: Activation, x: number, alpha: number, beta: number): number {
  switch (kind) {
    case 'linear': return x;
    case 'relu': return x > 0 ? x : 0;
    case 'relu6': return x > 0 ? (x < 6 ? x : 6) : 0;
    case 'leaky_relu': return x > 0 ? x : alpha * x;
    case 'elu': return x > 0 ? x : alpha * Math.expm1(x);
    case 'sigmoid': return sigmoid(x);
    case 'hard_sigmoid': return Math.min(1, Math.max(0, alpha * x + beta));
    case 'tanh': return Math.tanh(x);
    case 'swish': return x * sigmoid(x);
    case 'hard_swish': return (x * Math.min(6, Math.max(0, x + 3))) / 6;
  }
}

/** d activation / dx at input x with output y. Kinks take the derivative from the left-closed side. */
export function activateGrad(kind: Activation, x: number, y: number, alpha: number, beta: number): number {
  switch (kind) {
    case 'linear': return 1;
    case 'relu': return x > 0 ? 1 : 0;
    case 'relu6': return x > 0 && x < 6 ? 1 : 0;
    case 'leaky_relu': return x > 0 ? 1 : alpha;
    case 'elu': return x > 0 ? 1 : y + alpha;
    case 'sigmoid': return y * (1 - y);
    case 'hard_sigmoid': { const z = alpha * x + beta; return z > 0 && z < 1 ? alpha : 0; }
    case 'tanh': return 1 - y * y;
    case 'swish': { const s = sigmoid(x); return s + x * s * (1 - s); }
    case 'hard_swish': return x < -3 ? 0 : x > 3 ? 1 : (2 * x + 3) / 6;
  }
}
