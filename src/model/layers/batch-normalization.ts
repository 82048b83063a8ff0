import { TinyconvError, check } from '../../core/errors.js';
import { runOp } from '../../core/engine.js';
import type { Tensor } from '../../core/tensor.js';
import type { CallContext } from '../context.js';
import type { Initializer } from '../initializers.js';
import { Layer, type BaseLayerConfig, type Inferred } from '../layer.js';
import { formatShape, type SymShape } from '../sym-shape.js';
import type { WeightSpec } from '../variable.js';
import { initConfig, initializer, passthroughKeys, requireNeutral, type InitializerConfig } from './common.js';

export interface BatchNormalizationConfig extends BaseLayerConfig {
  /** The channel axis; only the last one is supported (-1, or rank - 1). Keras 2 writes [3]. */
  axis?: number | readonly number[];
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  beta_initializer?: InitializerConfig;
  gamma_initializer?: InitializerConfig;
  moving_mean_initializer?: InitializerConfig;
  moving_variance_initializer?: InitializerConfig;
  beta_regularizer?: unknown;
  gamma_regularizer?: unknown;
  beta_constraint?: unknown;
  gamma_constraint?: unknown;
}

/**
 * Batch normalization over the channel (last) axis. Weights gamma and beta (trainable, when scale
 * and center are on) and moving_mean, moving_variance (never trainable). In training mode it
 * normalizes with the batch's statistics and writes the updated running statistics back; a frozen
 * layer (trainable = false) always runs in inference mode, as in Keras.
 */
export class BatchNormalization extends Layer {
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;

  constructor(config: BatchNormalizationConfig = {}) {
    super('BatchNormalization', config);
    const r = this.configReader(config, passthroughKeys('beta', 'gamma'));
    let axis = r.any('axis') ?? -1;
    if (Array.isArray(axis) && axis.length === 1) axis = axis[0];
    if (!Number.isInteger(axis)) {
      throw new TinyconvError('E_UNSUPPORTED', `${this.where}: axis ${JSON.stringify(r.any('axis'))} is not supported; normalize over one axis, the channel (last) axis`, { attr: 'axis' });
    }
    this.axis = axis as number;
    this.momentum = r.num('momentum', 0.99, 0, 1);
    this.epsilon = r.num('epsilon', 1e-3, 0);
    this.center = r.bool('center', true);
    this.scale = r.bool('scale', true);
    this.betaInitializer = initializer(r, this.where, 'beta_initializer', 'zeros');
    this.gammaInitializer = initializer(r, this.where, 'gamma_initializer', 'ones');
    this.movingMeanInitializer = initializer(r, this.where, 'moving_mean_initializer', 'zeros');
    this.movingVarianceInitializer = initializer(r, this.where, 'moving_variance_initializer', 'ones');
    // Keras 2 batch renormalization, ghost batches and Keras 3 cross-replica statistics.
    requireNeutral(r, this.where, 'renorm');
    requireNeutral(r, this.where, 'renorm_clipping');
    r.num('renorm_momentum', 0.99);
    requireNeutral(r, this.where, 'virtual_batch_size');
    requireNeutral(r, this.where, 'adjustment');
    requireNeutral(r, this.where, 'synchronized');
    r.any('fused'); // an implementation choice in Keras 2, same results
    r.done();
  }

  protected infer([x]: readonly SymShape[]): Inferred {
    const rank = x!.length;
    check(rank >= 2, 'E_SHAPE', () => `expects an input of rank >= 2 (batch, ..., channels), got ${formatShape(x!)}`);
    if (this.axis !== -1 && this.axis !== rank - 1) {
      throw new TinyconvError('E_UNSUPPORTED', `axis ${this.axis} is not supported for input ${formatShape(x!)}; only the channel axis ${rank - 1} (-1)`, { axis: this.axis });
    }
    const c = x![rank - 1];
    check(c !== null && c !== undefined && c > 0, 'E_SHAPE', () => `the channel dimension must be known, got input ${formatShape(x!)}`);
    const weights: WeightSpec[] = [];
    if (this.scale) weights.push({ name: 'gamma', shape: [c], trainable: true, initializer: this.gammaInitializer });
    if (this.center) weights.push({ name: 'beta', shape: [c], trainable: true, initializer: this.betaInitializer });
    weights.push({ name: 'moving_mean', shape: [c], trainable: false, initializer: this.movingMeanInitializer });
    weights.push({ name: 'moving_variance', shape: [c], trainable: false, initializer: this.movingVarianceInitializer });
    return { output: x!, weights };
  }

  protected run([x]: readonly Tensor[], ctx: CallContext): Tensor {
    const mode = ctx.mode === 'train' && this.trainable ? 'train' : 'infer';
    const inputs = [
      x!,
      this.optionalVariable('gamma', ctx),
      this.optionalVariable('beta', ctx),
      this.variable('moving_mean', ctx),
      this.variable('moving_variance', ctx),
    ];
    const { y, state } = runOp('batch_norm', inputs, { epsilon: this.epsilon, momentum: this.momentum }, ctx.backend, mode);
    if (mode === 'train') {
      check(state.mean && state.variance, 'E_BACKEND', 'batch_norm in training mode returned no running statistics');
      this.getWeight('moving_mean').assign(state.mean);
      this.getWeight('moving_variance').assign(state.variance);
    }
    return y;
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      beta_initializer: initConfig(this.betaInitializer),
      gamma_initializer: initConfig(this.gammaInitializer),
      moving_mean_initializer: initConfig(this.movingMeanInitializer),
      moving_variance_initializer: initConfig(this.movingVarianceInitializer),
    };
  }
}
