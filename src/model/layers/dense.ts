import { check } from '../../core/errors.js';
import { runOp } from '../../core/engine.js';
import type { Tensor } from '../../core/tensor.js';
import { finishActivation, fusedActivation, readActivation, type LayerActivation } from '../activations.js';
import type { CallContext } from '../context.js';
import type { Initializer } from '../initializers.js';
import { Layer, type BaseLayerConfig, type Inferred } from '../layer.js';
import { formatShape, type SymShape } from '../sym-shape.js';
import { initConfig, initializer, passthroughKeys, requireNeutral, type InitializerConfig } from './common.js';

export interface DenseConfig extends BaseLayerConfig {
  units: number;
  activation?: string | null;
  use_bias?: boolean;
  kernel_initializer?: InitializerConfig;
  bias_initializer?: InitializerConfig;
  kernel_regularizer?: unknown;
  bias_regularizer?: unknown;
  activity_regularizer?: unknown;
  kernel_constraint?: unknown;
  bias_constraint?: unknown;
}

/** Fully connected layer on the last axis: kernel [K, units], bias [units]. */
export class Dense extends Layer {
  readonly units: number;
  readonly activation: LayerActivation;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;

  constructor(config: DenseConfig) {
    super('Dense', config);
    const r = this.configReader(config, passthroughKeys('kernel', 'bias'));
    this.units = r.int('units', undefined, 1);
    this.activation = readActivation(r.any('activation'), this.where);
    this.useBias = r.bool('use_bias', true);
    this.kernelInitializer = initializer(r, this.where, 'kernel_initializer', 'glorot_uniform');
    this.biasInitializer = initializer(r, this.where, 'bias_initializer', 'zeros');
    // Keras 3 keys for LoRA adapters and quantized kernels.
    requireNeutral(r, this.where, 'lora_rank');
    requireNeutral(r, this.where, 'lora_alpha');
    requireNeutral(r, this.where, 'quantization_config');
    r.done();
  }

  protected infer([x]: readonly SymShape[]): Inferred {
    check(x!.length >= 2, 'E_SHAPE', () => `expects an input of rank >= 2 (batch, ..., features), got ${formatShape(x!)}`);
    const k = x![x!.length - 1];
    check(k !== null && k !== undefined && k > 0, 'E_SHAPE', () => `the last dimension of the input must be known and positive, got ${formatShape(x!)}`);
    const weights = [{ name: 'kernel', shape: [k, this.units], trainable: true, initializer: this.kernelInitializer }];
    if (this.useBias) weights.push({ name: 'bias', shape: [this.units], trainable: true, initializer: this.biasInitializer });
    return { output: [...x!.slice(0, -1), this.units], weights };
  }

  protected run([x]: readonly Tensor[], ctx: CallContext): Tensor {
    const y = runOp('dense', [x!, this.variable('kernel', ctx), this.optionalVariable('bias', ctx)], this.opAttrsOnce('dense', () => fusedActivation(this.activation)), ctx.backend, ctx.mode).y;
    return finishActivation(y, this.activation, ctx);
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      units: this.units,
      activation: this.activation.name,
      use_bias: this.useBias,
      kernel_initializer: initConfig(this.kernelInitializer),
      bias_initializer: initConfig(this.biasInitializer),
    };
  }
}
