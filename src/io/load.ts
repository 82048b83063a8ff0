import { TinyconvError } from '../core/errors.js';
import type { ModelArtifacts } from './artifacts.js';
import { bytesOf, decodeBlob, decodeModel, decodeModelFile, parseManifest, type BytesInput, type ManifestInput } from './format.js';
import { filePath, fsErrorMessage, hasFileSystem, hostFs } from './host-fs.js';
import { describe, isPlainObject } from './json-check.js';
import { ALIGNMENT, LIMITS, defaultBlobName, type ModelManifest } from './manifest.js';
import { HEADER_BYTES, hasFileMagic } from './model-file.js';

/**
 * Loads ModelArtifacts from wherever a model is: a URL, a file path (Node, Deno), bytes, or a
 * manifest and blob already in memory. A manifest names its blob file (blob.path), resolved next to
 * it; sizes are checked against the format's limits before anything large is read.
 */

export type ArtifactsSource =
  | string
  | URL
  | Uint8Array
  | ArrayBuffer
  | Blob
  | { manifest: ManifestInput; blob: BytesInput };

export interface LoadOptions {
  /** The fetch used for URLs (default: the global fetch). */
  fetch?: typeof fetch;
  /** Passed to every request: headers, credentials, an AbortSignal... */
  requestInit?: RequestInit;
}

/** The largest single file the format allows: header, manifest, padding and blob. */
const MAX_FILE_BYTES = HEADER_BYTES + LIMITS.manifestBytes + ALIGNMENT + LIMITS.blobBytes;

/**
 * Loads a model in the tinyconv format from:
 * - a URL (http:, https:, blob:, data:, or a relative URL in a browser) of a single file or a manifest;
 * - a file path or file: URL (Node and Deno) of a single file or a manifest;
 * - the bytes of a single file (Uint8Array, ArrayBuffer, Blob);
 * - `{ manifest, blob }`: a manifest (JSON text, bytes or object) and its blob's bytes.
 */
export async function loadArtifacts(source: ArtifactsSource, options: LoadOptions = {}): Promise<ModelArtifacts> {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return decodeBytes(bytesOf(source, 'loadArtifacts'));
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    if (source.size > MAX_FILE_BYTES) throw tooLarge('the Blob', source.size, MAX_FILE_BYTES);
    return decodeBytes(new Uint8Array(await source.arrayBuffer()));
  }
  if (isPlainObject(source)) {
    if (source.manifest === undefined || source.blob === undefined) {
      throw new TinyconvError('E_ARG', `loadArtifacts: an object source needs both a manifest and a blob, got the fields ${Object.keys(source).join(', ') || 'none'}`);
    }
    return decodeModel(source.manifest as ManifestInput, source.blob as BytesInput);
  }
  if (source instanceof URL) return source.protocol === 'file:' && hasFileSystem() ? loadFromPath(source) : loadFromUrl(source, options);
  if (typeof source === 'string') {
    if (source.length === 0) throw new TinyconvError('E_ARG', 'loadArtifacts: the source is an empty string');
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(source)?.[1]?.toLowerCase();
    if (scheme === 'file' && hasFileSystem()) return loadFromPath(parseUrl(source));
    // Other one-letter "schemes" are Windows drive letters (C:\models\a.tinyconv).
    if (scheme && scheme.length > 1 && scheme !== 'file') return loadFromUrl(parseUrl(source), options);
    if (hasFileSystem()) return loadFromPath(source);
    const base = (globalThis as { location?: { href?: string } }).location?.href;
    if (!base) throw new TinyconvError('E_ARG', `loadArtifacts: cannot resolve the relative URL ${JSON.stringify(source)}: this runtime has no page location and no file system`);
    return loadFromUrl(parseUrl(source, base), options);
  }
  throw new TinyconvError('E_ARG', `loadArtifacts: the source must be a URL, a file path, bytes or { manifest, blob }, got ${describe(source)}`);
}

function decodeBytes(bytes: Uint8Array): ModelArtifacts {
  if (!hasFileMagic(bytes) && firstNonSpace(bytes) === 0x7b /* { */) {
    throw new TinyconvError('E_FORMAT', 'loadArtifacts: these bytes are a manifest (JSON), not a single-file model; pass { manifest, blob }, or the manifest\'s URL or path');
  }
  return decodeModelFile(bytes);
}

function firstNonSpace(bytes: Uint8Array): number | undefined {
  for (let i = 0; i < Math.min(bytes.length, 64); i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0xef && b !== 0xbb && b !== 0xbf) return b; // skips a UTF-8 BOM too
  }
  return undefined;
}

function parseUrl(s: string, base?: string): URL {
  try {
    return new URL(s, base);
  } catch {
    throw new TinyconvError('E_ARG', `loadArtifacts: ${JSON.stringify(s)} is not a valid URL`);
  }
}

function tooLarge(what: string, size: number, max: number): TinyconvError {
  return new TinyconvError('E_MEMORY', `loadArtifacts: ${what} is ${size} bytes, over the format's limit of ${max}`, { size, max });
}

// ---- URLs --------------------------------------------------------------------------------------

async function loadFromUrl(url: URL, options: LoadOptions): Promise<ModelArtifacts> {
  const first = await fetchBytes(url, options, MAX_FILE_BYTES, (n) => tooLarge(`the response from ${url}`, n, MAX_FILE_BYTES));
  if (hasFileMagic(first)) return withSource(url.href, () => decodeModelFile(first));
  const manifest = withSource(url.href, () => parseManifest(first));
  const name = manifest.blob.path ?? defaultBlobName(lastSegment(url));
  let blobUrl: URL;
  try {
    blobUrl = new URL(encodeURIComponent(name), url);
  } catch {
    throw new TinyconvError('E_ARG', `loadArtifacts: the manifest at ${url.href} names its blob ${JSON.stringify(name)}, which cannot be resolved relative to a ${url.protocol} URL; pass { manifest, blob } instead`);
  }
  const blob = await fetchBytes(blobUrl, options, manifest.blob.length, (n) => blobTooLong(blobUrl.href, n, manifest));
  return withSource(blobUrl.href, () => decodeBlob(manifest, blob));
}

function lastSegment(url: URL): string {
  const raw = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // not valid percent-encoding: use it as it is
  }
}

async function fetchBytes(url: URL, options: LoadOptions, max: number, tooBig: (n: number) => TinyconvError): Promise<Uint8Array> {
  const f = options.fetch ?? (globalThis.fetch as typeof fetch | undefined);
  if (typeof f !== 'function') throw new TinyconvError('E_UNSUPPORTED', `loadArtifacts: this runtime has no fetch() to load ${url.href}`);
  let res: Response;
  try {
    res = await f(url.href, options.requestInit);
  } catch (e) {
    throw ioError(`cannot fetch ${url.href}`, e);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new TinyconvError('E_IO', `fetch ${url.href} failed: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, { url: url.href, status: res.status });
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await res.body?.cancel().catch(() => {});
    throw tooBig(declared);
  }
  try {
    return await readCapped(res, max, tooBig);
  } catch (e) {
    if (e instanceof TinyconvError) throw e;
    throw ioError(`reading ${url.href} failed`, e);
  }
}

/** The body's bytes, reading no more than `max` of them (a server may send more than it declared). */
async function readCapped(res: Response, max: number, tooBig: (n: number) => TinyconvError): Promise<Uint8Array> {
  if (!res.body) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > max) throw tooBig(bytes.length);
    return bytes;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw tooBig(total);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return bytesOf(chunks[0]!, 'response body');
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function ioError(what: string, e: unknown): Error {
  // An abort the caller asked for is reported as the platform reports it.
  if ((e as { name?: string })?.name === 'AbortError') return e as Error;
  return new TinyconvError('E_IO', `${what}: ${(e as Error)?.message ?? String(e)}`, {}, { cause: e });
}

function blobTooLong(where: string, size: number, m: ModelManifest): TinyconvError {
  return new TinyconvError('E_FORMAT', `model blob ${where} is too long: at least ${size} bytes, the manifest declares ${m.blob.length}`, { size, expected: m.blob.length });
}

/** Adds the file or URL to the message of format errors raised while decoding it. */
function withSource<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TinyconvError && !e.message.includes(where)) {
      throw new TinyconvError(e.code, `${e.message.replace(/^\[[A-Z_]+\] /, '')} (in ${where})`, { ...e.details, source: where }, { cause: e });
    }
    throw e;
  }
}

// ---- Files -------------------------------------------------------------------------------------

async function loadFromPath(file: string | URL): Promise<ModelArtifacts> {
  const { path } = await hostFs();
  const p = file instanceof URL ? await filePath(file) : file;
  const first = await readFileCapped(p, MAX_FILE_BYTES, (n) => tooLarge(`the file ${p}`, n, MAX_FILE_BYTES));
  if (hasFileMagic(first)) return withSource(p, () => decodeModelFile(first));
  const manifest = withSource(p, () => parseManifest(first));
  const blobFile = path.join(path.dirname(p), manifest.blob.path ?? defaultBlobName(path.basename(p)));
  const blob = await readFileCapped(blobFile, manifest.blob.length, (n) => blobTooLong(blobFile, n, manifest));
  return withSource(blobFile, () => decodeBlob(manifest, blob));
}

async function readFileCapped(file: string, max: number, tooBig: (n: number) => TinyconvError): Promise<Uint8Array> {
  const { fs } = await hostFs();
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) throw new TinyconvError('E_IO', `cannot read model file ${file}: it is not a regular file`, { path: file });
    if (st.size > max) throw tooBig(st.size);
    return bytesOf(await fs.readFile(file), file);
  } catch (e) {
    if (e instanceof TinyconvError) throw e;
    throw new TinyconvError('E_IO', `cannot read model file ${file}: ${fsErrorMessage(e)}`, { path: file }, { cause: e });
  }
}
