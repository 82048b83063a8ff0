import { TinyconvError } from '../../core/errors.js';

/**
 * Finds and compiles a tinyconv wasm build with no help from a bundler. The builds sit next to
 * the JavaScript bundle (dist/tinyconv*.wasm beside dist/tinyconv.js), so their address is
 * `new URL('./<file>', import.meta.url)` in every runtime. Browsers and Deno fetch them (compiling
 * while streaming when the server sends application/wasm); Node reads the file through a dynamic
 * import of node:fs, which browser bundles never load. Instantiation is the backend's business:
 * the modules import their memory.
 */

/** Where the builds are: a folder (URL ending in `/`), or a function from a build's file name to its address. */
export type WasmLocation = string | URL | ((file: string) => string | URL);

export interface WasmSourceOptions {
  /** Where the .wasm builds are; by default next to this module. */
  url?: WasmLocation;
  /** One build's bytes or compiled module, for hosts that ship it some other way. */
  source?: BufferSource | WebAssembly.Module;
}

const cache = new Map<string, Promise<WebAssembly.Module>>();

/**
 * Compiles build `file` (e.g. tinyconv-mt.wasm) from `options.source` or from its address.
 * Compilations of the same address are shared; a failed one is not cached (the file may be built
 * or served by the next attempt). Rejects with E_IO when the file cannot be read, E_BACKEND when
 * it does not compile, E_ARG for options it cannot use.
 */
export async function compileBuild(file: string, options: WasmSourceOptions): Promise<{ module: WebAssembly.Module; where: string }> {
  const { source } = options;
  if (source !== undefined) {
    if (source instanceof WebAssembly.Module) return { module: source, where: 'the given module' };
    if (!(source instanceof ArrayBuffer || ArrayBuffer.isView(source))) {
      throw new TinyconvError('E_ARG', 'createWasmBackend: source must be the bytes of a tinyconv .wasm build (ArrayBuffer or typed array) or a WebAssembly.Module');
    }
    const where = 'the given wasm source';
    return { module: await compileGuarded(where, () => WebAssembly.compile(source)), where };
  }
  const url = resolveUrl(options.url, file);
  let p = cache.get(url.href);
  if (!p) {
    p = compileFromUrl(url);
    cache.set(url.href, p);
    p.catch(() => cache.delete(url.href));
  }
  return { module: await p, where: url.href };
}

export function resolveUrl(location: WasmLocation | undefined, file: string): URL {
  let target: string | URL;
  if (location === undefined) return new URL(`./${file}`, import.meta.url);
  if (typeof location === 'function') target = location(file);
  else {
    const s = String(location);
    target = new URL(s.endsWith('/') ? file : `${s}/${file}`, validUrl(s)).href;
  }
  return validUrl(String(target));
}

function validUrl(s: string): URL {
  try {
    return new URL(s, import.meta.url);
  } catch (e) {
    throw new TinyconvError('E_ARG', `createWasmBackend: url ${JSON.stringify(s)} is not a valid URL`, { url: s }, { cause: e });
  }
}

async function compileFromUrl(url: URL): Promise<WebAssembly.Module> {
  const where = url.href;
  // Node's fetch does not read file: URLs; Deno's does, and browsers never see them.
  if (url.protocol === 'file:' && !isDeno()) {
    const bytes = await readFileUrl(url);
    return compileGuarded(where, () => WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>));
  }
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
  if (mime === 'application/wasm' && typeof WebAssembly.compileStreaming === 'function') {
    return compileGuarded(where, () => WebAssembly.compileStreaming(response));
  }
  // Servers that label .wasm with another type make streaming compilation refuse the response.
  const bytes = await response.arrayBuffer();
  return compileGuarded(where, () => WebAssembly.compile(bytes));
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
    const hint = missing ? ' (not found: run `npm run build`, or pass { url } to createWasmBackend)' : '';
    throw new TinyconvError('E_IO', `cannot read the wasm kernels at ${url.href}${hint}: ${messageOf(e)}`, { url: url.href }, { cause: e });
  }
}

/** Engine errors (bad bytes, a feature the engine lacks) become E_BACKEND naming the file. */
async function compileGuarded(where: string, make: () => Promise<WebAssembly.Module>): Promise<WebAssembly.Module> {
  try {
    return await make();
  } catch (e) {
    throw new TinyconvError('E_BACKEND', `${where} is not a usable tinyconv wasm module: ${messageOf(e)}`, { url: where }, { cause: e });
  }
}

export function isDeno(): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno === 'object';
}

export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string' && !isDeno();
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
