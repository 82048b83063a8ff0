import { TinyconvError } from '../core/errors.js';

/**
 * The file system of Node and Deno, reached through dynamic imports of their node: modules so that
 * browser bundles never load (or try to resolve) them.
 */

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');
type Url = typeof import('node:url');

export interface HostFs {
  fs: Fs;
  path: Path;
  url: Url;
}

/** Whether this runtime has a file system the loaders can use (Node or Deno). */
export function hasFileSystem(): boolean {
  const g = globalThis as { process?: { versions?: { node?: unknown } }; Deno?: unknown };
  return typeof g.process?.versions?.node === 'string' || typeof g.Deno === 'object';
}

// Specifiers in variables keep bundlers from following these imports into browser builds.
const FS = 'node:fs/promises';
const PATH = 'node:path';
const URL_MODULE = 'node:url';

let cached: Promise<HostFs> | null = null;

export function hostFs(): Promise<HostFs> {
  if (!hasFileSystem()) {
    return Promise.reject(new TinyconvError('E_UNSUPPORTED', 'file paths need Node or Deno; in a browser, load models from a URL or from bytes'));
  }
  cached ??= Promise.all([
    import(/* @vite-ignore */ /* webpackIgnore: true */ FS) as Promise<Fs>,
    import(/* @vite-ignore */ /* webpackIgnore: true */ PATH) as Promise<Path>,
    import(/* @vite-ignore */ /* webpackIgnore: true */ URL_MODULE) as Promise<Url>,
  ]).then(
    ([fs, path, url]) => ({ fs, path, url }),
    (e: unknown) => {
      cached = null;
      throw new TinyconvError('E_UNSUPPORTED', `cannot load the file system modules of this runtime: ${(e as Error)?.message ?? e}`, {}, { cause: e });
    },
  );
  return cached;
}

/** The local path of a file: URL; E_ARG for one that names no local file (another host, say). */
export async function filePath(u: URL): Promise<string> {
  const { url } = await hostFs();
  try {
    return url.fileURLToPath(u);
  } catch (e) {
    throw new TinyconvError('E_ARG', `${u.href} is not a local file URL: ${(e as Error)?.message ?? e}`, {}, { cause: e });
  }
}

/** A message for a failed file operation, from a Node/Deno error. */
export function fsErrorMessage(e: unknown): string {
  const err = e as { code?: string; message?: string };
  switch (err?.code) {
    case 'ENOENT': return 'no such file or directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'it is a directory';
    case 'ENOTDIR': return 'a parent is not a directory';
    case 'ENOSPC': return 'no space left on the device';
    default: return err?.message ?? String(e);
  }
}
