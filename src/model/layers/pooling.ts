import { runOp } from '../../core/engine.js';
import type { Tensor } from '../../core/tensor.js';
import type { AttrReader } from '../../ops/attrs.js';
import type { CallContext } from '../context.js';
import { Layer, type BaseLayerConfig, type Inferred } from '../layer.js';
import { batchOf, type SymShape } from '../sym-shape.js';
import { imageDims, readDataFormat, readPaddingMode, windowOutput } from './window.js';

export interface Pooling2DConfig extends BaseLayerConfig {
  pool_size?: number | readonly number[];
  /** Defaults to pool_size. */
  strides?: number | readonly number[] | null;
  padding?: 'valid' | 'same';
  data_format?: 'channels_last' | 'channels_first' | null;
}

export interface MixedPooling2DConfig extends Pooling2DConfig {
  /** Weight of the max pool; the average pool gets 1 - alpha. */
  alpha?: number;
}

/**
 * Windowed pooling over NHWC images. As in Keras, average pooling with 'same' padding divides by
 * the cells inside the image, not the window size.
 */
abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  protected abstract readonly op: string;

  protected constructor(className: string, config: Pooling2DConfig, extraKeys: (r: AttrReader) => void = () => {}) {
    super(className, config);
    const r = this.configReader(config);
    this.poolSize = r.ints('pool_size', 2, 2) as [number, number];
    this.strides = r.ints('strides', 2, this.poolSize) as [number, number];
    this.padding = readPaddingMode(r);
    readDataFormat(r, this.where);
    extraKeys(r);
    r.done();
  }

  protected infer([x]: readonly SymShape[]): Inferred {
    const [, , c] = imageDims(x!);
    const [ho, wo] = windowOutput(x!, this.poolSize, this.strides, [1, 1], this.padding, 'pool window');
    return { output: [batchOf(x!), ho, wo, c] };
  }

  protected opAttrs(): Record<string, unknown> {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }

  protected run([x]: readonly Tensor[], ctx: CallContext): Tensor {
    return runOp(this.op, [x!], this.opAttrsOnce(this.op, () => this.opAttrs()), ctx.backend, ctx.mode).y;
  }

  protected layerConfig(): Record<string, unknown> {
    return { pool_size: [...this.poolSize], strides: [...this.strides], padding: this.padding, data_format: 'channels_last' };
  }
}

export class MaxPooling2D extends Pooling2D {
  protected readonly op = 'max_pool2d';
  constructor(config: Pooling2DConfig = {}) {
    super('MaxPooling2D', config);
  }
}

export class AveragePooling2D extends Pooling2D {
  protected readonly op = 'avg_pool2d';
  constructor(config: Pooling2DConfig = {}) {
    super('AveragePooling2D', config);
  }
}

/** alpha * max pool + (1 - alpha) * average pool over the same windows (a layer of this library, not Keras). */
export class MixedPooling2D extends Pooling2D {
  protected readonly op = 'mixed_pool2d';
  readonly alpha: number;
  constructor(config: MixedPooling2DConfig = {}) {
    let alpha = 0.5;
    super('MixedPooling2D', config, (r) => {
      alpha = r.num('alpha', 0.5, 0, 1);
    });
    this.alpha = alpha;
  }

  protected override opAttrs(): Record<string, unknown> {
    return { ...super.opAttrs(), alpha: this.alpha };
  }

  protected override layerConfig(): Record<string, unknown> {
    return { ...super.layerConfig(), alpha: this.alpha };
  }
}
