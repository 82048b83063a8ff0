import { runOp } from '../../core/engine.js';
import type { Tensor } from '../../core/tensor.js';
import { finishActivation, fusedActivation, readActivation, type LayerActivation } from '../activations.js';
import type { CallContext } from '../context.js';
import type { Initializer } from '../initializers.js';
import { Layer, type BaseLayerConfig, type Inferred } from '../layer.js';
import { batchOf, type SymShape } from '../sym-shape.js';
import { initConfig, initializer, passthroughKeys, type InitializerConfig } from './common.js';
import { imageDims, readDataFormat, readPaddingMode, windowOutput } from './window.js';

export interface SeparableConv2DConfig extends BaseLayerConfig {
  filters: number;
  kernel_size: number | readonly number[];
  strides?: number | readonly number[];
  padding?: 'valid' | 'same';
  data_format?: 'channels_last' | 'channels_first' | null;
  dilation_rate?: number | readonly number[];
  depth_multiplier?: number;
  activation?: string | null;
  use_bias?: boolean;
  depthwise_initializer?: InitializerConfig;
  pointwise_initializer?: InitializerConfig;
  bias_initializer?: InitializerConfig;
  depthwise_regularizer?: unknown;
  pointwise_regularizer?: unknown;
  bias_regularizer?: unknown;
  activity_regularizer?: unknown;
  depthwise_constraint?: unknown;
  pointwise_constraint?: unknown;
  bias_constraint?: unknown;
}

/**
 * Depthwise convolution (strides and dilation apply here) followed by a 1x1 pointwise convolution
 * with the bias and activation. Weights depthwise_kernel [kh, kw, C, mult],
 * pointwise_kernel [1, 1, C * mult, filters], bias [filters].
 */
export class SeparableConv2D extends Layer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
  readonly depthMultiplier: number;
  readonly activation: LayerActivation;
  readonly useBias: boolean;
  readonly depthwiseInitializer: Initializer;
  readonly pointwiseInitializer: Initializer;
  readonly biasInitializer: Initializer;

  constructor(config: SeparableConv2DConfig) {
    super('SeparableConv2D', config);
    const r = this.configReader(config, passthroughKeys('depthwise', 'pointwise', 'bias'));
    this.filters = r.int('filters', undefined, 1);
    this.kernelSize = r.ints('kernel_size', 2, undefined) as [number, number];
    this.strides = r.ints('strides', 2, 1) as [number, number];
    this.padding = readPaddingMode(r);
    readDataFormat(r, this.where);
    this.dilationRate = r.ints('dilation_rate', 2, 1) as [number, number];
    this.depthMultiplier = r.int('depth_multiplier', 1, 1);
    this.activation = readActivation(r.any('activation'), this.where);
    this.useBias = r.bool('use_bias', true);
    this.depthwiseInitializer = initializer(r, this.where, 'depthwise_initializer', 'glorot_uniform');
    this.pointwiseInitializer = initializer(r, this.where, 'pointwise_initializer', 'glorot_uniform');
    this.biasInitializer = initializer(r, this.where, 'bias_initializer', 'zeros');
    // Keras 2 writes the Conv2D key groups (always 1 here) and the unused kernel_* keys.
    r.int('groups', 1, 1, 1);
    for (const k of ['kernel_initializer', 'kernel_regularizer', 'kernel_constraint']) r.any(k);
    r.done();
  }

  protected infer([x]: readonly SymShape[]): Inferred {
    const [, , c] = imageDims(x!);
    const [ho, wo] = windowOutput(x!, this.kernelSize, this.strides, this.dilationRate, this.padding, 'depthwise kernel');
    const weights = [
      { name: 'depthwise_kernel', shape: [...this.kernelSize, c, this.depthMultiplier], trainable: true, initializer: this.depthwiseInitializer },
      { name: 'pointwise_kernel', shape: [1, 1, c * this.depthMultiplier, this.filters], trainable: true, initializer: this.pointwiseInitializer },
    ];
    if (this.useBias) weights.push({ name: 'bias', shape: [this.filters], trainable: true, initializer: this.biasInitializer });
    return { output: [batchOf(x!), ho, wo, this.filters], weights };
  }

  protected run([x]: readonly Tensor[], ctx: CallContext): Tensor {
    const dw = { strides: this.strides, padding: this.padding, dilations: this.dilationRate };
    const z = runOp('depthwise_conv2d', [x!, this.variable('depthwise_kernel', ctx)], dw, ctx.backend, ctx.mode).y;
    const y = runOp('conv2d', [z, this.variable('pointwise_kernel', ctx), this.optionalVariable('bias', ctx)], fusedActivation(this.activation), ctx.backend, ctx.mode).y;
    ctx.release(z);
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
      depth_multiplier: this.depthMultiplier,
      activation: this.activation.name,
      use_bias: this.useBias,
      depthwise_initializer: initConfig(this.depthwiseInitializer),
      pointwise_initializer: initConfig(this.pointwiseInitializer),
      bias_initializer: initConfig(this.biasInitializer),
    };
  }
}
