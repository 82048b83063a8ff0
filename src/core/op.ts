import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';

/** Whether an op runs for inference or in a training step (batch norm, dropout differ). */
export type Mode = 'infer' | 'train';

/** Runs kernels by name on the backend the op was dispatched to. */
export interface KernelRunner {
  readonly backend: string;
  run(kernel: string, inputs: readonly Tensor[], attrs?: unknown): Tensor[];
  /** Runs a kernel that has exactly one output. */
  run1(kernel: string, inputs: readonly Tensor[], attrs?: unknown): Tensor;
}

/** What a forward pass hands to the backward pass and to the caller. */
export interface ForwardResult {
  y: Tensor;
  /** Tensors the gradient rule needs beyond the inputs and y (argmax switches, masks, batch stats). */
  saved?: Tensor[];
  /** New values for stateful inputs, by input name (batch norm's running statistics in training). */
  state?: Record<string, Tensor>;
}

export interface BackwardArgs<A> {
  dy: Tensor;
  inputs: readonly (Tensor | undefined)[];
  y: Tensor;
  saved: readonly Tensor[];
  attrs: A;
  mode: Mode;
  /** Which inputs need a gradient; the rule may return null for the others. */
  needs: readonly boolean[];
}

export interface Cost {
  /** Floating-point operations (a multiply-add counts 2). */
  flops: number;
  /** Bytes read and written, assuming each input, parameter and output moves once. */
  bytes: number;
}

/**
 * The definition of an op, written once and shared by every backend. Tensor inputs are listed by
 * name; a trailing `?` marks an optional one (bias), and `variadic` ops (concat) take any number.
 */
export interface OpDef<A = any> {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly variadic?: boolean;
  /** Names of the inputs that are parameters (weights) rather than data, for layers and the format. */
  readonly params?: readonly string[];
  /** Fills defaults and validates; throws E_ATTR naming the attribute. Idempotent on its own output. */
  attrs(raw: Readonly<Record<string, unknown>>): A;
  /** Output shape from input shapes; throws E_SHAPE naming the shapes. */
  outputShape(inputs: readonly (Shape | undefined)[], attrs: A): Shape;
  /** Shapes of the parameter inputs for a data input shape (for layers that create weights). */
  paramShapes?(x: Shape, attrs: A): Record<string, Shape>;
  cost(inputs: readonly (Shape | undefined)[], attrs: A, y: Shape): Cost;
  /** Forward in terms of kernels; by default the kernel named like the op. */
  forward?(k: KernelRunner, inputs: readonly (Tensor | undefined)[], attrs: A, mode: Mode): ForwardResult;
  /** Gradient rule in terms of kernels: one gradient (or null) per input. Absent: not differentiable. */
  backward?(k: KernelRunner, args: BackwardArgs<A>): (Tensor | null)[];
  /** Kernel names this op uses, forward and backward, so a backend's coverage can be checked up front. */
  readonly kernels: { forward: readonly string[]; backward: readonly string[] };
}

/** Attribute objects prepareAttrs() normalised and froze, with the op they belong to. */
const prepared = new WeakMap<object, OpDef>();

/**
 * Op files declare `export const conv2d = defineOp({...})`. attrs() hands back, unread, what
 * prepareAttrs() made for this op: it is frozen, and attrs() is idempotent on its own output.
 */
export function defineOp<A>(def: OpDef<A>): OpDef<A> {
  const op: OpDef<A> = {
    ...def,
    attrs: (raw) => (prepared.get(raw) === op ? (raw as A) : def.attrs(raw)),
  };
  return op;
}

/**
 * Normalises attributes once for calls that repeat them (a layer's op attributes come from its
 * fixed config): every later runOp with the result skips reading and validating them again.
 */
export function prepareAttrs(op: OpDef, raw: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const a = deepFreeze(op.attrs(raw));
  prepared.set(a, op);
  return a;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
