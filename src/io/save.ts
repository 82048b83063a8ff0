import { TinyconvError } from '../core/errors.js';
import type { ModelArtifacts } from './artifacts.js';
import { encodeModel, encodeModelFile, type EncodeOptions } from './format.js';
import { filePath, fsErrorMessage, hostFs } from './host-fs.js';
import { describe, isPlainObject } from './json-check.js';
import { LIMITS, defaultBlobName } from './manifest.js';

/**
 * Writes ModelArtifacts in the tinyconv format. A target ending in ".json" gets the two-file form
 * (the manifest there, the blob next to it as <name>.bin); any other path gets a single file
 * (".tinyconv" by convention). 'bytes' returns the single file's bytes instead of writing anything.
 */

export interface SavedFiles {
  /** The files written, the manifest last. */
  files: string[];
  /** Bytes written, all files together. */
  bytes: number;
}

export function saveArtifacts(artifacts: ModelArtifacts, target: 'bytes', options?: EncodeOptions): Promise<Uint8Array<ArrayBuffer>>;
export function saveArtifacts(artifacts: ModelArtifacts, target: string | URL, options?: EncodeOptions): Promise<SavedFiles>;
export async function saveArtifacts(artifacts: ModelArtifacts, target: string | URL, options: EncodeOptions = {}): Promise<Uint8Array | SavedFiles> {
  if (!isPlainObject(options as unknown)) throw new TinyconvError('E_ARG', `saveArtifacts: options must be an object, got ${describe(options)}`);
  if (target === 'bytes') return encodeModelFile(artifacts, options);
  if (!(typeof target === 'string' && target.length > 0) && !(target instanceof URL && target.protocol === 'file:')) {
    throw new TinyconvError('E_ARG', `saveArtifacts: the target must be a file path, a file: URL or 'bytes', got ${target instanceof URL ? target.href : describe(target)}`);
  }
  const { path } = await hostFs();
  const file = target instanceof URL ? await filePath(target) : target;
  if (!/\.json$/i.test(file)) {
    const bytes = encodeModelFile(artifacts, options);
    await writeAtomic(file, bytes);
    return { files: [file], bytes: bytes.length };
  }
  const blobPath = options.blobPath ?? defaultBlobName(path.basename(file));
  const { manifest, blob } = encodeModel(artifacts, { ...options, blobPath });
  // Indented for people who open it; compact in the rare case indentation would pass the reader's limit.
  let manifestBytes = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  if (manifestBytes.length > LIMITS.manifestBytes) manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  const blobFile = path.join(path.dirname(file), blobPath);
  // The blob first: a reader that finds the new manifest also finds its blob.
  await writeAtomic(blobFile, blob);
  await writeAtomic(file, manifestBytes);
  return { files: [blobFile, file], bytes: blob.length + manifestBytes.length };
}

/** Writes through a temporary file and a rename, so a failed save never leaves a half-written file. */
async function writeAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const { fs } = await hostFs();
  const tmp = `${file}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw new TinyconvError('E_IO', `cannot write model file ${file}: ${fsErrorMessage(e)}`, { path: file }, { cause: e });
  }
}
