import { runOp } from '../../core/engine.js';
import type { Tensor } from '../../core/tensor.js';
import type { CallContext } from '../context.js';
import { Layer, type BaseLayerConfig, type Inferred } from '../layer.js';
import { batchOf, mapDim, type SymShape } from '../sym-shape.js';
import { imageDims, readDataFormat } from './window.js';

export interface ZeroPadding2DConfig extends BaseLayerConfig {
  /** p (all sides), [ph, pw] (symmetric) or [[top, bottom], [left, right]]. */
  padding?: number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];
  data_format?: 'channels_last' | 'channels_first' | null;
}

/** Pads height and width with zeros. */
export class ZeroPadding2D extends Layer {
  /** [[top, bottom], [left, right]]. */
  readonly padding: [[number, number], [number, number]];

  constructor(config: ZeroPadding2DConfig = {}) {
    super('ZeroPadding2D', config);
    const r = this.configReader(config);
    const v = r.any('padding') ?? 1;
    const nonNeg = (d: unknown): d is number => Number.isInteger(d) && (d as number) >= 0;
    if (nonNeg(v)) this.padding = [[v, v], [v, v]];
    else if (Array.isArray(v) && v.length === 2 && v.every(nonNeg)) this.padding = [[v[0], v[0]], [v[1], v[1]]];
    else if (Array.isArray(v) && v.length === 2 && v.every((p) => Array.isArray(p) && p.length === 2 && p.every(nonNeg))) {
      this.padding = [[v[0][0], v[0][1]], [v[1][0], v[1][1]]];
    } else this.padding = r.fail('padding', 'a non-negative integer, [ph, pw] or [[top, bottom], [left, right]]', v);
    readDataFormat(r, this.where);
    r.done();
  }

  protected infer([x]: readonly SymShape[]): Inferred {
    const [h, w, c] = imageDims(x!);
    const [[t, b], [l, rt]] = this.padding;
    return { output: [batchOf(x!), mapDim(h, (d) => d + t + b), mapDim(w, (d) => d + l + rt), c] };
  }

  protected run([x]: readonly Tensor[], ctx: CallContext): Tensor {
    const [[t, b], [l, r]] = this.padding;
    return runOp('pad', [x!], { pads: [0, t, l, 0, 0, b, r, 0], mode: 'constant', value: 0 }, ctx.backend, ctx.mode).y;
  }

  protected layerConfig(): Record<string, unknown> {
    return { padding: this.padding.map((p) => [...p]), data_format: 'channels_last' };
  }
}
