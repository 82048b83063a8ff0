import { TinyconvError, check, withContext } from '../core/errors.js';
import { prepareAttrs, type Mode } from '../core/op.js';
import { shapeToString, shapesEqual } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { AttrReader } from '../ops/attrs.js';
import { getOp } from '../ops/registry.js';
import { callContext, type CallContext } from './context.js';
import { snakeCase, uniqueName } from './naming.js';
import { batchless, formatShape, readSymShape, type Dim, type SymShape } from './sym-shape.js';
import { LayerVariable, type VariableOwner, type WeightSpec } from './variable.js';

/** Config keys every layer accepts (Keras base layer arguments). */
export interface BaseLayerConfig {
  name?: string;
  trainable?: boolean;
  /** Accepted for compatibility; tinyconv computes in float32. */
  dtype?: unknown;
  /** Shape of one sample (no batch dimension); gives a Sequential model its input. */
  input_shape?: readonly Dim[];
  /** Shape with the batch dimension first (Keras 2 writes this). */
  batch_input_shape?: readonly Dim[];
  batch_size?: number | null;
}

const COMMON_KEYS = ['name', 'trainable', 'dtype', 'input_shape', 'batch_input_shape', 'batch_size', 'input_dtype', 'autocast'] as const;

/**
 * A tensor of a model under construction: its shape and how it is computed (the layer that
 * produces it from its inputs). Created by Input() and by layer.apply() on symbolic tensors.
 */
export class SymbolicTensor {
  static #next = 0;
  /** Creation order, which is always a topological order of the graph. */
  readonly id = SymbolicTensor.#next++;
  readonly shape: SymShape;

  constructor(
    shape: SymShape,
    readonly layer: Layer,
    readonly inputs: readonly SymbolicTensor[],
  ) {
    this.shape = Object.freeze([...shape]);
  }

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `SymbolicTensor(${this.layer.name}, ${formatShape(this.shape)})`;
  }
}

/** What a layer's shape inference returns: its output shape and the weights it needs. */
export interface Inferred {
  output: SymShape;
  weights?: WeightSpec[];
}

/**
 * A layer: Keras name, class and config; shape inference that declares its weights; a forward pass
 * in terms of ops. One instance is one node of a graph (layers are not shared between nodes).
 */
export abstract class Layer implements VariableOwner {
  readonly name: string;
  readonly className: string;
  trainable: boolean;
  /** Input shape from the config (input_shape / batch_input_shape), batch first; null if none. */
  readonly batchInputShape: Dim[] | null;
  /** How many inputs: 'one', or 'many' (two or more) for merge layers. */
  readonly arity: 'one' | 'many' = 'one';
  /** Whether the output may share storage with the first input (reshapes, pass-throughs). */
  readonly mayAliasInput: boolean = false;
  /**
   * Config entries with no effect on what this library computes (regularizers, constraints),
   * kept so an exported config says what the imported one said.
   */
  protected readonly passthrough: Record<string, unknown> = {};
  #variables: LayerVariable[] = [];
  #inputShapes: SymShape[] | null = null;
  #outputShape: SymShape | null = null;
  #applied = false;
  #opAttrs = new Map<string, Readonly<Record<string, unknown>>>();
  #lastExpected: { inputs: readonly (readonly number[])[]; output: readonly number[] | null } | null = null;

  protected constructor(className: string, config: BaseLayerConfig) {
    this.className = className;
    check(config !== null && typeof config === 'object' && !Array.isArray(config), 'E_ARG', () => `${className}: the config must be an object, got ${JSON.stringify(config)}`);
    const name = config.name ?? uniqueName(snakeCase(className));
    check(typeof name === 'string' && name.length > 0, 'E_ATTR', () => `${className}: attribute name must be a non-empty string, got ${JSON.stringify(name)}`);
    // "/" separates layer and weight names, ":" marks output indices in graph inbound lists.
    check(!/[/:]/.test(name), 'E_ATTR', () => `${className}: layer name "${name}" must not contain "/" or ":"`);
    this.name = name;
    const r = new AttrReader(this.where, config as Record<string, unknown>);
    this.trainable = r.bool('trainable', true);
    this.batchInputShape = readBatchInputShape(config, this.where);
  }

  /** "layer conv2d (Conv2D)": how errors name this layer. */
  get where(): string {
    return `layer ${this.name} (${this.className})`;
  }

  /**
   * A reader of this layer's config that already knows the common keys; `passthrough` names keys
   * kept for export only. Call done() after reading the layer's own keys.
   */
  protected configReader(config: object, passthrough: readonly string[] = []): AttrReader {
    const raw = config as Record<string, unknown>;
    const r = new AttrReader(this.where, raw);
    for (const k of COMMON_KEYS) r.any(k);
    for (const k of passthrough) {
      const v = r.any(k);
      if (v !== undefined && v !== null) this.passthrough[k] = v;
    }
    return r;
  }

  get built(): boolean {
    return this.#inputShapes !== null;
  }

  get inputShapes(): SymShape[] {
    check(this.#inputShapes, 'E_GRAPH', () => `${this.where} is not built yet: apply it to an input first`);
    return this.#inputShapes;
  }

  get outputShape(): SymShape {
    check(this.#outputShape, 'E_GRAPH', () => `${this.where} is not built yet: apply it to an input first`);
    return this.#outputShape;
  }

  /** Weights in declaration order (Keras order: kernel before bias, gamma, beta, moving stats). */
  get weights(): LayerVariable[] {
    return [...this.#variables];
  }

  get trainableWeights(): LayerVariable[] {
    return this.#variables.filter((v) => v.trainable);
  }

  get nonTrainableWeights(): LayerVariable[] {
    return this.#variables.filter((v) => !v.trainable);
  }

  countParams(): number {
    return this.#variables.reduce((n, v) => n + v.size, 0);
  }

  /** A weight by its Keras name ("kernel"). */
  getWeight(name: string): LayerVariable {
    const v = this.#variables.find((w) => w.weightName === name);
    if (!v) {
      throw new TinyconvError('E_ARG', `${this.where} has no weight "${name}"; weights: ${this.#variables.map((w) => w.weightName).join(', ') || 'none'}`);
    }
    return v;
  }

  /** Output shape for these input shapes, validated, without building. */
  computeOutputShape(inputShapes: readonly SymShape[]): SymShape {
    return this.inferChecked(inputShapes).output;
  }

  /**
   * Builds the layer for these input shapes: checks them and declares the weights. A built layer
   * accepts other shapes only when they need the same weights (a conv on another image size).
   */
  build(inputShapes: readonly SymShape[]): SymShape {
    const inf = this.inferChecked(inputShapes);
    const specs = inf.weights ?? [];
    if (this.built) {
      const same = specs.length === this.#variables.length && specs.every((s, i) => s.name === this.#variables[i]!.weightName && shapesEqual(s.shape, this.#variables[i]!.shape));
      if (!same) {
        throw new TinyconvError(
          'E_SHAPE',
          `${this.where} was built for input ${this.#inputShapes!.map(formatShape).join(', ')}; input ${inputShapes.map(formatShape).join(', ')} needs other weights (${describeSpecs(specs)} instead of ${describeSpecs(this.#variables.map((v) => v.spec))})`,
          { layer: this.name, built: this.#inputShapes, got: inputShapes },
        );
      }
      return inf.output;
    }
    this.#variables = specs.map((s) => new LayerVariable(this, s));
    this.#inputShapes = inputShapes.map((s) => Object.freeze([...s]));
    this.#outputShape = Object.freeze([...inf.output]);
    return inf.output;
  }

  private inferChecked(inputShapes: readonly SymShape[]): Inferred {
    return withContext(this.where, () => {
      if (this.arity === 'one') {
        check(inputShapes.length === 1, 'E_ARG', () => `takes one input, got ${inputShapes.length}`);
      } else {
        check(inputShapes.length >= 2, 'E_ARG', () => `takes a list of at least 2 inputs, got ${inputShapes.length}`);
      }
      for (const s of inputShapes) check(s.length >= 1, 'E_SHAPE', () => `inputs need a batch dimension, got ${formatShape(s)}`);
      return this.infer(inputShapes);
    });
  }

  /** Connects this layer to symbolic inputs (building a model), or runs it on tensors (eagerly, inference by default). */
  apply(x: SymbolicTensor | readonly SymbolicTensor[]): SymbolicTensor;
  apply(x: Tensor | readonly Tensor[], opts?: { mode?: Mode }): Tensor;
  apply(x: SymbolicTensor | Tensor | readonly (SymbolicTensor | Tensor)[], opts: { mode?: Mode } = {}): SymbolicTensor | Tensor {
    const xs = Array.isArray(x) ? [...x] : [x];
    check(xs.length > 0, 'E_ARG', () => `${this.where}: apply() needs at least one input`);
    if (xs.every((t) => t instanceof SymbolicTensor)) return this.applySymbolic(xs as SymbolicTensor[]);
    if (xs.every((t) => t instanceof Tensor)) {
      const ts = xs as Tensor[];
      this.build(ts.map((t) => batchless(t.shape)));
      return this.call(ts, callContext(ts[0]!.backend, opts.mode ?? 'infer', false));
    }
    throw new TinyconvError('E_ARG', `${this.where}: apply() takes symbolic tensors (from Input() or other layers) or Tensors, not a mix or ${typeof xs[0]}`);
  }

  protected applySymbolic(xs: SymbolicTensor[]): SymbolicTensor {
    if (this.#applied) {
      throw new TinyconvError(
        'E_UNSUPPORTED',
        `${this.where} is already part of a graph; shared layers (one layer applied at several places) are not supported: create another layer, or copy its weights`,
        { layer: this.name },
      );
    }
    const out = this.build(xs.map((t) => t.shape));
    this.#applied = true;
    return new SymbolicTensor(out, this, xs);
  }

  /** The forward pass on tensors, with errors naming this layer. The layer must be built. */
  call(inputs: readonly Tensor[], ctx: CallContext): Tensor {
    check(this.built, 'E_GRAPH', () => `${this.where} is not built yet: apply it to an input first`);
    return withContext(this.where, () => {
      const y = this.run(inputs, ctx);
      const expected = this.computeOutputShapeFor(inputs);
      if (expected && !shapesEqual(y.shape, expected)) {
        throw new TinyconvError('E_SHAPE', `produced ${shapeToString(y.shape)}, expected ${shapeToString(expected)} from inputs ${inputs.map((t) => shapeToString(t.shape)).join(', ')}`);
      }
      return y;
    });
  }

  /**
   * The concrete output shape for concrete inputs, from shape inference (batch taken from the input).
   * A model calls a layer with the same shapes again and again, so the last answer is kept; the
   * layer's config is fixed, so equal input shapes give an equal output shape.
   */
  private computeOutputShapeFor(inputs: readonly Tensor[]): readonly number[] | null {
    const last = this.#lastExpected;
    if (last && last.inputs.length === inputs.length && last.inputs.every((s, i) => shapesEqual(s, inputs[i]!.shape))) return last.output;
    const s = this.infer(inputs.map((t) => batchless(t.shape))).output;
    const out = s.map((d, i) => (i === 0 ? inputs[0]!.shape[0]! : d));
    const output = out.every((d) => d !== null) ? Object.freeze(out as number[]) : null;
    this.#lastExpected = { inputs: inputs.map((t) => Object.freeze([...t.shape])), output };
    return output;
  }

  /**
   * Attributes of `op` normalised on first use and reused by every call; only for attributes that
   * follow from the layer's fixed config, never from the input.
   */
  protected opAttrsOnce(op: string, raw: () => Record<string, unknown>): Readonly<Record<string, unknown>> {
    let a = this.#opAttrs.get(op);
    if (!a) this.#opAttrs.set(op, (a = prepareAttrs(getOp(op), raw())));
    return a;
  }

    /** The value of one of this layer's weights on the context's backend. */
  protected variable(name: string, ctx: CallContext): Tensor {
    return this.getWeight(name).valueOn(ctx.backend);
  }

  /** The value of a weight if the layer declared it (bias with use_bias false is absent). */
  protected optionalVariable(name: string, ctx: CallContext): Tensor | undefined {
    return this.#variables.some((w) => w.weightName === name) ? this.variable(name, ctx) : undefined;
  }

  /** The Keras config: name, trainable, dtype, the layer's own keys, then the kept extras. */
  getConfig(): Record<string, unknown> {
    return { name: this.name, trainable: this.trainable, dtype: 'float32', ...this.layerConfig(), ...structuredClone(this.passthrough) };
  }

  /** Output shape and weights for these input shapes (arity already checked); E_SHAPE naming the shapes. */
  protected abstract infer(inputShapes: readonly SymShape[]): Inferred;
  /** The forward pass on tensors in the context's mode, through runOp. */
  protected abstract run(inputs: readonly Tensor[], ctx: CallContext): Tensor;
  /** The layer's own config keys with their values (defaults filled). */
  protected abstract layerConfig(): Record<string, unknown>;
}

function describeSpecs(specs: readonly WeightSpec[]): string {
  return specs.map((s) => `${s.name} ${shapeToString(s.shape)}`).join(', ') || 'no weights';
}

function readBatchInputShape(config: BaseLayerConfig, where: string): Dim[] | null {
  const { batch_input_shape: b, input_shape: s, batch_size: n } = config;
  if (b !== undefined && b !== null) return readSymShape(b, `${where}: attribute batch_input_shape`);
  if (s !== undefined && s !== null) {
    check(n === undefined || n === null || (Number.isInteger(n) && n > 0), 'E_ATTR', () => `${where}: attribute batch_size must be a positive integer or null, got ${JSON.stringify(n)}`);
    return [n ?? null, ...readSymShape(s, `${where}: attribute input_shape`)];
  }
  return null;
}
