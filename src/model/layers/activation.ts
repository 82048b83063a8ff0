import { TinyconvError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { applyActivation, readActivation, type LayerActivation } from '../activations.js';
import type { CallContext } from '../context.js';
import { Layer, type BaseLayerConfig, type Inferred } from '../layer.js';
import type { SymShape } from '../sym-shape.js';
import { normAxis } from '../../core/shape.js';

/** Layers that apply one element-wise function (or softmax); no weights, shape unchanged. */
abstract class ActivationLike extends Layer {
  protected abstract readonly fn: LayerActivation;

  protected infer([x]: readonly SymShape[]): Inferred {
    return { output: x! };
  }

  protected run([x]: readonly Tensor[], ctx: CallContext): Tensor {
    return applyActivation(x!, this.fn, ctx);
  }
}

export interface ActivationConfig extends BaseLayerConfig {
  activation: string;
}

/** Applies a Keras activation by name ("relu", "softmax", "silu"...). */
export class Activation extends ActivationLike {
  readonly activation: LayerActivation;
  protected get fn(): LayerActivation {
    return this.activation;
  }

  constructor(config: ActivationConfig) {
    super('Activation', config);
    const r = this.configReader(config);
    if (r.any('activation') === undefined) r.fail('activation', 'given');
    this.activation = readActivation(r.any('activation'), this.where);
    r.done();
  }

  protected layerConfig(): Record<string, unknown> {
    return { activation: this.activation.name };
  }
}

export interface ReLUConfig extends BaseLayerConfig {
  /** Upper bound; null for none. Only 6 (ReLU6) is supported besides none. */
  max_value?: number | null;
  /** Slope below the threshold (leaky ReLU). */
  negative_slope?: number;
  /** Only 0 is supported. */
  threshold?: number;
}

/**
 * Keras ReLU with its three parameters. The combinations our activation op has: plain ReLU,
 * ReLU6 (max_value 6), leaky ReLU (negative_slope > 0); others are refused at construction.
 */
export class ReLU extends ActivationLike {
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;
  protected readonly fn: LayerActivation;

  constructor(config: ReLUConfig = {}) {
    super('ReLU', config);
    const r = this.configReader(config);
    this.maxValue = r.any('max_value') === undefined || r.any('max_value') === null ? null : r.num('max_value', undefined, 0);
    this.negativeSlope = r.num('negative_slope', 0, 0);
    this.threshold = r.num('threshold', 0);
    r.done();
    const { maxValue: m, negativeSlope: s, threshold: t } = this;
    const unsupported = (): never => {
      throw new TinyconvError(
        'E_UNSUPPORTED',
        `${this.where}: max_value ${m}, negative_slope ${s}, threshold ${t} has no matching activation; supported: ReLU (max_value null, negative_slope 0, threshold 0), ReLU6 (max_value 6), leaky ReLU (negative_slope > 0, max_value null), all with threshold 0`,
        { max_value: m, negative_slope: s, threshold: t },
      );
    };
    if (t !== 0) unsupported();
    if (m === null) this.fn = s === 0 ? readActivation('relu', this.where) : { name: 'leaky_relu', kind: 'leaky_relu', alpha: s, beta: 0 };
    else if (m === 6 && s === 0) this.fn = readActivation('relu6', this.where);
    else this.fn = unsupported();
  }

  protected layerConfig(): Record<string, unknown> {
    return { max_value: this.maxValue, negative_slope: this.negativeSlope, threshold: this.threshold };
  }
}

export interface LeakyReLUConfig extends BaseLayerConfig {
  /** Slope for x < 0 (Keras 2 name). */
  alpha?: number;
  /** Slope for x < 0 (Keras 3 name). */
  negative_slope?: number;
}

/** max(x, alpha * x) for 0 <= alpha; default slope 0.3 as in Keras. */
export class LeakyReLU extends ActivationLike {
  readonly alpha: number;
  protected readonly fn: LayerActivation;

  constructor(config: LeakyReLUConfig = {}) {
    super('LeakyReLU', config);
    const r = this.configReader(config);
    const a = r.any('alpha'), s = r.any('negative_slope');
    if (a !== undefined && a !== null && s !== undefined && s !== null && a !== s) {
      r.fail('negative_slope', `equal to alpha (${JSON.stringify(a)}) when both are given`, s);
    }
    this.alpha = a !== undefined && a !== null ? r.num('alpha', undefined, 0) : r.num('negative_slope', 0.3, 0);
    r.done();
    this.fn = { name: 'leaky_relu', kind: 'leaky_relu', alpha: this.alpha, beta: 0 };
  }

  protected layerConfig(): Record<string, unknown> {
    return { alpha: this.alpha };
  }
}

export interface SoftmaxConfig extends BaseLayerConfig {
  axis?: number;
}

/** Softmax along one axis (the last by default). */
export class Softmax extends Layer {
  readonly axis: number;

  constructor(config: SoftmaxConfig = {}) {
    super('Softmax', config);
    const r = this.configReader(config);
    const axis = r.any('axis');
    this.axis = Array.isArray(axis) && axis.length === 1 ? (axis[0] as number) : r.int('axis', -1);
    r.done();
  }

  protected infer([x]: readonly SymShape[]): Inferred {
    normAxis(this.axis, x!.length, 'attribute axis');
    return { output: x! };
  }

  protected run([x]: readonly Tensor[], ctx: CallContext): Tensor {
    return applyActivation(x!, readActivation('softmax', this.where), ctx, this.axis);
  }

  protected layerConfig(): Record<string, unknown> {
    return { axis: this.axis };
  }
}
