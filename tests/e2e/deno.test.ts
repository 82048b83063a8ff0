/**
 * The built package in Deno: `deno test --allow-read --allow-env=CI --no-check --sloppy-imports tests/e2e/deno.test.ts`
 * (scripts/test.sh runs it after `npm run build`). Every check in checks.ts becomes one Deno test.
 * The WebGPU checks run on Deno's navigator.gpu; without an adapter they are ignored (shown as
 * such), or fail when CI=true.
 */
import { CHECKS, type CheckContext, type Lib } from './checks.js';

/** The part of Deno's API this file uses (the project's typecheck runs without Deno's types). */
declare const Deno: {
  test(options: { name: string; ignore?: boolean; fn: () => void | Promise<void> }): void;
  readFile(path: URL): Promise<Uint8Array>;
  env: { get(name: string): string | undefined };
  version: { deno: string };
};

const root = new URL('../../', import.meta.url);
// Through a variable, so the bundle is loaded as shipped and not resolved as a source file.
const bundle = new URL('dist/tinyconv.js', root).href;
const tc = (await import(bundle)) as Lib;

const ci = ['true', '1'].includes(Deno.env.get('CI') ?? '');
const ctx: CheckContext = {
  tc,
  runtime: `deno ${Deno.version.deno}`,
  readBytes: (path) => Deno.readFile(new URL(path, root)),
  requireWebGPU: ci,
};

// Deno cannot skip a test once it runs, so the adapter is probed before registering the WebGPU
// checks: without one (and without CI=true) they are registered as ignored.
const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<unknown> } } | undefined)?.gpu;
const hasAdapter = !!(await gpu?.requestAdapter().catch(() => null));

for (const [name, check] of Object.entries(CHECKS)) {
  Deno.test({ name, ignore: name.startsWith('webgpu:') && !hasAdapter && !ci, fn: () => check(ctx) });
}
