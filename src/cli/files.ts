import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { TinyconvError } from '../index.js';

/**
 * File access for the commands: every failure becomes an E_IO TinyconvError that names the file,
 * what it was for ("model file", "input") and the reason in words, not an errno dump.
 */

function reason(e: unknown): string {
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

function ioError(verb: string, what: string, path: string, e: unknown): TinyconvError {
  return new TinyconvError('E_IO', `cannot ${verb} ${what} ${path}: ${reason(e)}`, { path }, { cause: e });
}

/** The size of a regular file; E_IO when it is missing or not a file. */
export async function fileSize(path: string, what: string): Promise<number> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw ioError('read', what, path, e);
  }
  if (!st.isFile()) throw new TinyconvError('E_IO', `cannot read ${what} ${path}: it is not a regular file`, { path });
  return st.size;
}

/** The first `n` bytes of a file (fewer when it is shorter). */
export async function readHead(path: string, n: number, what: string): Promise<Uint8Array> {
  try {
    const fh = await open(path, 'r');
    try {
      const buf = new Uint8Array(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw ioError('read', what, path, e);
  }
}

/** A whole file, refusing files over `maxBytes` before reading them. */
export async function readBytes(path: string, what: string, maxBytes = Infinity): Promise<Uint8Array> {
  const size = await fileSize(path, what);
  if (size > maxBytes) throw new TinyconvError('E_MEMORY', `${what} ${path} is ${size} bytes, over the ${maxBytes}-byte limit for it`, { path, size });
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw ioError('read', what, path, e);
  }
}

export async function writeBytes(path: string, bytes: Uint8Array, what: string): Promise<void> {
  try {
    await writeFile(path, bytes);
  } catch (e) {
    throw ioError('write', what, path, e);
  }
}

/** Runs `fn`, prefixing the messages of the TinyconvErrors it raises with `where` (a file, an input). */
export async function about<T>(where: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof TinyconvError && !e.message.includes(where)) {
      throw new TinyconvError(e.code, `${where}: ${e.message.replace(/^\[[A-Z_]+\] /, '')}`, { ...e.details, where }, { cause: e });
    }
    throw e;
  }
}
