import type { CheckContext, Lib } from './checks.js';

/**
 * The check context in a browser page or worker: the bundle from the test server, and repository
 * files fetched from it (the server serves the repository root). `?ci=1` on the page's address
 * (and so on the worker's, which the page passes on) makes a missing WebGPU adapter a failure.
 */
export async function browserContext(runtime: string): Promise<CheckContext> {
  const bundle = '/dist/tinyconv.js'; // a variable: loaded as shipped, never resolved as a source file
  const tc = (await import(/* @vite-ignore */ bundle)) as Lib;
  return {
    tc,
    runtime,
    requireWebGPU: new URLSearchParams(globalThis.location.search).get('ci') === '1',
    async readBytes(path) {
      const res = await fetch(`/${path}`);
      if (!res.ok) throw new Error(`GET /${path}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}
