import { TinyconvError } from '../../core/errors.js';
import { runOp } from '../../core/engine.js';
import type { Tensor } from '../../core/tensor.js';
import type { CallContext } from '../context.js';
import { Layer, type BaseLayerConfig, type Inferred } from '../layer.js';
import { batchOf, mapDim, type SymShape } from '../sym-shape.js';
import { imageDims, readDataFormat } from './window.js';

export interface UpSampling2DConfig extends BaseLayerConfig {
  size?: number | readonly number[];
  interpolation?: 'nearest' | 'bilinear';
  data_format?: 'channels_last' | 'channels_first' | null;
}

/**
 * Scales height and width by integer factors. 'nearest' repeats rows and columns (ONNX asymmetric
 * coordinates, floor); 'bilinear' uses half-pixel centers, as TensorFlow's resize does for Keras.
 */
export class UpSampling2D extends Layer {
  readonly size: [number, number];
  readonly interpolation: 'nearest' | 'bilinear';

  constructor(config: UpSampling2DConfig = {}) {
    super('UpSampling2D', config);
    const r = this.configReader(config);
    this.size = r.ints('size', 2, 2) as [number, number];
    const interp = r.any('interpolation') ?? 'nearest';
    if (interp !== 'nearest' && interp !== 'bilinear') {
      if (typeof interp === 'string') {
        throw new TinyconvError('E_UNSUPPORTED', `${this.where}: interpolation "${interp}" is not supported; supported: nearest, bilinear`, { attr: 'interpolation', value: interp });
      }
      r.fail('interpolation', '"nearest" or "bilinear"', interp);
    }
    this.interpolation = interp as 'nearest' | 'bilinear';
    readDataFormat(r, this.where);
    r.done();
  }

  protected infer([x]: readonly SymShape[]): Inferred {
    const [h, w, c] = imageDims(x!);
    return { output: [batchOf(x!), mapDim(h, (d) => d * this.size[0]), mapDim(w, (d) => d * this.size[1]), c] };
  }

  protected run([x]: readonly Tensor[], ctx: CallContext): Tensor {
    const [, h, w] = x!.shape as [number, number, number, number];
    const attrs =
      this.interpolation === 'nearest'
        ? { size: [h * this.size[0], w * this.size[1]], mode: 'nearest', coordinateTransform: 'asymmetric', nearestMode: 'floor' }
        : { size: [h * this.size[0], w * this.size[1]], mode: 'bilinear', coordinateTransform: 'half_pixel' };
    return runOp('resize2d', [x!], attrs, ctx.backend, ctx.mode).y;
  }

  protected layerConfig(): Record<string, unknown> {
    return { size: [...this.size], data_format: 'channels_last', interpolation: this.interpolation };
  }
}
