import type { OpCase } from './case.js';

/**
 * The conformance table: every `cases/<op family>.ts` module's exported `cases`, gathered here.
 * Adding an op means adding a file of rows; no test file changes.
 */
const modules = import.meta.glob<{ cases: OpCase[] }>('./cases/*.ts', { eager: true });

export const CASES: OpCase[] = Object.keys(modules)
  .sort()
  .flatMap((k) => modules[k]!.cases);

export function caseId(c: OpCase): string {
  return `${c.op}: ${c.name}`;
}
