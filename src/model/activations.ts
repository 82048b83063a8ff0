import { TinyconvError } from '../core/errors.js';
import { runOp } from '../core/engine.js';
import { prepareAttrs } from '../core/op.js';
import type { Tensor } from '../core/tensor.js';
import type { Activation } from '../ops/activation-math.js';
import { getOp } from '../ops/registry.js';
import type { CallContext } from './context.js';

/**
 * Keras activation names and what they are in our op set. Everything but softmax is an element-wise
 * kind of the activation op (and so fuses into conv2d / dense); softmax is its own op.
 */
export interface LayerActivation {
  /** The Keras name as configured ("relu", "silu"...), written back unchanged. */
  readonly name: string;
  readonly kind: Activation | 'softmax';
  readonly alpha: number;
  readonly beta: number;
}

const KERAS_ACTIVATIONS: Record<string, Omit<LayerActivation, 'name'>> = {
  linear: { kind: 'linear', alpha: 0, beta: 0 },
  relu: { kind: 'relu', alpha: 0, beta: 0 },
  relu6: { kind: 'relu6', alpha: 0, beta: 0 },
  // keras.activations.leaky_relu defaults to a slope of 0.2 (the LeakyReLU layer to 0.3).
  leaky_relu: { kind: 'leaky_relu', alpha: 0.2, beta: 0 },
  elu: { kind: 'elu', alpha: 1, beta: 0 },
  sigmoid: { kind: 'sigmoid', alpha: 0, beta: 0 },
  // Keras 2 and TF.js: clip(0.2 x + 0.5, 0, 1). Keras 3 changed it (see keras-json.ts).
  hard_sigmoid: { kind: 'hard_sigmoid', alpha: 0.2, beta: 0.5 },
  tanh: { kind: 'tanh', alpha: 0, beta: 0 },
  swish: { kind: 'swish', alpha: 0, beta: 0 },
  silu: { kind: 'swish', alpha: 0, beta: 0 },
  hard_swish: { kind: 'hard_swish', alpha: 0, beta: 0 },
  hard_silu: { kind: 'hard_swish', alpha: 0, beta: 0 },
  softmax: { kind: 'softmax', alpha: 0, beta: 0 },
};

export const SUPPORTED_ACTIVATIONS: readonly string[] = Object.keys(KERAS_ACTIVATIONS);

export const LINEAR_ACTIVATION: LayerActivation = Object.freeze({ name: 'linear', ...KERAS_ACTIVATIONS.linear! });

/**
 * Reads an activation setting: a Keras name, null (linear), or a Keras 3 serialized function
 * ({class_name: "function", config: "relu"}). `where` names the layer for errors.
 */
export function readActivation(value: unknown, where: string, attr = 'activation'): LayerActivation {
  let name = value;
  if (name === null || name === undefined) name = 'linear';
  if (typeof name === 'object' && name !== null && typeof (name as { config?: unknown }).config === 'string') {
    name = (name as { config: string }).config;
  }
  if (typeof name !== 'string') {
    throw new TinyconvError('E_ATTR', `${where}: attribute ${attr} must be an activation name, got ${JSON.stringify(value)}`, { attr, value });
  }
  const def = KERAS_ACTIVATIONS[name];
  if (!def) {
    throw new TinyconvError('E_UNSUPPORTED', `${where}: activation "${name}" is not supported; supported: ${SUPPORTED_ACTIVATIONS.join(', ')}`, { attr, value: name });
  }
  return { name, ...def };
}

/** Attributes of an activation fused into conv2d / dense; linear when it cannot be fused (softmax). */
export function fusedActivation(a: LayerActivation): { activation: Activation; alpha: number; beta: number } {
  return a.kind === 'softmax' ? { activation: 'linear', alpha: 0, beta: 0 } : { activation: a.kind, alpha: a.alpha, beta: a.beta };
}

/** Softmax over the last axis, normalised once (made on first use: the op registry loads first). */
let softmaxLastAxis: Readonly<Record<string, unknown>> | undefined;

/** Applies what fusedActivation() left out: softmax over the last axis. */
export function finishActivation(y: Tensor, a: LayerActivation, ctx: CallContext): Tensor {
  if (a.kind !== 'softmax') return y;
  softmaxLastAxis ??= prepareAttrs(getOp('softmax'), { axis: -1 });
  const out = runOp('softmax', [y], softmaxLastAxis, ctx.backend, ctx.mode).y;
  ctx.release(y);
  return out;
}

/** Runs an activation as its own op (Activation, ReLU, LeakyReLU layers). */
export function applyActivation(x: Tensor, a: LayerActivation, ctx: CallContext, axis = -1): Tensor {
  if (a.kind === 'softmax') return runOp('softmax', [x], { axis }, ctx.backend, ctx.mode).y;
  return runOp('activation', [x], { kind: a.kind, alpha: a.alpha, beta: a.beta }, ctx.backend, ctx.mode).y;
}
