import { TinyconvError } from '../core/errors.js';

/**
 * Reads an op's raw attributes, filling defaults and validating each one with an error that names
 * the op and the attribute. `done()` rejects attributes nobody asked for, so a typo never passes
 * silently as a default.
 */
export class AttrReader {
  private readonly seen = new Set<string>();
  constructor(
    private readonly op: string,
    private readonly raw: Readonly<Record<string, unknown>>,
  ) {}

  private get(name: string): unknown {
    this.seen.add(name);
    return this.raw[name];
  }

  fail(name: string, expected: string, got: unknown = this.raw[name]): never {
    throw new TinyconvError('E_ATTR', `${this.op}: attribute ${name} must be ${expected}, got ${fmt(got)}`, { op: this.op, attr: name, value: got });
  }

  int(name: string, def: number | undefined, min = -Infinity, max = Infinity): number {
    const v = this.get(name) ?? def;
    if (v === undefined) this.fail(name, 'given');
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) this.fail(name, `an integer in [${min}, ${max}]`, v);
    return v as number;
  }

  num(name: string, def: number | undefined, min = -Infinity, max = Infinity): number {
    const v = this.get(name) ?? def;
    if (v === undefined) this.fail(name, 'given');
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) this.fail(name, `a finite number in [${min}, ${max}]`, v);
    return v;
  }

  bool(name: string, def: boolean): boolean {
    const v = this.get(name) ?? def;
    if (typeof v !== 'boolean') this.fail(name, 'true or false', v);
    return v;
  }

  oneOf<T extends string>(name: string, values: readonly T[], def: T | undefined): T {
    const v = this.get(name) ?? def;
    if (typeof v !== 'string' || !values.includes(v as T)) this.fail(name, `one of ${values.join(', ')}`, v);
    return v as T;
  }

  /** A list of `n` integers >= min; a single integer is repeated (Keras accepts 3 for [3, 3]). */
  ints(name: string, n: number, def: number | readonly number[] | undefined, min = 1): number[] {
    let v = this.get(name) ?? def;
    if (v === undefined) this.fail(name, 'given');
    if (typeof v === 'number') v = new Array(n).fill(v);
    if (!Array.isArray(v) || v.length !== n || !v.every((d) => Number.isInteger(d) && d >= min)) {
      this.fail(name, `${n} integers >= ${min} (or one integer)`, v);
    }
    return [...(v as number[])];
  }

  /** A list of integers of any length (target shapes, axes). */
  intList(name: string, def: readonly number[] | undefined, min = -Infinity): number[] {
    const v = this.get(name) ?? def;
    if (v === undefined) this.fail(name, 'given');
    if (!Array.isArray(v) || !v.every((d) => Number.isInteger(d) && d >= min)) this.fail(name, `a list of integers >= ${min}`, v);
    return [...(v as number[])];
  }

  /** A raw value checked by the caller (unions such as padding: 'same' | [t, b, l, r]). */
  any(name: string): unknown {
    return this.get(name);
  }

  /** Call last: rejects attributes the op does not know. */
  done(): void {
    for (const k of Object.keys(this.raw)) {
      if (!this.seen.has(k) && this.raw[k] !== undefined) {
        throw new TinyconvError('E_ATTR', `${this.op}: unknown attribute ${k}; known: ${[...this.seen].join(', ') || 'none'}`, { op: this.op, attr: k });
      }
    }
  }
}

function fmt(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
