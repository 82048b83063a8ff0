import { TinyconvError } from '../core/errors.js';
import type { ModelArtifacts, WeightArray } from './artifacts.js';
import { checkGraph, checkIOSpecs } from './artifacts-check.js';
import { crc32, crc32Hex } from './checksum.js';
import { FieldChecker, describe, isPlainObject } from './json-check.js';
import {
  FORMAT_NAME, FORMAT_VERSION, LIMITS, MAX_RANK, STORAGE_DTYPES, alignUp, isBlobPath, validateManifest,
  type ModelManifest, type StorageDType, type WeightEntry,
} from './manifest.js';
import { modelFileBlob, packModelFile, readModelFileHeader } from './model-file.js';
import { checkFinite, decodeWeight, encodeWeight } from './weight-codec.js';

/**
 * The tinyconv model format, version 1 (docs/format.md): ModelArtifacts to and from a manifest
 * (JSON) plus a binary blob, or one file holding both. Decoding validates everything (structure,
 * sizes, checksums, values) before it returns, so a caller never sees a half-read model.
 */

export interface EncodeOptions {
  /** Storage dtype of the weights that are not excluded: 'float32' (default, exact), 'float16' or 'uint8'. */
  quantize?: StorageDType;
  /** uint8 only: one scale and zero point per index of the last axis (output channels in Keras layouts). */
  perChannel?: boolean;
  /**
   * Weights kept float32 whatever `quantize` says. A string matches a whole name or its last
   * "/" segment ("bias" matches "conv1/bias"); a RegExp is searched in the name.
   * Default: DEFAULT_EXCLUDE (biases and batch-norm parameters: tiny, and sensitive to rounding).
   */
  exclude?: readonly (string | RegExp)[];
  /** Storage dtype of individual weights by name; overrides `quantize` and `exclude`. */
  dtypes?: Readonly<Record<string, StorageDType>>;
  /** Two-file form: the blob's file name to record in the manifest (the loaders resolve it next to the manifest). */
  blobPath?: string;
}

export const DEFAULT_EXCLUDE: readonly string[] = ['bias', 'gamma', 'beta', 'moving_mean', 'moving_variance'];

export type ManifestInput = string | Uint8Array | ArrayBuffer | ModelManifest | Record<string, unknown>;
export type BytesInput = Uint8Array | ArrayBuffer;

/** Encodes a model as a manifest and a blob (the two-file form). */
export function encodeModel(artifacts: ModelArtifacts, options: EncodeOptions = {}): { manifest: ModelManifest; blob: Uint8Array<ArrayBuffer> } {
  const { manifest, blob } = encodeParts(artifacts, options);
  return { manifest, blob };
}

/** Encodes a model as one file: header, manifest, blob. */
export function encodeModelFile(artifacts: ModelArtifacts, options: EncodeOptions = {}): Uint8Array<ArrayBuffer> {
  if (isPlainObject(options) && options.blobPath !== undefined) {
    throw new TinyconvError('E_ARG', 'encodeModelFile: options.blobPath is for the two-file form; a single file holds its blob');
  }
  const { manifestBytes, blob } = encodeParts(artifacts, options);
  return packModelFile(manifestBytes, blob);
}

/** The manifest, its compact UTF-8 JSON (checked against the reader's limit) and the blob. */
function encodeParts(artifacts: ModelArtifacts, options: EncodeOptions): { manifest: ModelManifest; manifestBytes: Uint8Array; blob: Uint8Array<ArrayBuffer> } {
  const a = checkArtifacts(artifacts);
  const opts = checkOptions(options, a.weights);
  const encoded = a.weights.map((w) => {
    const dtype = dtypeFor(w.name, opts);
    const axis = dtype === 'uint8' && opts.perChannel && w.shape.length > 0 ? w.shape.length - 1 : null;
    return { w, dtype, ...encodeWeight(w.name, w.data, w.shape, dtype, axis) };
  });

  const entries: WeightEntry[] = [];
  let offset = 0;
  for (const { w, dtype, bytes, quantization } of encoded) {
    offset = alignUp(offset);
    entries.push({ name: w.name, shape: [...w.shape], dtype, offset, length: bytes.length, ...(quantization && { quantization }) });
    offset += bytes.length;
  }
  const blobLength = alignUp(offset);
  if (blobLength > LIMITS.blobBytes) {
    throw new TinyconvError('E_MEMORY', `encodeModel: the weights take ${blobLength} bytes, over the format's ${LIMITS.blobBytes / 2 ** 30} GiB limit; quantize them or split the model`, { blobLength });
  }
  const blob = new Uint8Array(blobLength); // zero-filled, so the alignment padding is zeros
  encoded.forEach(({ bytes }, i) => blob.set(bytes, entries[i]!.offset));

  const manifest: ModelManifest = {
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    graph: cloneJson(a.graph),
    ...(a.inputs && { inputs: cloneJson(a.inputs) }),
    ...(a.outputs && { outputs: cloneJson(a.outputs) }),
    ...(a.metadata && { metadata: cloneJson(a.metadata) }),
    weights: entries,
    blob: { length: blobLength, checksum: { algorithm: 'crc32', value: crc32Hex(crc32(blob)) }, ...(opts.blobPath !== undefined && { path: opts.blobPath }) },
  };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  if (manifestBytes.length > LIMITS.manifestBytes) {
    throw new TinyconvError('E_MEMORY', `encodeModel: the manifest would be ${manifestBytes.length} bytes, over the ${LIMITS.manifestBytes / 2 ** 20} MiB a reader accepts`, { size: manifestBytes.length });
  }
  return { manifest, manifestBytes, blob };
}

/**
 * Decodes the two-file form. `manifest` is the JSON text, its UTF-8 bytes or the parsed object;
 * `blob` the binary file's bytes.
 */
export function decodeModel(manifest: ManifestInput, blob: BytesInput): ModelArtifacts {
  return decodeBlob(parseManifest(manifest), bytesOf(blob, 'decodeModel: blob'));
}

/** Decodes the single-file form. */
export function decodeModelFile(bytes: BytesInput): ModelArtifacts {
  const file = bytesOf(bytes, 'decodeModelFile: bytes');
  const { manifest: manifestBytes, blobStart } = readModelFileHeader(file);
  const manifest = parseManifest(manifestBytes);
  if (manifest.blob.path !== undefined) {
    throw new TinyconvError('E_FORMAT', 'model file: the manifest names a blob file (blob.path), but a single file holds its blob', { field: 'blob.path' });
  }
  return decodeBlob(manifest, modelFileBlob(file, blobStart, manifest.blob.length));
}

/** Parses and fully validates a manifest given as text, UTF-8 bytes or an object. */
export function parseManifest(input: ManifestInput): ModelManifest {
  let raw: unknown;
  if (typeof input === 'string' || input instanceof Uint8Array || input instanceof ArrayBuffer) {
    const size = typeof input === 'string' ? input.length : input.byteLength;
    if (size > LIMITS.manifestBytes) {
      throw new TinyconvError('E_MEMORY', `model manifest: ${size} bytes, over the ${LIMITS.manifestBytes / 2 ** 20} MiB limit`, { size });
    }
    let text: string;
    try {
      text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      throw new TinyconvError('E_FORMAT', 'model manifest: the bytes are not valid UTF-8');
    }
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new TinyconvError('E_FORMAT', `model manifest is not valid JSON: ${(e as Error).message}`, {}, { cause: e });
    }
  } else if (isPlainObject(input)) {
    // A copy made of what JSON carries, so the result shares nothing with the caller's object.
    try {
      raw = JSON.parse(JSON.stringify(input));
    } catch (e) {
      throw new TinyconvError('E_ARG', `model manifest: the object cannot be represented as JSON: ${(e as Error).message}`, {}, { cause: e });
    }
  } else {
    throw new TinyconvError('E_ARG', `model manifest must be JSON text, its UTF-8 bytes or an object, got ${describe(input)}`);
  }
  return validateManifest(raw);
}

/** Checks the blob against a manifest from parseManifest and decodes every weight. */
export function decodeBlob(m: ModelManifest, blob: Uint8Array): ModelArtifacts {
  if (blob.length !== m.blob.length) {
    const how = blob.length < m.blob.length ? 'truncated' : 'too long';
    throw new TinyconvError('E_FORMAT', `model blob is ${how}: ${blob.length} bytes, the manifest declares ${m.blob.length}`, { size: blob.length, expected: m.blob.length });
  }
  const actual = crc32Hex(crc32(blob));
  if (actual !== m.blob.checksum.value) {
    throw new TinyconvError('E_CHECKSUM', `model blob: CRC-32 is ${actual}, the manifest says ${m.blob.checksum.value}: the blob is corrupt or belongs to another manifest`, { expected: m.blob.checksum.value, actual });
  }
  const weights: WeightArray[] = m.weights.map((e) => ({ name: e.name, shape: [...e.shape], data: decodeWeight(e, blob) }));
  return {
    graph: m.graph,
    weights,
    ...(m.inputs && { inputs: m.inputs }),
    ...(m.outputs && { outputs: m.outputs }),
    ...(m.metadata && { metadata: m.metadata }),
  };
}

/** A plain Uint8Array view of the bytes (a Node Buffer's methods differ from Uint8Array's). */
export function bytesOf(v: unknown, what: string): Uint8Array {
  if (v instanceof Uint8Array) return v.constructor === Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw new TinyconvError('E_ARG', `${what} must be a Uint8Array or an ArrayBuffer, got ${describe(v)}`);
}

function cloneJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Checks what encodeModel is given: the graph and specs as JSON, the weights' names, shapes and values. */
function checkArtifacts(v: unknown): ModelArtifacts {
  const c: FieldChecker = new FieldChecker('E_ARG', 'encodeModel');
  const a = c.object(v, 'artifacts');
  checkGraph(c, a.graph, 'artifacts.graph');
  c.json(a.graph, 'artifacts.graph');
  for (const key of ['inputs', 'outputs'] as const) {
    if (a[key] === undefined) continue;
    checkIOSpecs(c, a[key], `artifacts.${key}`);
    c.json(a[key], `artifacts.${key}`);
  }
  if (a.metadata !== undefined) {
    c.object(a.metadata, 'artifacts.metadata');
    c.json(a.metadata, 'artifacts.metadata');
  }
  const names = new Set<string>();
  let total = 0;
  c.array(a.weights, 'artifacts.weights').forEach((raw, i) => {
    const p = `artifacts.weights[${i}]`;
    const w = c.object(raw, p);
    const name = c.string(w.name, `${p}.name`, true);
    if (names.has(name)) c.error(`two weights are named ${JSON.stringify(name)}`, { weight: name });
    names.add(name);
    const shape = c.array(w.shape, `${p}.shape`);
    if (shape.length > MAX_RANK) c.fail(`${p}.shape`, `of rank at most ${MAX_RANK}`, w.shape, 'E_SHAPE');
    let n = 1;
    shape.forEach((d, j) => {
      if (!Number.isSafeInteger(d) || (d as number) < 0) c.fail(`${p}.shape[${j}]`, 'a non-negative integer', d, 'E_SHAPE');
      n *= d as number;
    });
    const data = w.data;
    if (!(data instanceof Float32Array)) c.fail(`${p}.data`, 'a Float32Array', data);
    if (data.length !== n) c.error(`weight ${JSON.stringify(name)} has ${data.length} values, its shape [${shape.join(', ')}] holds ${n}`, { weight: name }, 'E_SHAPE');
    total += n;
    if (total > LIMITS.elements) c.error(`the weights hold more than ${LIMITS.elements} values, over the format's limit`, { weight: name }, 'E_MEMORY');
    checkFinite(name, data, 'encodeModel');
  });
  return a as unknown as ModelArtifacts;
}

interface CheckedOptions {
  quantize: StorageDType;
  perChannel: boolean;
  exclude: readonly (string | RegExp)[];
  dtypes: ReadonlyMap<string, StorageDType>;
  blobPath?: string;
}

function checkOptions(v: unknown, weights: readonly WeightArray[]): CheckedOptions {
  const c: FieldChecker = new FieldChecker('E_ARG', 'encodeModel');
  const o = c.object(v, 'options');
  c.onlyKeys(o, 'options', ['quantize', 'perChannel', 'exclude', 'dtypes', 'blobPath']);
  const quantize = o.quantize === undefined ? 'float32' : c.oneOf(o.quantize, 'options.quantize', STORAGE_DTYPES);
  if (o.perChannel !== undefined && typeof o.perChannel !== 'boolean') c.fail('options.perChannel', 'true or false', o.perChannel);
  let exclude = DEFAULT_EXCLUDE as readonly (string | RegExp)[];
  if (o.exclude !== undefined) {
    exclude = c.array(o.exclude, 'options.exclude').map((e, i) => {
      if (typeof e !== 'string' && !(e instanceof RegExp)) c.fail(`options.exclude[${i}]`, 'a string or a RegExp', e);
      return e as string | RegExp;
    });
  }
  const dtypes = new Map<string, StorageDType>();
  if (o.dtypes !== undefined) {
    const names = new Set(weights.map((w) => w.name));
    for (const [name, d] of Object.entries(c.object(o.dtypes, 'options.dtypes'))) {
      // A name that matches no weight is almost always a typo; say so rather than ignore it.
      if (!names.has(name)) c.error(`options.dtypes names ${JSON.stringify(name)}, which is not a weight of this model`, { weight: name });
      dtypes.set(name, c.oneOf(d, `options.dtypes[${JSON.stringify(name)}]`, STORAGE_DTYPES));
    }
  }
  const out: CheckedOptions = { quantize, perChannel: o.perChannel === true, exclude, dtypes };
  if (o.blobPath !== undefined) {
    const p = c.string(o.blobPath, 'options.blobPath');
    if (!isBlobPath(p)) c.fail('options.blobPath', 'a plain file name (no folders, no URL scheme)', p);
    out.blobPath = p;
  }
  return out;
}

function dtypeFor(name: string, o: CheckedOptions): StorageDType {
  const explicit = o.dtypes.get(name);
  if (explicit) return explicit;
  if (o.quantize === 'float32') return 'float32';
  const last = name.slice(name.lastIndexOf('/') + 1);
  const excluded = o.exclude.some((e) => (typeof e === 'string' ? e === name || e === last : name.search(e) >= 0));
  return excluded ? 'float32' : o.quantize;
}
