import { TinyconvError } from '../../core/errors.js';
import type { Layer } from '../layer.js';
import { Activation, LeakyReLU, ReLU, Softmax } from './activation.js';
import { BatchNormalization } from './batch-normalization.js';
import { Conv2D } from './conv2d.js';
import { Dense } from './dense.js';
import { DepthwiseConv2D } from './depthwise-conv2d.js';
import { Dropout } from './dropout.js';
import { GlobalAveragePooling2D, GlobalMaxPooling2D } from './global-pooling.js';
import { InputLayer } from './input.js';
import { Add, Concatenate, Multiply } from './merge.js';
import { AveragePooling2D, MaxPooling2D, MixedPooling2D } from './pooling.js';
import { Flatten, Reshape } from './reshape.js';
import { SeparableConv2D } from './separable-conv2d.js';
import { UpSampling2D } from './up-sampling2d.js';
import { ZeroPadding2D } from './zero-padding2d.js';

export { Activation, LeakyReLU, ReLU, Softmax } from './activation.js';
export { BatchNormalization, type BatchNormalizationConfig } from './batch-normalization.js';
export { Conv2D, type Conv2DConfig } from './conv2d.js';
export { Dense, type DenseConfig } from './dense.js';
export { DepthwiseConv2D, type DepthwiseConv2DConfig } from './depthwise-conv2d.js';
export { Dropout, type DropoutConfig } from './dropout.js';
export { GlobalAveragePooling2D, GlobalMaxPooling2D, type GlobalPooling2DConfig } from './global-pooling.js';
export { Input, InputLayer, type InputLayerConfig, type InputOptions } from './input.js';
export { Add, Concatenate, Multiply, type ConcatenateConfig } from './merge.js';
export { AveragePooling2D, MaxPooling2D, MixedPooling2D, type MixedPooling2DConfig, type Pooling2DConfig } from './pooling.js';
export { Flatten, Reshape, type FlattenConfig, type ReshapeConfig } from './reshape.js';
export { SeparableConv2D, type SeparableConv2DConfig } from './separable-conv2d.js';
export { UpSampling2D, type UpSampling2DConfig } from './up-sampling2d.js';
export { ZeroPadding2D, type ZeroPadding2DConfig } from './zero-padding2d.js';
export type { ActivationConfig, LeakyReLUConfig, ReLUConfig, SoftmaxConfig } from './activation.js';
export type { InitializerConfig } from './common.js';

/** Every layer class by its Keras class name: what model configs may name. */
export const LAYER_CLASSES: Readonly<Record<string, new (config: any) => Layer>> = {
  InputLayer, Conv2D, DepthwiseConv2D, SeparableConv2D, Dense, MaxPooling2D, AveragePooling2D, MixedPooling2D,
  GlobalAveragePooling2D, GlobalMaxPooling2D, BatchNormalization, Dropout, Activation, ReLU, LeakyReLU, Softmax,
  Add, Multiply, Concatenate, Flatten, Reshape, ZeroPadding2D, UpSampling2D,
};

/** Other names Keras accepts for the same classes. */
const ALIASES: Readonly<Record<string, string>> = {
  Convolution2D: 'Conv2D',
  SeparableConvolution2D: 'SeparableConv2D',
  MaxPool2D: 'MaxPooling2D',
  AvgPool2D: 'AveragePooling2D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
  GlobalMaxPool2D: 'GlobalMaxPooling2D',
};

/** The canonical class name for a Keras class name or alias; undefined when unknown. */
export function canonicalClassName(name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(LAYER_CLASSES, name)) return name;
  return Object.prototype.hasOwnProperty.call(ALIASES, name) ? ALIASES[name] : undefined;
}

export function supportedLayers(): string[] {
  return Object.keys(LAYER_CLASSES).sort();
}

/** A layer from its class name and Keras config; E_CONFIG for a class this library does not have. */
export function layerFromConfig(className: string, config: Record<string, unknown>, layerName = String(config.name ?? '?')): Layer {
  const cls = canonicalClassName(className);
  if (!cls) {
    throw new TinyconvError('E_CONFIG', `layer ${layerName}: unknown layer class "${className}"; supported: ${supportedLayers().join(', ')}`, { layer: layerName, className });
  }
  return new LAYER_CLASSES[cls]!(config);
}
