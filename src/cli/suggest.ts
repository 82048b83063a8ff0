import type { Command } from './command.js';

/** "unknown command "sumary" (did you mean summary?); commands: ..." */
export function unknownCommandMessage(name: string, commands: readonly Command[]): string {
  const near = commands.map((c) => c.name).filter((c) => editDistance(c, name) <= Math.max(1, Math.floor(c.length / 3)));
  const hint = near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : '';
  return `unknown command ${JSON.stringify(name)}${hint}; commands: ${commands.map((c) => c.name).join(', ')}`;
}

/** Levenshtein distance (commands names are short; quadratic is fine). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
