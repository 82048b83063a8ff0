import { TinyconvError, check } from './errors.js';
import { type Shape, checkShape, sizeOf, shapeToString } from './shape.js';
import type { Backend } from './backend.js';
import { decodeNpy, encodeNpy } from '../io/npy.js';
import { createReferenceBackend } from '../backends/reference/index.js';

/** Nested arrays of numbers: a scalar, [1, 2], [[1, 2], [3, 4]]... */
export type NestedArray = number | NestedArray[];

/** Where tensors made from host data live: the reference backend, created on first use. */
let hostBackend: Backend | null = null;
export function hostBackendOf(): Backend {
  return (hostBackend ??= createReferenceBackend('float32'));
}
const host = hostBackendOf;

/**
 * A float32 tensor with an explicit shape. Images are NHWC. Where the values live (host memory,
 * wasm memory, a GPU buffer) is the backend's business: `backend` names it, `handle` is its data.
 */
export class Tensor {
  readonly shape: Shape;
  readonly size: number;
  readonly dtype = 'float32' as const;
  readonly backend: Backend;
  #handle: unknown;

  /** Use the static constructors; this one wraps a backend's handle as it is. */
  constructor(shape: Shape, backend: Backend, handle: unknown) {
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    this.backend = backend;
    this.#handle = handle;
  }

  /** The backend's storage for this tensor; throws after dispose(). */
  get handle(): unknown {
    if (this.#handle === null) throw new TinyconvError('E_DISPOSED', `tensor ${shapeToString(this.shape)} was used after dispose()`);
    return this.#handle;
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.#handle === null;
  }

  /** A tensor from flat values in row-major (C) order. */
  static from(values: ArrayLike<number>, shape: Shape): Tensor {
    checkShape(shape);
    const n = sizeOf(shape);
    check(values != null && typeof values.length === 'number', 'E_ARG', 'Tensor.from: values must be an array or typed array');
    check(values.length === n, 'E_SHAPE', () => `Tensor.from: ${values.length} values do not fill shape ${shapeToString(shape)} (${n} elements)`);
    const data = values instanceof Float32Array ? values.slice() : Float32Array.from(values);
    return host().upload(data, shape);
  }

  /** A tensor from nested arrays; the shape is read from the nesting, which must be regular. */
  static fromNested(nested: NestedArray): Tensor {
    const shape: number[] = [];
    for (let v: NestedArray = nested; Array.isArray(v); v = v[0]!) {
      check(v.length > 0, 'E_SHAPE', 'Tensor.fromNested: empty arrays have no shape to infer');
      shape.push(v.length);
    }
    const out = new Float32Array(sizeOf(shape));
    let k = 0;
    const walk = (v: NestedArray, depth: number, path: string): void => {
      if (depth === shape.length) {
        check(typeof v === 'number', 'E_SHAPE', () => `Tensor.fromNested: expected a number at ${path || 'the top'}, got ${Array.isArray(v) ? 'an array' : typeof v}`);
        out[k++] = v as number;
        return;
      }
      check(Array.isArray(v) && v.length === shape[depth], 'E_SHAPE', () => `Tensor.fromNested: ragged nesting at ${path || 'the top'}: expected ${shape[depth]} entries`);
      (v as NestedArray[]).forEach((c, i) => walk(c, depth + 1, `${path}[${i}]`));
    };
    walk(nested, 0, '');
    return host().upload(out, shape);
  }

  /** A tensor from the bytes of a NumPy .npy file (float32/float64/int/uint, C order). */
  static fromNpy(bytes: Uint8Array | ArrayBuffer): Tensor {
    const { data, shape } = decodeNpy(bytes);
    return host().upload(data, shape);
  }

  static zeros(shape: Shape): Tensor {
    checkShape(shape);
    return host().upload(new Float32Array(sizeOf(shape)), shape);
  }

  static fill(shape: Shape, value: number): Tensor {
    checkShape(shape);
    return host().upload(new Float32Array(sizeOf(shape)).fill(value), shape);
  }

  /** The values, copied to the host. Works for every backend. */
  async data(): Promise<Float32Array> {
    return this.backend.read(this);
  }

  /** The values, copied to the host, synchronously; backends whose data is not host-visible throw. */
  dataSync(): Float32Array {
    return this.backend.readSync(this);
  }

  /** The values as nested arrays. */
  toNested(): NestedArray {
    const d = this.dataSync();
    if (this.shape.length === 0) return d[0]!;
    let k = 0;
    const build = (depth: number): NestedArray[] => {
      const n = this.shape[depth]!;
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = depth === this.shape.length - 1 ? d[k++]! : build(depth + 1);
      return out;
    };
    return build(0);
  }

  /** The bytes of a .npy file holding this tensor (float32, C order). */
  toNpy(): Uint8Array {
    return encodeNpy(this.dataSync(), this.shape);
  }

  /** Frees the backend storage; using the tensor afterwards throws E_DISPOSED. Idempotent. */
  dispose(): void {
    if (this.#handle === null) return;
    this.backend.release(this);
    this.#handle = null;
  }

  toString(): string {
    return `Tensor(${shapeToString(this.shape)}, ${this.backend.name})`;
  }
}
