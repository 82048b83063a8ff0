import { runOp } from '../../core/engine.js';
import type { Tensor } from '../../core/tensor.js';
import type { CallContext } from '../context.js';
import { Layer, type BaseLayerConfig, type Inferred } from '../layer.js';
import { batchOf, type SymShape } from '../sym-shape.js';
import { imageDims, readDataFormat } from './window.js';

export interface GlobalPooling2DConfig extends BaseLayerConfig {
  data_format?: 'channels_last' | 'channels_first' | null;
  /** Keep the pooled axes as size 1: (batch, 1, 1, C) instead of (batch, C). */
  keepdims?: boolean;
}

/** Pools each channel over the whole image. */
abstract class GlobalPooling2D extends Layer {
  readonly keepdims: boolean;
  protected abstract readonly op: string;

  protected constructor(className: string, config: GlobalPooling2DConfig) {
    super(className, config);
    const r = this.configReader(config);
    readDataFormat(r, this.where);
    this.keepdims = r.bool('keepdims', false);
    r.done();
  }

  protected infer([x]: readonly SymShape[]): Inferred {
    const [, , c] = imageDims(x!);
    return { output: this.keepdims ? [batchOf(x!), 1, 1, c] : [batchOf(x!), c] };
  }

  protected run([x]: readonly Tensor[], ctx: CallContext): Tensor {
    return runOp(this.op, [x!], { keepDims: this.keepdims }, ctx.backend, ctx.mode).y;
  }

  protected layerConfig(): Record<string, unknown> {
    return { data_format: 'channels_last', keepdims: this.keepdims };
  }
}

export class GlobalAveragePooling2D extends GlobalPooling2D {
  protected readonly op = 'global_avg_pool2d';
  constructor(config: GlobalPooling2DConfig = {}) {
    super('GlobalAveragePooling2D', config);
  }
}

export class GlobalMaxPooling2D extends GlobalPooling2D {
  protected readonly op = 'global_max_pool2d';
  constructor(config: GlobalPooling2DConfig = {}) {
    super('GlobalMaxPooling2D', config);
  }
}
