import { TinyconvError, check } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { ModelArtifacts } from '../io/artifacts.js';
import { graphFromJSON } from './graph-json.js';
import { Layer, SymbolicTensor } from './layer.js';
import { InputLayer } from './layers/input.js';
import { Model } from './model.js';
import { batchless, compatibleShapes, formatShape, type SymShape } from './sym-shape.js';

export interface SequentialArgs {
  layers?: readonly (Layer | SymbolicTensor)[];
  name?: string;
}

/**
 * A plain stack of single-input layers. The input comes from an Input() (or InputLayer) added first,
 * or from the first layer's input_shape / batch_input_shape; without either, the model is built
 * from build(shape) or from the first tensor it is given. Layers are checked as they are added.
 */
export class Sequential extends Model {
  #input: SymbolicTensor | null = null;
  #output: SymbolicTensor | null = null;
  #layers: Layer[] = [];
  /** Layers added before the input shape was known. */
  #pending: Layer[] = [];

  constructor(args: SequentialArgs = {}) {
    check(args !== null && typeof args === 'object', 'E_ARG', 'new Sequential() takes {layers?, name?}');
    super({ ...(args.name !== undefined ? { name: args.name } : {}) }, 'sequential');
    for (const l of args.layers ?? []) this.add(l);
  }

  /** Layers in order, without the input layer (as Keras lists them). */
  override get layers(): Layer[] {
    return [...this.#layers, ...this.#pending];
  }

  add(item: Layer | SymbolicTensor): this {
    if (item instanceof SymbolicTensor || item instanceof InputLayer) {
      const t = item instanceof InputLayer ? item.output : item;
      check(t.layer instanceof InputLayer, 'E_ARG', () => `Sequential ${this.name}: add() takes layers or an Input(), got the output of ${t.layer.where}`);
      check(!this.#input && this.#layers.length === 0 && this.#pending.length === 0, 'E_ARG', () => `Sequential ${this.name}: an input can only be added first`);
      this.#input = this.#output = t;
      return this;
    }
    check(item instanceof Layer, 'E_ARG', () => `Sequential ${this.name}: add() takes a layer, got ${String(item)}`);
    check(item.arity === 'one', 'E_ARG', () => `Sequential ${this.name}: ${item.where} takes several inputs; use the functional API (new Model({inputs, outputs}))`);
    check(![...this.#layers, ...this.#pending].includes(item), 'E_ARG', () => `Sequential ${this.name}: ${item.where} is already in the model`);
    if (!this.#output && this.#layers.length === 0 && this.#pending.length === 0 && item.batchInputShape) {
      this.#input = this.#output = new InputLayer({ batch_input_shape: item.batchInputShape, name: `${item.name}_input` }).output;
      try {
        this.#append(item);
      } catch (e) {
        this.#input = this.#output = null; // the input came from this layer; without it there is none
        throw e;
      }
      return this;
    }
    if (!this.#output) {
      this.#pending.push(item);
      return this;
    }
    this.#append(item);
    return this;
  }

  #append(layer: Layer): void {
    const prev = this.#output!;
    if (layer.batchInputShape && !compatibleShapes(layer.batchInputShape, prev.shape)) {
      throw new TinyconvError('E_SHAPE', `Sequential ${this.name}: ${layer.where} declares input shape ${formatShape(layer.batchInputShape)} but follows an output of shape ${formatShape(prev.shape)}`);
    }
    this.#output = layer.apply(prev);
    this.#layers.push(layer);
    this.setGraph([this.#input!], [this.#output]);
  }

  /** Gives the model its input shape (batch first, e.g. [null, 28, 28, 1]) and builds the layers added so far. */
  build(inputShape: SymShape): void {
    const input = this.#input;
    if (input) {
      check(compatibleShapes(inputShape, input.shape), 'E_SHAPE', () => `Sequential ${this.name} is built for input ${formatShape(input.shape)}, got ${formatShape(inputShape)}`);
      return;
    }
    const first = this.#pending[0];
    check(first, 'E_GRAPH', () => `Sequential ${this.name}: add layers before building`);
    this.#input = this.#output = new InputLayer({ batch_input_shape: inputShape, name: `${first.name}_input` }).output;
    const pending = this.#pending;
    this.#pending = [];
    for (const l of pending) this.#append(l);
  }

  protected override buildFromFeeds(feeds: readonly Tensor[]): void {
    if (!this.#input && this.#pending.length) this.build(batchless(feeds[0]!.shape));
  }

  protected override isSequential(): boolean {
    return true;
  }

  /** A Sequential model from a graph that is a single chain input -> ... -> output. */
  static override fromGraph(graph: unknown): Sequential {
    const { name, inputs, outputs } = graphFromJSON(graph);
    check(inputs.length === 1 && outputs.length === 1, 'E_GRAPH', () => `graph ${name}: a Sequential model has one input and one output, got ${inputs.length} and ${outputs.length}`);
    const chain: SymbolicTensor[] = [];
    for (let t = outputs[0]!; t !== inputs[0]; t = t.inputs[0]!) {
      check(t.inputs.length === 1, 'E_GRAPH', () => `graph ${name}: ${t.layer.where} has ${t.inputs.length} inputs, so the graph is not a chain; use Model.fromGraph`);
      chain.unshift(t);
    }
    const model = new Sequential({ name });
    model.#input = inputs[0]!;
    model.#output = outputs[0]!;
    model.#layers = chain.map((t) => t.layer);
    model.setGraph(inputs, outputs);
    return model;
  }

  static override fromArtifacts(artifacts: ModelArtifacts): Sequential {
    check(artifacts !== null && typeof artifacts === 'object', 'E_CONFIG', 'model artifacts must be an object {graph, weights}');
    check(Array.isArray(artifacts.weights), 'E_CONFIG', 'model artifacts: weights must be a list of {name, shape, data}');
    const model = Sequential.fromGraph(artifacts.graph);
    model.loadWeights(artifacts.weights);
    return model;
  }
}
