import { TinyconvError } from '../../core/errors.js';
import { runOp } from '../../core/engine.js';
import { hash32 } from '../../core/random.js';
import type { Tensor } from '../../core/tensor.js';
import type { CallContext } from '../context.js';
import { Layer, type BaseLayerConfig, type Inferred } from '../layer.js';
import type { SymShape } from '../sym-shape.js';
import { hashString } from '../variable.js';

export interface DropoutConfig extends BaseLayerConfig {
  rate: number;
  /** Seeds the masks; by default derived from the layer name. */
  seed?: number | null;
  /** Masks shared along some axes: not supported (null only). */
  noise_shape?: null;
}

/**
 * Inverted dropout in training (each call draws a new mask: the step counter is mixed into the
 * seed), the identity in inference.
 */
export class Dropout extends Layer {
  override readonly mayAliasInput = true;
  readonly rate: number;
  readonly seed: number | null;
  #calls = 0;

  constructor(config: DropoutConfig) {
    super('Dropout', config);
    const r = this.configReader(config);
    this.rate = r.num('rate', undefined, 0);
    if (this.rate >= 1) r.fail('rate', 'a number in [0, 1)', this.rate);
    const seed = r.any('seed');
    this.seed = seed === undefined || seed === null ? null : r.int('seed', undefined, 0, 0xffffffff);
    const noise = r.any('noise_shape');
    if (noise !== undefined && noise !== null) {
      throw new TinyconvError('E_UNSUPPORTED', `${this.where}: noise_shape ${JSON.stringify(noise)} is not supported (masks are drawn per element)`, { attr: 'noise_shape' });
    }
    r.done();
  }

  protected infer([x]: readonly SymShape[]): Inferred {
    return { output: x! };
  }

  protected run([x]: readonly Tensor[], ctx: CallContext): Tensor {
    if (ctx.mode !== 'train' || this.rate === 0) return x!;
    const seed = hash32(((this.seed ?? hashString(this.name)) + Math.imul(this.#calls++, 0x9e3779b9)) >>> 0);
    return runOp('dropout', [x!], { rate: this.rate, seed }, ctx.backend, ctx.mode).y;
  }

  protected layerConfig(): Record<string, unknown> {
    return { rate: this.rate, noise_shape: null, seed: this.seed };
  }
}
