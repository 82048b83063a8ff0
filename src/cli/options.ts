import { UsageError, type ParsedArgs } from './command.js';

/**
 * Typed reads of parsed options. parseArgs already enforces each option's declared type; these
 * narrow the union and check what a declaration cannot say (a positive integer, say).
 */

type Options = ParsedArgs['options'];

/** A string option given at most once (the last value wins, as parseArgs does). */
export function stringOption(options: Options, name: string): string | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return stringOption({ [name]: v[v.length - 1] }, name);
  if (typeof v !== 'string') throw new UsageError(`--${name} needs a value`);
  return v;
}

/** A string option declared `multiple`: every value, in the order given. */
export function stringList(options: Options, name: string): string[] {
  const v = options[name];
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => {
    if (typeof x !== 'string') throw new UsageError(`--${name} needs a value`);
    return x;
  });
}

export function flag(options: Options, name: string): boolean {
  return options[name] === true;
}

/** A positive integer option ("--batch-size 8"); a usage error for anything else. */
export function positiveIntOption(options: Options, name: string): number | undefined {
  const s = stringOption(options, name);
  if (s === undefined) return undefined;
  const n = /^\d+$/.test(s.trim()) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(s)}`);
  return n;
}
