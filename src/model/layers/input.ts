import { TinyconvError, check } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import type { CallContext } from '../context.js';
import { Layer, SymbolicTensor, type BaseLayerConfig, type Inferred } from '../layer.js';
import { formatShape, readSymShape, type Dim, type SymShape } from '../sym-shape.js';

export interface InputLayerConfig extends BaseLayerConfig {
  /** Keras 3 name of batch_input_shape. */
  batch_shape?: readonly Dim[];
  sparse?: boolean;
  ragged?: boolean;
}

/**
 * A model input: holds its shape (batch first, usually unknown) and passes tensors through. Made by
 * Input() in the functional API, or from a Sequential model's first layer's input_shape.
 */
export class InputLayer extends Layer {
  override readonly mayAliasInput = true;
  /** The symbolic tensor this input produces. */
  readonly output: SymbolicTensor;
  #shape: SymShape = [];

  constructor(config: InputLayerConfig) {
    super('InputLayer', config);
    const r = this.configReader(config);
    const b = r.any('batch_shape');
    const shape = (b !== undefined && b !== null ? readSymShape(b, `${this.where}: attribute batch_shape`) : this.batchInputShape) ?? r.fail('batch_input_shape', 'given (or batch_shape, or input_shape)');
    check(shape.length >= 1, 'E_ATTR', () => `${this.where}: the input shape needs at least the batch dimension, got ${formatShape(shape)}`);
    for (const key of ['sparse', 'ragged']) {
      if (r.bool(key, false)) throw new TinyconvError('E_UNSUPPORTED', `${this.where}: ${key} inputs are not supported`, { attr: key });
    }
    r.any('input_tensor');
    if (r.bool('optional', false)) throw new TinyconvError('E_UNSUPPORTED', `${this.where}: optional inputs are not supported`, { attr: 'optional' });
    r.done();
    this.#shape = Object.freeze([...shape]);
    this.build([shape]);
    this.output = new SymbolicTensor(shape, this, []);
  }

  /** The full input shape, batch first. */
  get shape(): SymShape {
    return this.outputShape;
  }

  override apply(): never {
    throw new TinyconvError('E_ARG', `${this.where}: an InputLayer is not applied to tensors; use its output (Input() returns it)`);
  }

  protected infer(): Inferred {
    return { output: this.#shape };
  }

  protected run([x]: readonly Tensor[], _ctx: CallContext): Tensor {
    return x!;
  }

  protected layerConfig(): Record<string, unknown> {
    return { batch_input_shape: [...this.shape], sparse: false, ragged: false };
  }
}

export interface InputOptions {
  /** Shape of one sample, without the batch dimension, e.g. [28, 28, 1]; null for unknown sizes. */
  shape?: readonly Dim[];
  /** Full shape with the batch dimension first; an alternative to shape (+ batch_size). */
  batch_shape?: readonly Dim[];
  batch_size?: number | null;
  name?: string;
  dtype?: string;
}

/** A model input for the functional API: Input({shape: [28, 28, 1]}) is (None, 28, 28, 1). */
export function Input(options: InputOptions): SymbolicTensor {
  check(options !== null && typeof options === 'object', 'E_ARG', 'Input() needs options {shape} or {batch_shape}');
  const { shape, batch_shape, batch_size, name, dtype } = options;
  check((shape === undefined) !== (batch_shape === undefined), 'E_ARG', () => `Input() needs exactly one of shape and batch_shape, got ${JSON.stringify(options)}`);
  const config: InputLayerConfig = shape !== undefined ? { input_shape: shape, batch_size: batch_size ?? null } : { batch_shape: batch_shape! };
  if (name !== undefined) config.name = name;
  if (dtype !== undefined) config.dtype = dtype;
  return new InputLayer(config).output;
}
