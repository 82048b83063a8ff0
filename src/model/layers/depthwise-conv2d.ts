import { runOp } from '../../core/engine.js';
import type { Tensor } from '../../core/tensor.js';
import { finishActivation, fusedActivation, readActivation, type LayerActivation } from '../activations.js';
import type { CallContext } from '../context.js';
import type { Initializer } from '../initializers.js';
import { Layer, type BaseLayerConfig, type Inferred } from '../layer.js';
import { batchOf, type SymShape } from '../sym-shape.js';
import { initConfig, initializer, passthroughKeys, requireNeutral, type InitializerConfig } from './common.js';
import { imageDims, readDataFormat, readPaddingMode, windowOutput } from './window.js';

export interface DepthwiseConv2DConfig extends BaseLayerConfig {
  kernel_size: number | readonly number[];
  strides?: number | readonly number[];
  padding?: 'valid' | 'same';
  depth_multiplier?: number;
  data_format?: 'channels_last' | 'channels_first' | null;
  dilation_rate?: number | readonly number[];
  activation?: string | null;
  use_bias?: boolean;
  depthwise_initializer?: InitializerConfig;
  bias_initializer?: InitializerConfig;
  depthwise_regularizer?: unknown;
  bias_regularizer?: unknown;
  activity_regularizer?: unknown;
  depthwise_constraint?: unknown;
  bias_constraint?: unknown;
}

/**
 * Depthwise 2-D convolution: each input channel gets depth_multiplier filters of its own.
 * Weights depthwise_kernel [kh, kw, C, depth_multiplier], bias [C * depth_multiplier].
 */
export class DepthwiseConv2D extends Layer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly depthMultiplier: number;
  readonly dilationRate: [number, number];
  readonly activation: LayerActivation;
  readonly useBias: boolean;
  readonly depthwiseInitializer: Initializer;
  readonly biasInitializer: Initializer;

  constructor(config: DepthwiseConv2DConfig) {
    super('DepthwiseConv2D', config);
    const r = this.configReader(config, passthroughKeys('depthwise', 'bias'));
    this.kernelSize = r.ints('kernel_size', 2, undefined) as [number, number];
    this.strides = r.ints('strides', 2, 1) as [number, number];
    this.padding = readPaddingMode(r);
    this.depthMultiplier = r.int('depth_multiplier', 1, 1);
    readDataFormat(r, this.where);
    this.dilationRate = r.ints('dilation_rate', 2, 1) as [number, number];
    this.activation = readActivation(r.any('activation'), this.where);
    this.useBias = r.bool('use_bias', true);
    this.depthwiseInitializer = initializer(r, this.where, 'depthwise_initializer', 'glorot_uniform');
    this.biasInitializer = initializer(r, this.where, 'bias_initializer', 'zeros');
    // Some Keras 2 versions write the Conv2D keys that DepthwiseConv2D does not use.
    requireNeutral(r, this.where, 'groups', 1);
    requireNeutral(r, this.where, 'filters');
    for (const k of ['kernel_initializer', 'kernel_regularizer', 'kernel_constraint']) r.any(k);
    r.done();
  }

  protected infer([x]: readonly SymShape[]): Inferred {
    const [, , c] = imageDims(x!);
    const [ho, wo] = windowOutput(x!, this.kernelSize, this.strides, this.dilationRate, this.padding, 'kernel');
    const out = c * this.depthMultiplier;
    const weights = [{ name: 'depthwise_kernel', shape: [...this.kernelSize, c, this.depthMultiplier], trainable: true, initializer: this.depthwiseInitializer }];
    if (this.useBias) weights.push({ name: 'bias', shape: [out], trainable: true, initializer: this.biasInitializer });
    return { output: [batchOf(x!), ho, wo, out], weights };
  }

  protected run([x]: readonly Tensor[], ctx: CallContext): Tensor {
    const attrs = { strides: this.strides, padding: this.padding, dilations: this.dilationRate, ...fusedActivation(this.activation) };
    const y = runOp('depthwise_conv2d', [x!, this.variable('depthwise_kernel', ctx), this.optionalVariable('bias', ctx)], attrs, ctx.backend, ctx.mode).y;
    return finishActivation(y, this.activation, ctx);
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      depth_multiplier: this.depthMultiplier,
      data_format: 'channels_last',
      dilation_rate: [...this.dilationRate],
      activation: this.activation.name,
      use_bias: this.useBias,
      depthwise_initializer: initConfig(this.depthwiseInitializer),
      bias_initializer: initConfig(this.biasInitializer),
    };
  }
}
