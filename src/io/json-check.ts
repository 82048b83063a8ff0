import { TinyconvError, type ErrorCode } from '../core/errors.js';

/**
 * Typed reads of untrusted JSON-like values. Each failure is a TinyconvError naming the field by
 * its path ("weights[2].offset") and saying what was expected and what was found. The same checks
 * serve decoding (code E_FORMAT: the bytes are wrong) and encoding (E_ARG: the caller's object is).
 */
export class FieldChecker {
  constructor(
    readonly code: ErrorCode,
    /** What is being read, as the message's prefix: "model manifest", "encodeModel". */
    readonly where: string,
  ) {}

  fail(path: string, expected: string, got: unknown, code: ErrorCode = this.code): never {
    const what = got === undefined ? `${path} is missing (expected ${expected})` : `${path} must be ${expected}, got ${describe(got)}`;
    throw new TinyconvError(code, `${this.where}: ${what}`, { field: path });
  }

  /** A failure whose message is written by the caller (relations between fields). */
  error(message: string, details: Record<string, unknown> = {}, code: ErrorCode = this.code): never {
    throw new TinyconvError(code, `${this.where}: ${message}`, details);
  }

  object(v: unknown, path: string): Record<string, unknown> {
    if (!isPlainObject(v)) this.fail(path, 'an object', v);
    return v;
  }

  array(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'an array', v);
    return v;
  }

  string(v: unknown, path: string, nonEmpty = false): string {
    if (typeof v !== 'string' || (nonEmpty && v.length === 0)) this.fail(path, nonEmpty ? 'a non-empty string' : 'a string', v);
    return v;
  }

  /** An integer in [min, max]; `max` defaults to the largest exact integer of a double. */
  int(v: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max) this.fail(path, `an integer in [${min}, ${max}]`, v);
    return v as number;
  }

  finite(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(path, 'a finite number', v);
    return v;
  }

  oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T {
    if (typeof v !== 'string' || !values.includes(v as T)) this.fail(path, `one of ${values.map((s) => JSON.stringify(s)).join(', ')}`, v);
    return v as T;
  }

  stringArray(v: unknown, path: string): string[] {
    return this.array(v, path).map((s, i) => this.string(s, `${path}[${i}]`));
  }

  /** Rejects keys the format does not define, so a misspelt field never passes as absent. */
  onlyKeys(o: Record<string, unknown>, path: string, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) this.error(`${path} has an unknown field ${JSON.stringify(k)}; known fields: ${allowed.join(', ')}`, { field: `${path}.${k}` });
    }
  }

  /**
   * A value made only of what JSON can carry unchanged (null, booleans, finite numbers, strings,
   * arrays, plain objects), nested at most `maxDepth` deep: what survives a save/load round trip.
   */
  json(v: unknown, path: string, maxDepth = 64): void {
    if (maxDepth < 0) this.error(`${path} is nested too deeply (more than 64 levels)`, { field: path });
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) this.fail(path, 'a finite number (JSON has no NaN or Infinity)', v);
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((x, i) => this.json(x, `${path}[${i}]`, maxDepth - 1));
      return;
    }
    if (isPlainObject(v)) {
      for (const [k, x] of Object.entries(v)) this.json(x, `${path}.${k}`, maxDepth - 1);
      return;
    }
    this.fail(path, 'a JSON value (null, boolean, number, string, array or plain object)', v);
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}...` : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of ${v.byteLength} bytes`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'object') return isPlainObject(v) ? 'an object' : `a ${(v as object).constructor?.name ?? 'object'}`;
  return typeof v;
}
