import { TinyconvError, check } from '../../core/errors.js';
import { runOp } from '../../core/engine.js';
import type { Tensor } from '../../core/tensor.js';
import type { CallContext } from '../context.js';
import { Layer, type BaseLayerConfig, type Inferred } from '../layer.js';
import { batchOf, featureSize, formatShape, type SymShape } from '../sym-shape.js';
import { readDataFormat } from './window.js';

export interface FlattenConfig extends BaseLayerConfig {
  data_format?: 'channels_last' | 'channels_first' | null;
}

/** (batch, d1, d2, ...) -> (batch, d1 * d2 * ...), row-major (NHWC order, as Keras). */
export class Flatten extends Layer {
  override readonly mayAliasInput = true;
  constructor(config: FlattenConfig = {}) {
    super('Flatten', config);
    const r = this.configReader(config);
    readDataFormat(r, this.where);
    r.done();
  }

  protected infer([x]: readonly SymShape[]): Inferred {
    const n = featureSize(x!);
    check(n !== null, 'E_SHAPE', () => `needs the non-batch dimensions of its input to be known, got ${formatShape(x!)}`);
    return { output: [batchOf(x!), n] };
  }

  protected run([x]: readonly Tensor[], ctx: CallContext): Tensor {
    return runOp('flatten', [x!], { axis: 1 }, ctx.backend, ctx.mode).y;
  }

  protected layerConfig(): Record<string, unknown> {
    return { data_format: 'channels_last' };
  }
}

export interface ReshapeConfig extends BaseLayerConfig {
  /** The shape of one sample (no batch dimension); one entry may be -1 (inferred). */
  target_shape: readonly number[];
}

/** Gives each sample a new shape with the same elements in the same order. */
export class Reshape extends Layer {
  override readonly mayAliasInput = true;
  readonly targetShape: number[];

  constructor(config: ReshapeConfig) {
    super('Reshape', config);
    const r = this.configReader(config);
    this.targetShape = r.intList('target_shape', undefined, -1);
    if (this.targetShape.filter((d) => d === -1).length > 1 || this.targetShape.includes(0)) {
      r.fail('target_shape', 'positive integers with at most one -1', this.targetShape);
    }
    r.done();
  }

  protected infer([x]: readonly SymShape[]): Inferred {
    const n = featureSize(x!);
    check(n !== null, 'E_SHAPE', () => `needs the non-batch dimensions of its input to be known, got ${formatShape(x!)}`);
    const known = this.targetShape.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const target = formatShape([null, ...this.targetShape]);
    if (this.targetShape.includes(-1)) {
      if (n % known !== 0) {
        throw new TinyconvError('E_SHAPE', `cannot reshape input ${formatShape(x!)} (${n} values per sample) to ${target}: ${n} is not a multiple of ${known}`, { input: x, target: this.targetShape });
      }
      return { output: [batchOf(x!), ...this.targetShape.map((d) => (d === -1 ? n / known : d))] };
    }
    if (known !== n) {
      throw new TinyconvError('E_SHAPE', `cannot reshape input ${formatShape(x!)} (${n} values per sample) to ${target} (${known} values)`, { input: x, target: this.targetShape });
    }
    return { output: [batchOf(x!), ...this.targetShape] };
  }

  protected run([x]: readonly Tensor[], ctx: CallContext): Tensor {
    return runOp('reshape', [x!], { shape: [x!.shape[0]!, ...this.targetShape] }, ctx.backend, ctx.mode).y;
  }

  protected layerConfig(): Record<string, unknown> {
    return { target_shape: [...this.targetShape] };
  }
}
