import { TinyconvError, check } from '../core/errors.js';
import type { Backend } from '../core/backend.js';
import type { Mode } from '../core/op.js';
import { shapeToString, sizeOf } from '../core/shape.js';
import { Tensor, hostBackendOf } from '../core/tensor.js';
import type { IOSpec, Layout, ModelArtifacts, WeightArray } from '../io/artifacts.js';
import { callContext } from './context.js';
import { buildGraph, executeGraph, type Graph } from './graph.js';
import { graphFromJSON, graphToJSON } from './graph-json.js';
import { SymbolicTensor, type Layer } from './layer.js';
import { InputLayer } from './layers/input.js';
import { uniqueName } from './naming.js';
import { formatSummary, type SummaryData, type SummaryOptions } from './summary.js';
import { formatShape, type SymShape } from './sym-shape.js';
import type { LayerVariable } from './variable.js';

export interface ModelArgs {
  inputs: SymbolicTensor | readonly SymbolicTensor[];
  outputs: SymbolicTensor | readonly SymbolicTensor[];
  name?: string;
}

/** Model inputs: one tensor, one per input in order, or by input layer name. */
export type ModelInputs = Tensor | readonly Tensor[] | Readonly<Record<string, Tensor>>;

export interface ForwardOptions {
  /** 'train': batch norm uses batch statistics (and updates its running ones), dropout is active. */
  mode?: Mode;
  /** Where to compute; default: the backend of the first input. Weights move there. */
  backend?: Backend;
}

export interface PredictOptions {
  /** Where to compute; default: the reference backend. */
  backend?: Backend;
  /** Run at most this many samples at a time (inputs are split on the host). */
  batchSize?: number;
}

/** A weight's new value for setWeights(): a Tensor, or host data with its shape. */
export type WeightValue = Tensor | { shape: readonly number[]; data: ArrayLike<number> };

function layoutOf(shape: SymShape): Layout {
  return shape.length === 4 ? 'NHWC' : shape.length === 2 ? 'NC' : 'N...';
}

/**
 * A model: a graph of layers from inputs to outputs (the functional API), with weights, inference,
 * a differentiable forward pass, a Keras-style summary and conversion to and from ModelArtifacts.
 */
export class Model {
  readonly name: string;
  /** Free-form facts carried through save/load: source, licence, description. */
  metadata: Record<string, unknown> = {};
  /** Per-input / per-output facts the graph lacks (layout, preprocessing, labels), by layer name. */
  readonly ioSpecs: { inputs: Map<string, IOSpec>; outputs: Map<string, IOSpec> } = { inputs: new Map(), outputs: new Map() };
  #graph: Graph | null = null;

  constructor(args: ModelArgs | { name?: string } = {}, defaultName = 'model') {
    check(args !== null && typeof args === 'object', 'E_ARG', 'new Model() needs {inputs, outputs}');
    check(args.name === undefined || (typeof args.name === 'string' && args.name.length > 0), 'E_ARG', () => `model name must be a non-empty string, got ${JSON.stringify(args.name)}`);
    this.name = args.name ?? uniqueName(defaultName);
    const hasIn = 'inputs' in args && args.inputs !== undefined, hasOut = 'outputs' in args && args.outputs !== undefined;
    check(hasIn === hasOut, 'E_ARG', () => `model ${this.name}: give both inputs and outputs`);
    if (hasIn && hasOut) {
      const list = (v: SymbolicTensor | readonly SymbolicTensor[]): SymbolicTensor[] => (Array.isArray(v) ? [...v] : [v as SymbolicTensor]);
      this.#graph = buildGraph(this.name, list(args.inputs), list(args.outputs));
    }
  }

  /** Sets the graph (Sequential builds it as layers are added). */
  protected setGraph(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]): void {
    this.#graph = buildGraph(this.name, inputs, outputs);
  }

  /** The graph; throws when the model has none yet. Subclasses may build lazily here. */
  protected graph(): Graph {
    check(this.#graph, 'E_GRAPH', () => `model ${this.name} is not built yet: give it an input shape (an Input, or input_shape on the first layer) or call build()`);
    return this.#graph;
  }

  /** Builds a model whose input shape was deferred, from the first feeds; a no-op for built models. */
  protected buildFromFeeds(_feeds: readonly Tensor[]): void {}

  private buildLazily(x: ModelInputs): void {
    if (this.built) return;
    const feeds = x instanceof Tensor ? [x] : Array.isArray(x) ? (x as readonly Tensor[]) : [];
    if (feeds.length === 1 && feeds[0] instanceof Tensor) this.buildFromFeeds(feeds);
  }

  get built(): boolean {
    return this.#graph !== null;
  }

  /** Layers in topological order, input layers included. */
  get layers(): Layer[] {
    return this.graph().nodes.map((n) => n.layer);
  }

  getLayer(name: string): Layer {
    const layer = this.graph().nodes.find((n) => n.layer.name === name)?.layer;
    if (!layer) throw new TinyconvError('E_ARG', `model ${this.name} has no layer "${name}"; layers: ${this.graph().nodes.map((n) => n.layer.name).join(', ')}`);
    return layer;
  }

  get inputs(): SymbolicTensor[] {
    return [...this.graph().inputs];
  }

  get outputs(): SymbolicTensor[] {
    return [...this.graph().outputs];
  }

  get inputShapes(): SymShape[] {
    return this.graph().inputs.map((t) => t.shape);
  }

  get outputShapes(): SymShape[] {
    return this.graph().outputs.map((t) => t.shape);
  }

  /** Every weight, "<layer>/<weight>", layers in topological order, each layer's in declaration order. */
  get weights(): LayerVariable[] {
    return this.graph().nodes.flatMap((n) => n.layer.weights);
  }

  get trainableWeights(): LayerVariable[] {
    return this.weights.filter((v) => v.trainable);
  }

  get nonTrainableWeights(): LayerVariable[] {
    return this.weights.filter((v) => !v.trainable);
  }

  countParams(): number {
    return this.weights.reduce((n, v) => n + v.size, 0);
  }

  /** Copies of the weight values (on the host), in the order of `weights`. */
  getWeights(): Tensor[] {
    return this.weights.map((v) => Tensor.from(v.read(), v.shape));
  }

  /**
   * Replaces every weight, in the order of `weights`. All values are checked (shape: E_SHAPE, NaN
   * or infinity: E_VALUE, both naming layer and weight) before any is assigned.
   */
  setWeights(values: readonly WeightValue[]): void {
    const vars = this.weights;
    check(Array.isArray(values), 'E_ARG', () => `model ${this.name}: setWeights() needs a list of ${vars.length} values`);
    check(values.length === vars.length, 'E_ARG', () => `model ${this.name}: setWeights() got ${values.length} values for ${vars.length} weights (${vars.map((v) => v.name).join(', ')})`);
    const staged = vars.map((v, i) => stage(v, values[i]!));
    staged.forEach((s, i) => vars[i]!.assignData(s.shape, s.data));
  }

  /**
   * Loads weights by name ("<layer>/<weight>"). Strict by default: a model weight missing from
   * `weights`, or an entry the model does not have, is E_CONFIG. Nothing is assigned unless all
   * entries are valid.
   */
  loadWeights(weights: readonly WeightArray[], opts: { strict?: boolean } = {}): void {
    const strict = opts.strict ?? true;
    check(Array.isArray(weights), 'E_CONFIG', () => `model ${this.name}: weights must be a list of {name, shape, data}`);
    const vars = new Map(this.weights.map((v) => [v.name, v]));
    const given = new Map<string, WeightArray>();
    weights.forEach((w, i) => {
      check(w !== null && typeof w === 'object' && typeof w.name === 'string', 'E_CONFIG', () => `model ${this.name}: weights[${i}] must be {name, shape, data}`);
      check(!given.has(w.name), 'E_CONFIG', () => `model ${this.name}: weight ${w.name} is given twice`, { weight: w.name });
      given.set(w.name, w);
    });
    if (strict) {
      const missing = [...vars.keys()].filter((n) => !given.has(n));
      const extra = [...given.keys()].filter((n) => !vars.has(n));
      if (missing.length || extra.length) {
        const parts = [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `not in the model: ${extra.join(', ')}` : ''].filter(Boolean);
        throw new TinyconvError('E_CONFIG', `model ${this.name}: weights do not match the layers: ${parts.join('; ')}`, { missing, extra });
      }
    }
    const staged = [...given.values()].filter((w) => vars.has(w.name)).map((w) => ({ v: vars.get(w.name)!, s: stage(vars.get(w.name)!, w) }));
    for (const { v, s } of staged) v.assignData(s.shape, s.data);
  }

  /** Feeds in input order, checked against the input shapes. */
  protected feeds(x: ModelInputs): Tensor[] {
    const g = this.graph();
    const names = g.inputs.map((t) => t.layer.name);
    let feeds: Tensor[];
    if (x instanceof Tensor) feeds = [x];
    else if (Array.isArray(x)) feeds = [...x];
    else {
      check(x !== null && typeof x === 'object', 'E_ARG', () => `model ${this.name}: inputs must be a Tensor, a list of Tensors or {inputName: Tensor}`);
      const rec = x as Record<string, Tensor>;
      const unknown = Object.keys(rec).filter((k) => !names.includes(k));
      check(unknown.length === 0, 'E_ARG', () => `model ${this.name}: no input named ${unknown.join(', ')}; inputs: ${names.join(', ')}`);
      feeds = names.map((n) => {
        check(rec[n], 'E_ARG', () => `model ${this.name}: input ${n} is missing`);
        return rec[n]!;
      });
    }
    check(feeds.length === names.length, 'E_ARG', () => `model ${this.name}: expects ${names.length} input(s) (${names.join(', ')}), got ${feeds.length}`);
    feeds.forEach((t, i) => {
      check(t instanceof Tensor, 'E_ARG', () => `model ${this.name}: input ${names[i]} is not a Tensor`);
      const want = g.inputs[i]!.shape;
      const fits = t.rank === want.length && want.every((d, k) => d === null || d === t.shape[k]);
      if (!fits) {
        throw new TinyconvError('E_SHAPE', `model ${this.name}: input ${names[i]} expects shape ${formatShape(want)}, got ${shapeToString(t.shape)}`, { input: names[i], expected: want, got: t.shape });
      }
    });
    const n = feeds[0]!.shape[0];
    check(feeds.every((t) => t.shape[0] === n), 'E_SHAPE', () => `model ${this.name}: inputs have different batch sizes (${feeds.map((t) => t.shape[0]).join(', ')})`);
    return feeds;
  }

  /**
   * The forward pass of a single-output model, differentiable: run it inside grad() or record() and
   * take gradients with respect to inputs or weight values (`v.valueOn(backend)`). In 'train' mode
   * batch norm layers update their running statistics.
   */
  forward(x: ModelInputs, opts: ForwardOptions = {}): Tensor {
    const out = this.forwardAll(x, opts);
    check(out.length === 1, 'E_ARG', () => `model ${this.name} has ${out.length} outputs; use forwardAll()`);
    return out[0]!;
  }

  /** forward() for models with several outputs: one tensor per output, in order. */
  forwardAll(x: ModelInputs, opts: ForwardOptions = {}): Tensor[] {
    this.buildLazily(x);
    const feeds = this.feeds(x);
    const backend = opts.backend ?? feeds[0]!.backend;
    return executeGraph(this.graph(), feeds, callContext(backend, opts.mode ?? 'infer', false), false);
  }

  /** Inference on a single-output model (intermediates freed as soon as possible). */
  predict(x: ModelInputs, opts: PredictOptions = {}): Tensor {
    const out = this.predictAll(x, opts);
    check(out.length === 1, 'E_ARG', () => `model ${this.name} has ${out.length} outputs; use predictAll()`);
    return out[0]!;
  }

  predictAll(x: ModelInputs, opts: PredictOptions = {}): Tensor[] {
    this.buildLazily(x);
    const feeds = this.feeds(x);
    const backend = opts.backend ?? hostBackendOf();
    const n = feeds[0]!.shape[0] ?? 1;
    const bs = opts.batchSize ?? Math.max(n, 1);
    check(Number.isInteger(bs) && bs > 0, 'E_ARG', () => `model ${this.name}: predict batchSize must be a positive integer, got ${bs}`);
    const run = (f: readonly Tensor[]): Tensor[] => executeGraph(this.graph(), f, callContext(backend, 'infer', true), true);
    if (bs >= n) return run(feeds);
    // Split on the host: batches are contiguous runs of rows in row-major data.
    const host = feeds.map((t) => t.dataSync());
    const parts: Float32Array[][] = [];
    let outShapes: number[][] = [];
    for (let start = 0; start < n; start += bs) {
      const m = Math.min(bs, n - start);
      const chunk = feeds.map((t, i) => {
        const row = sizeOf(t.shape.slice(1));
        return backend.upload(host[i]!.slice(start * row, (start + m) * row), [m, ...t.shape.slice(1)]);
      });
      const ys = run(chunk);
      outShapes = ys.map((y) => [...y.shape.slice(1)]);
      parts.push(ys.map((y) => y.dataSync()));
      for (const t of [...chunk, ...ys]) t.dispose();
    }
    return outShapes.map((shape, k) => {
      const all = new Float32Array(n * sizeOf(shape));
      let off = 0;
      for (const p of parts) all.set(p[k]!, off), (off += p[k]!.length);
      return backend.upload(all, [n, ...shape]);
    });
  }

  /** The summary as data: one row per layer, parameter totals. */
  summaryData(): SummaryData {
    const sequential = this.isSequential();
    const nodes = this.graph().nodes.filter((n) => !(sequential && n.layer instanceof InputLayer));
    const weights = this.weights;
    const trainable = weights.filter((v) => v.trainable).reduce((a, v) => a + v.size, 0);
    const total = weights.reduce((a, v) => a + v.size, 0);
    return {
      name: this.name,
      sequential,
      rows: nodes.map((n) => ({
        name: n.layer.name,
        className: n.layer.className,
        outputShape: [...n.output.shape],
        params: n.layer.countParams(),
        trainableParams: n.layer.trainableWeights.reduce((a, v) => a + v.size, 0),
        connectedTo: n.inputs.map((t) => `${t.layer.name}[0][0]`),
      })),
      totalParams: total,
      trainableParams: trainable,
      nonTrainableParams: total - trainable,
    };
  }

  /** The Keras-style summary text (Layer (type), Output Shape, Param #, Connected to, totals). */
  summary(opts: SummaryOptions = {}): string {
    return formatSummary(this.summaryData(), opts);
  }

  /** Whether the summary uses the Sequential layout. */
  protected isSequential(): boolean {
    return false;
  }

  /** The model as data: graph, weights (copied to the host) and input / output specs. */
  toArtifacts(metadata?: Record<string, unknown>): ModelArtifacts {
    const g = this.graph();
    const spec = (known: Map<string, IOSpec>) => (t: SymbolicTensor): IOSpec => ({
      ...structuredClone(known.get(t.layer.name)),
      name: t.layer.name,
      shape: [...t.shape],
      layout: known.get(t.layer.name)?.layout ?? layoutOf(t.shape),
    });
    const a: ModelArtifacts = {
      graph: graphToJSON(this.name, g),
      weights: this.weights.map((v) => ({ name: v.name, shape: [...v.shape], data: v.read() })),
      inputs: g.inputs.map(spec(this.ioSpecs.inputs)),
      outputs: g.outputs.map(spec(this.ioSpecs.outputs)),
    };
    const meta = { ...this.metadata, ...metadata };
    if (Object.keys(meta).length > 0) a.metadata = structuredClone(meta);
    return a;
  }

  /** A model with the graph of `graph` and fresh weights from the layers' initializers. */
  static fromGraph(graph: unknown): Model {
    const { name, inputs, outputs } = graphFromJSON(graph);
    return new Model({ name, inputs, outputs });
  }

  /** A model from artifacts; every weight must be present with the right shape and finite values. */
  static fromArtifacts(artifacts: ModelArtifacts): Model {
    check(artifacts !== null && typeof artifacts === 'object', 'E_CONFIG', 'model artifacts must be an object {graph, weights}');
    check(Array.isArray(artifacts.weights), 'E_CONFIG', 'model artifacts: weights must be a list of {name, shape, data}');
    const model = Model.fromGraph(artifacts.graph);
    model.loadWeights(artifacts.weights);
    for (const s of artifacts.inputs ?? []) model.ioSpecs.inputs.set(s.name, structuredClone(s));
    for (const s of artifacts.outputs ?? []) model.ioSpecs.outputs.set(s.name, structuredClone(s));
    if (artifacts.metadata) model.metadata = structuredClone(artifacts.metadata);
    return model;
  }
}

/** Checks a new value against a variable; returns host data (no assignment yet). */
function stage(v: LayerVariable, value: WeightValue | WeightArray): { shape: readonly number[]; data: ArrayLike<number> } {
  const where = `layer ${v.owner.name} (${v.owner.className}), weight ${v.weightName}`;
  if (value instanceof Tensor) return checked(v, where, value.shape, value.dataSync());
  check(value !== null && typeof value === 'object' && Array.isArray(value.shape), 'E_ARG', () => `${where}: expected a Tensor or {shape, data}`);
  const data = value.data;
  check(data !== null && typeof data === 'object' && typeof data.length === 'number', 'E_ARG', () => `${where}: data must be an array or typed array`);
  return checked(v, where, value.shape, data);
}

function checked(v: LayerVariable, where: string, shape: readonly number[], data: ArrayLike<number>): { shape: readonly number[]; data: ArrayLike<number> } {
  const same = shape.length === v.shape.length && shape.every((d, i) => d === v.shape[i]);
  if (!same) {
    throw new TinyconvError('E_SHAPE', `${where}: expected shape ${shapeToString(v.shape)}, got ${shapeToString(shape)}`, { layer: v.owner.name, weight: v.weightName, expected: [...v.shape], got: [...shape] });
  }
  check(data.length === v.size, 'E_SHAPE', () => `${where}: ${data.length} values do not fill shape ${shapeToString(shape)} (${v.size})`, { layer: v.owner.name, weight: v.weightName });
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new TinyconvError('E_VALUE', `${where}: value ${i} is ${data[i]}; weights must be finite`, { layer: v.owner.name, weight: v.weightName, index: i });
  }
  return { shape, data };
}
