import { TinyconvError, check } from '../core/errors.js';
import type { Backend } from '../core/backend.js';
import { toBackend } from '../core/engine.js';
import { hash32 } from '../core/random.js';
import { shapeToString, shapesEqual, sizeOf, type Shape } from '../core/shape.js';
import { Tensor, hostBackendOf } from '../core/tensor.js';
import type { Initializer } from './initializers.js';

/** What a variable needs to know about the layer that owns it. */
export interface VariableOwner {
  readonly name: string;
  readonly className: string;
  readonly trainable: boolean;
}

/** Declared by a layer when it is built: one weight, by its Keras name. */
export interface WeightSpec {
  name: string;
  shape: number[];
  trainable: boolean;
  initializer: Initializer;
}

/** A 32-bit hash of a string (FNV-1a folded through hash32), for name-derived seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return hash32(h >>> 0);
}

/**
 * A layer's weight: "<layer>/<weight>", a shape, and a value that is drawn from the initializer
 * on first use (so a model can be built, summarized and loaded without drawing weights it will
 * overwrite). The value lives on the backend that last computed with it.
 */
export class LayerVariable {
  readonly name: string;
  readonly shape: readonly number[];
  readonly size: number;
  #value: Tensor | null = null;

  constructor(
    readonly owner: VariableOwner,
    readonly spec: WeightSpec,
  ) {
    this.name = `${owner.name}/${spec.name}`;
    this.shape = Object.freeze([...spec.shape]);
    this.size = sizeOf(spec.shape);
  }

  /** The weight's Keras name within its layer ("kernel", "moving_mean"). */
  get weightName(): string {
    return this.spec.name;
  }

  /** Trainable when declared so (BN moving statistics are not) and its layer is not frozen. */
  get trainable(): boolean {
    return this.spec.trainable && this.owner.trainable;
  }

  /** Whether a value exists yet (drawn or assigned). */
  get initialized(): boolean {
    return this.#value !== null;
  }

  /** The current value; draws it from the initializer on first use. */
  get value(): Tensor {
    if (this.#value === null) {
      const data = this.spec.initializer.sample(this.shape, hashString(this.name));
      this.#value = hostBackendOf().upload(data, this.shape);
    }
    return this.#value;
  }

  /**
   * The value on `backend`, moving it there for good when it lives elsewhere, so gradients taken
   * with respect to it refer to the tensor the ops actually read.
   */
  valueOn(backend: Backend): Tensor {
    const v = this.value;
    if (v.backend === backend) return v;
    const moved = toBackend(v, backend);
    v.dispose();
    this.#value = moved;
    return moved;
  }

  /** The values, copied to the host. */
  read(): Float32Array {
    return this.value.dataSync();
  }

  /**
   * Replaces the value. Takes ownership of `t` and frees the previous value. With `checkFinite`,
   * values are read back and NaN / infinity rejected (E_VALUE).
   */
  assign(t: Tensor, opts: { checkFinite?: boolean } = {}): void {
    check(t instanceof Tensor, 'E_ARG', () => `${this.where()}: assign() needs a Tensor`);
    if (!shapesEqual(t.shape, this.shape)) {
      throw new TinyconvError('E_SHAPE', `${this.where()}: expected shape ${shapeToString(this.shape)}, got ${shapeToString(t.shape)}`, {
        layer: this.owner.name,
        weight: this.spec.name,
        expected: [...this.shape],
        got: [...t.shape],
      });
    }
    if (opts.checkFinite) checkFinite(t.dataSync(), this.where());
    if (this.#value && this.#value !== t) this.#value.dispose();
    this.#value = t;
  }

  /** Assigns host values of this weight's shape (copied). */
  assignData(shape: Shape, data: ArrayLike<number>): void {
    check(shape.length === 0 || data.length === sizeOf(shape), 'E_SHAPE', () => `${this.where()}: ${data.length} values do not fill shape ${shapeToString(shape)}`);
    if (!shapesEqual(shape, this.shape)) {
      throw new TinyconvError('E_SHAPE', `${this.where()}: expected shape ${shapeToString(this.shape)}, got ${shapeToString(shape)}`, {
        layer: this.owner.name,
        weight: this.spec.name,
        expected: [...this.shape],
        got: [...shape],
      });
    }
    checkFinite(data, this.where());
    this.assign(hostBackendOf().upload(Float32Array.from(data), this.shape));
  }

  private where(): string {
    return `layer ${this.owner.name} (${this.owner.className}), weight ${this.spec.name}`;
  }
}

function checkFinite(data: ArrayLike<number>, where: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new TinyconvError('E_VALUE', `${where}: value ${i} is ${data[i]}; weights must be finite`, { index: i, value: data[i] });
    }
  }
}
