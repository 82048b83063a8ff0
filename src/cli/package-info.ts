import { readFile } from 'node:fs/promises';

/**
 * The package's own package.json, found by walking up from this module: one level from the
 * bundle (dist/cli.js), more from the sources. One source of truth for the version.
 */
export async function packageVersion(): Promise<string> {
  for (let up = 1; up <= 4; up++) {
    const url = new URL(`${'../'.repeat(up)}package.json`, import.meta.url);
    let text: string;
    try {
      text = await readFile(url, 'utf8');
    } catch {
      continue;
    }
    const pkg = JSON.parse(text) as { name?: unknown; version?: unknown };
    if (pkg.name === 'tinyconv' && typeof pkg.version === 'string') return pkg.version;
  }
  throw new Error(`cannot find tinyconv's package.json above ${import.meta.url}`);
}
