/**
 * The built package in Deno: `deno test --allow-read --no-check --sloppy-imports tests/e2e/deno.test.ts`
 * (scripts/test.sh runs it after `npm run build`). Every check in checks.ts becomes one Deno test.
 */
import { CHECKS, type CheckContext, type Lib } from './checks.js';

/** The part of Deno's API this file uses (the project's typecheck runs without Deno's types). */
declare const Deno: {
  test(name: string, fn: () => void | Promise<void>): void;
  readFile(path: URL): Promise<Uint8Array>;
  version: { deno: string };
};

const root = new URL('../../', import.meta.url);
// Through a variable, so the bundle is loaded as shipped and not resolved as a source file.
const bundle = new URL('dist/tinyconv.js', root).href;
const tc = (await import(bundle)) as Lib;

const ctx: CheckContext = {
  tc,
  runtime: `deno ${Deno.version.deno}`,
  readBytes: (path) => Deno.readFile(new URL(path, root)),
};

for (const [name, check] of Object.entries(CHECKS)) {
  Deno.test(name, () => check(ctx));
}
