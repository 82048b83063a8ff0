import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Files `npm run build` makes, which some suites test as shipped (scripts/test.sh builds first). */
export const ROOT = new URL('../../', import.meta.url);
export const BUILT = {
  wasm: new URL('build/wasm/tinyconv.wasm', ROOT),
  bundle: new URL('dist/tinyconv.js', ROOT),
  bundleWasm: new URL('dist/tinyconv.wasm', ROOT),
  cli: new URL('dist/cli.js', ROOT),
  launcher: new URL('bin/tinyconv.js', ROOT),
};

/** Throws, naming the missing file and the command that makes it, unless the build outputs exist. */
export function requireBuilt(...urls: URL[]): void {
  const missing = urls.filter((u) => !existsSync(u)).map((u) => fileURLToPath(u));
  if (missing.length > 0) throw new Error(`missing build output ${missing.join(', ')}: run \`npm run build\` first`);
}
