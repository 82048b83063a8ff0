import { TinyconvError } from '../../core/errors.js';
import { runOp } from '../../core/engine.js';
import type { Tensor } from '../../core/tensor.js';
import type { CallContext } from '../context.js';
import { Layer, type BaseLayerConfig, type Inferred } from '../layer.js';
import { formatShape, type Dim, type SymShape } from '../sym-shape.js';

/**
 * Shape of an element-wise op over several inputs, Keras rules: ranks aligned at the end, each
 * dimension equal or 1 (which broadcasts); unknown dimensions stay unknown.
 */
function elementwiseShape(shapes: readonly SymShape[]): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const j = s.length - rank + i;
      const e: Dim = j < 0 ? 1 : (s[j] as Dim);
      if (e === 1 || e === null) {
        if (d === 1 && e === null) d = null;
        continue;
      }
      if (d === 1 || d === null) d = e;
      else if (e !== d) {
        throw new TinyconvError('E_SHAPE', `inputs ${shapes.map(formatShape).join(', ')} have incompatible shapes (dimension ${i} is ${d} in one and ${e} in another)`, { shapes });
      }
    }
    out.push(d);
  }
  return out;
}

/** Add / Multiply: an element-wise op folded over two or more inputs. */
abstract class ElementwiseMerge extends Layer {
  override readonly arity = 'many' as const;
  protected abstract readonly op: 'add' | 'mul';

  protected constructor(className: string, config: BaseLayerConfig) {
    super(className, config);
    this.configReader(config).done();
  }

  protected infer(shapes: readonly SymShape[]): Inferred {
    return { output: elementwiseShape(shapes) };
  }

  protected run(inputs: readonly Tensor[], ctx: CallContext): Tensor {
    let acc = inputs[0]!;
    for (const t of inputs.slice(1)) {
      const next = runOp(this.op, [acc, t], {}, ctx.backend, ctx.mode).y;
      if (acc !== inputs[0]) ctx.release(acc);
      acc = next;
    }
    return acc;
  }

  protected layerConfig(): Record<string, unknown> {
    return {};
  }
}

export class Add extends ElementwiseMerge {
  protected readonly op = 'add';
  constructor(config: BaseLayerConfig = {}) {
    super('Add', config);
  }
}

export class Multiply extends ElementwiseMerge {
  protected readonly op = 'mul';
  constructor(config: BaseLayerConfig = {}) {
    super('Multiply', config);
  }
}

export interface ConcatenateConfig extends BaseLayerConfig {
  /** The axis to join along, counting the batch axis as 0 (default -1, the channels). */
  axis?: number;
}

/** Joins two or more inputs along one axis; every other dimension must agree. */
export class Concatenate extends Layer {
  override readonly arity = 'many' as const;
  readonly axis: number;

  constructor(config: ConcatenateConfig = {}) {
    super('Concatenate', config);
    const r = this.configReader(config);
    this.axis = r.int('axis', -1);
    r.done();
  }

  protected infer(shapes: readonly SymShape[]): Inferred {
    const rank = shapes[0]!.length;
    const list = shapes.map(formatShape).join(', ');
    if (shapes.some((s) => s.length !== rank)) throw new TinyconvError('E_SHAPE', `inputs ${list} must all have the same rank`, { shapes });
    if (this.axis < -rank || this.axis >= rank) throw new TinyconvError('E_ATTR', `axis ${this.axis} is out of range for inputs of rank ${rank} (${list})`, { axis: this.axis });
    const ax = this.axis < 0 ? this.axis + rank : this.axis;
    const out: Dim[] = [];
    for (let i = 0; i < rank; i++) {
      const ds = shapes.map((s) => s[i]!);
      if (i === ax) {
        out.push(ds.some((d) => d === null) ? null : ds.reduce<number>((a, d) => a + (d as number), 0));
        continue;
      }
      const known = ds.filter((d): d is number => d !== null);
      if (known.some((d) => d !== known[0])) {
        throw new TinyconvError('E_SHAPE', `inputs ${list} differ in dimension ${i}; only the concatenation axis ${ax} may differ`, { shapes, axis: ax });
      }
      out.push(known[0] ?? null);
    }
    return { output: out };
  }

  protected run(inputs: readonly Tensor[], ctx: CallContext): Tensor {
    return runOp('concat', [...inputs], { axis: this.axis }, ctx.backend, ctx.mode).y;
  }

  protected layerConfig(): Record<string, unknown> {
    return { axis: this.axis };
  }
}
