import { TinyconvError } from '../../core/errors.js';
import { REQUIRED_EXPORTS, bindKernels, type TinyconvWasmExports, type WasmKernels } from './kernels.js';
import { requireWasmSimd } from './simd.js';

export type { WasmKernels } from './kernels.js';

/**
 * Finds, compiles and instantiates tinyconv.wasm with no help from a bundler. The module sits next
 * to the JavaScript bundle (dist/tinyconv.wasm beside dist/tinyconv.js), so its address is
 * `new URL('./tinyconv.wasm', import.meta.url)` in every runtime. Browsers and Deno fetch it (with
 * streaming compilation when the server sends application/wasm); Node reads the file, through a
 * dynamic import of node:fs so that browser bundles never load it.
 */

export interface WasmLoadOptions {
  /** Where tinyconv.wasm is; by default next to this module, which also anchors relative addresses. */
  url?: string | URL;
  /** The module's bytes or a compiled module, for hosts that ship it some other way. */
  source?: BufferSource | WebAssembly.Module;
}

const cache = new Map<string, Promise<WasmKernels>>();

/**
 * Loads the wasm kernels. Calls for the same address share one instance. Rejects with E_BACKEND
 * when the runtime lacks WebAssembly SIMD or the file is not a tinyconv module, with E_IO when
 * the file cannot be read, and with E_ARG for options it cannot use.
 */
export async function loadWasmKernels(options: WasmLoadOptions = {}): Promise<WasmKernels> {
  if (typeof options !== 'object' || options === null) {
    throw new TinyconvError('E_ARG', `loadWasmKernels: options must be an object ({ url } or { source }), got ${options === null ? 'null' : typeof options}`);
  }
  requireWasmSimd();
  const { source } = options;
  if (source !== undefined) {
    if (!(source instanceof WebAssembly.Module || source instanceof ArrayBuffer || ArrayBuffer.isView(source))) {
      throw new TinyconvError('E_ARG', 'loadWasmKernels: source must be the bytes of tinyconv.wasm (ArrayBuffer or typed array) or a WebAssembly.Module');
    }
    return instantiateFrom(source, 'the given wasm source');
  }
  const url = resolveUrl(options.url);
  let p = cache.get(url.href);
  if (!p) {
    p = loadFromUrl(url);
    cache.set(url.href, p);
    // A failed load is not cached: the file may be built or served by the next attempt.
    p.catch(() => cache.delete(url.href));
  }
  return p;
}

function resolveUrl(url: string | URL | undefined): URL {
  if (url === undefined) return new URL('./tinyconv.wasm', import.meta.url);
  try {
    return new URL(url, import.meta.url);
  } catch (e) {
    throw new TinyconvError('E_ARG', `loadWasmKernels: url ${JSON.stringify(String(url))} is not a valid URL`, { url: String(url) }, { cause: e });
  }
}

async function loadFromUrl(url: URL): Promise<WasmKernels> {
  const where = url.href;
  // Node's fetch does not read file: URLs; Deno's does, and browsers never see them.
  if (url.protocol === 'file:' && !isDeno()) return instantiateFrom(await readFileUrl(url), where);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new TinyconvError('E_IO', `could not fetch the wasm kernels from ${where}: ${messageOf(e)}`, { url: where }, { cause: e });
  }
  if (!response.ok) {
    throw new TinyconvError('E_IO', `fetching the wasm kernels from ${where} failed with HTTP ${response.status} ${response.statusText}`.trim(), { url: where, status: response.status });
  }
  const mime = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (mime === 'application/wasm' && typeof WebAssembly.instantiateStreaming === 'function') {
    return compileGuarded(where, async () => (await WebAssembly.instantiateStreaming(response, {})).instance);
  }
  // Servers that label .wasm with another type make streaming compilation refuse the response.
  return instantiateFrom(await response.arrayBuffer(), where);
}

async function readFileUrl(url: URL): Promise<Uint8Array> {
  let fs: typeof import('node:fs/promises');
  try {
    fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs/promises');
  } catch (e) {
    throw new TinyconvError('E_IO', `cannot read ${url.href}: this runtime has no file system access (pass { url } with an http(s) address or { source })`, { url: url.href }, { cause: e });
  }
  try {
    return await fs.readFile(url);
  } catch (e) {
    const missing = (e as { code?: string }).code === 'ENOENT';
    const hint = missing ? ' (not found: run `npm run build`, or pass { url } to loadWasmKernels)' : '';
    throw new TinyconvError('E_IO', `cannot read the wasm kernels at ${url.href}${hint}: ${messageOf(e)}`, { url: url.href }, { cause: e });
  }
}

function instantiateFrom(source: BufferSource | WebAssembly.Module, where: string): Promise<WasmKernels> {
  return compileGuarded(where, async () => {
    if (source instanceof WebAssembly.Module) return WebAssembly.instantiate(source, {});
    return (await WebAssembly.instantiate(source, {})).instance;
  });
}

/** Compiles and instantiates, then checks the exports; engine errors become E_BACKEND naming the file. */
async function compileGuarded(where: string, make: () => Promise<WebAssembly.Instance>): Promise<WasmKernels> {
  let instance: WebAssembly.Instance;
  try {
    instance = await make();
  } catch (e) {
    throw new TinyconvError('E_BACKEND', `${where} is not a usable tinyconv wasm module: ${messageOf(e)}`, { url: where }, { cause: e });
  }
  const ex = instance.exports as Record<string, unknown>;
  const missing: string[] = REQUIRED_EXPORTS.filter((k) => typeof ex[k] !== 'function');
  if (!(ex.memory instanceof WebAssembly.Memory)) missing.push('memory');
  if (missing.length > 0) {
    throw new TinyconvError('E_BACKEND', `${where} lacks the exports ${missing.join(', ')}; it was built from another version of tinyconv`, { url: where, missing });
  }
  return bindKernels(ex as unknown as TinyconvWasmExports);
}

function isDeno(): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno === 'object';
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
