import { check } from '../../core/errors.js';
import { runOp } from '../../core/engine.js';
import type { Tensor } from '../../core/tensor.js';
import { finishActivation, fusedActivation, readActivation, type LayerActivation } from '../activations.js';
import type { CallContext } from '../context.js';
import type { Initializer } from '../initializers.js';
import { Layer, type BaseLayerConfig, type Inferred } from '../layer.js';
import { batchOf, formatShape, type SymShape } from '../sym-shape.js';
import { initConfig, initializer, passthroughKeys, requireNeutral, type InitializerConfig } from './common.js';
import { imageDims, readDataFormat, readPaddingMode, windowOutput } from './window.js';

export interface Conv2DConfig extends BaseLayerConfig {
  filters: number;
  kernel_size: number | readonly number[];
  strides?: number | readonly number[];
  padding?: 'valid' | 'same';
  data_format?: 'channels_last' | 'channels_first' | null;
  dilation_rate?: number | readonly number[];
  groups?: number;
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

/** 2-D convolution over NHWC images: kernel [kh, kw, Cin/groups, filters], bias [filters]. */
export class Conv2D extends Layer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
  readonly groups: number;
  readonly activation: LayerActivation;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;

  constructor(config: Conv2DConfig) {
    super('Conv2D', config);
    const r = this.configReader(config, passthroughKeys('kernel', 'bias'));
    this.filters = r.int('filters', undefined, 1);
    this.kernelSize = r.ints('kernel_size', 2, undefined) as [number, number];
    this.strides = r.ints('strides', 2, 1) as [number, number];
    this.padding = readPaddingMode(r);
    readDataFormat(r, this.where);
    this.dilationRate = r.ints('dilation_rate', 2, 1) as [number, number];
    this.groups = r.int('groups', 1, 1);
    if (this.filters % this.groups !== 0) r.fail('groups', `a divisor of filters (${this.filters})`, this.groups);
    this.activation = readActivation(r.any('activation'), this.where);
    this.useBias = r.bool('use_bias', true);
    this.kernelInitializer = initializer(r, this.where, 'kernel_initializer', 'glorot_uniform');
    this.biasInitializer = initializer(r, this.where, 'bias_initializer', 'zeros');
    requireNeutral(r, this.where, 'lora_rank');
    r.done();
  }

  protected infer([x]: readonly SymShape[]): Inferred {
    const [, , cin] = imageDims(x!);
    check(cin % this.groups === 0, 'E_SHAPE', () => `groups ${this.groups} must divide the input channels, got input ${formatShape(x!)}`);
    const [ho, wo] = windowOutput(x!, this.kernelSize, this.strides, this.dilationRate, this.padding, 'kernel');
    const weights = [{ name: 'kernel', shape: [...this.kernelSize, cin / this.groups, this.filters], trainable: true, initializer: this.kernelInitializer }];
    if (this.useBias) weights.push({ name: 'bias', shape: [this.filters], trainable: true, initializer: this.biasInitializer });
    return { output: [batchOf(x!), ho, wo, this.filters], weights };
  }

  protected run([x]: readonly Tensor[], ctx: CallContext): Tensor {
    const attrs = this.opAttrsOnce('conv2d', () => ({ strides: this.strides, padding: this.padding, dilations: this.dilationRate, groups: this.groups, ...fusedActivation(this.activation) }));
    const y = runOp('conv2d', [x!, this.variable('kernel', ctx), this.optionalVariable('bias', ctx)], attrs, ctx.backend, ctx.mode).y;
    return finishActivation(y, this.activation, ctx);
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      filters: this.filters,
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      data_format: 'channels_last',
      dilation_rate: [...this.dilationRate],
      groups: this.groups,
      activation: this.activation.name,
      use_bias: this.useBias,
      kernel_initializer: initConfig(this.kernelInitializer),
      bias_initializer: initConfig(this.biasInitializer),
    };
  }
}
