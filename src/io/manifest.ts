import type { GraphJSON, IOSpec } from './artifacts.js';
import { checkGraph, checkIOSpecs } from './artifacts-check.js';
import { FieldChecker } from './json-check.js';
import { affineIsFinite, type Quantization } from './quantize.js';

/**
 * The manifest of the tinyconv model format, version 1 (docs/format.md): the model's JSON half,
 * which describes where each weight lies in the binary blob and how it is stored.
 */

export const FORMAT_NAME = 'tinyconv';
export const FORMAT_VERSION = 1;

/** Every weight starts at a multiple of this many bytes in the blob (and in a single file). */
export const ALIGNMENT = 16;

export type StorageDType = 'float32' | 'float16' | 'uint8';
export const STORAGE_DTYPES: readonly StorageDType[] = ['float32', 'float16', 'uint8'];
export const BYTES_PER_ELEMENT: Readonly<Record<StorageDType, number>> = { float32: 4, float16: 2, uint8: 1 };

/** Sizes a reader refuses before allocating anything (E_MEMORY). */
export const LIMITS = {
  /** Blob bytes: 2 GiB. */
  blobBytes: 2 ** 31,
  /** Float32 elements after decoding, summed over all weights: 2 GiB worth. */
  elements: 2 ** 29,
  /** Manifest JSON bytes: 64 MiB. */
  manifestBytes: 64 * 2 ** 20,
} as const;

/** Weights of higher rank are refused as malformed. */
export const MAX_RANK = 8;

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: StorageDType;
  /** Byte offset in the blob, a multiple of 16. */
  offset: number;
  /** Byte length: elements x bytes per element of `dtype`. */
  length: number;
  /** Present exactly when dtype is uint8. */
  quantization?: Quantization;
}

export interface BlobInfo {
  length: number;
  checksum: { algorithm: 'crc32'; value: string };
  /** Two-file form: the blob's file name, relative to the manifest. */
  path?: string;
}

export interface ModelManifest {
  format: typeof FORMAT_NAME;
  version: typeof FORMAT_VERSION;
  graph: GraphJSON;
  inputs?: IOSpec[];
  outputs?: IOSpec[];
  metadata?: Record<string, unknown>;
  weights: WeightEntry[];
  blob: BlobInfo;
}

const TOP_KEYS = ['format', 'version', 'graph', 'inputs', 'outputs', 'metadata', 'weights', 'blob'];
const WEIGHT_KEYS = ['name', 'shape', 'dtype', 'offset', 'length', 'quantization'];
const BLOB_KEYS = ['length', 'checksum', 'path'];

/** A blob file name: no directories, no scheme, nothing that could point outside the manifest's folder. */
const BLOB_PATH = /^(?!\.\.?$)[^/\\:\u0000-\u001f]+$/;

export function isBlobPath(p: string): boolean {
  return BLOB_PATH.test(p);
}

/** The blob file of a manifest that names none: the manifest's file name with .json replaced by .bin. */
export function defaultBlobName(manifestName: string): string {
  return `${manifestName.replace(/\.json$/i, '')}.bin`;
}

export function alignUp(n: number): number {
  return Math.ceil(n / ALIGNMENT) * ALIGNMENT;
}

/**
 * Validates a parsed manifest completely: every field's type, the version, the weights' places in
 * the blob (inside it, aligned, not overlapping, of the size their shape and dtype imply), the
 * quantization parameters, and the sizes against LIMITS. Returns a manifest holding only known fields.
 */
export function validateManifest(raw: unknown): ModelManifest {
  const c: FieldChecker = new FieldChecker('E_FORMAT', 'model manifest');
  if (!(typeof raw === 'object' && raw !== null && !Array.isArray(raw))) c.error(`expected a JSON object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`);
  const m = raw as Record<string, unknown>;
  if (m.format !== FORMAT_NAME) c.fail('format', `"${FORMAT_NAME}" (this is not a tinyconv model manifest)`, m.format);
  const version = c.int(m.version, 'version', 1);
  if (version !== FORMAT_VERSION) c.error(`format version ${version} is not one this library reads (it reads version ${FORMAT_VERSION}); a newer tinyconv may read it`, { version });
  c.onlyKeys(m, 'the manifest', TOP_KEYS);

  const out: ModelManifest = {
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    graph: checkGraph(c, m.graph, 'graph'),
    weights: [],
    blob: checkBlob(c, m.blob),
  };
  if (m.inputs !== undefined) out.inputs = checkIOSpecs(c, m.inputs, 'inputs');
  if (m.outputs !== undefined) out.outputs = checkIOSpecs(c, m.outputs, 'outputs');
  if (m.metadata !== undefined) out.metadata = c.object(m.metadata, 'metadata');
  out.weights = checkWeights(c, m.weights, out.blob.length);
  // Keys in the format's own order, so that re-encoding a decoded manifest gives the same bytes.
  const { graph, inputs, outputs, metadata, weights, blob } = out;
  return { format: FORMAT_NAME, version: FORMAT_VERSION, graph, ...(inputs && { inputs }), ...(outputs && { outputs }), ...(metadata && { metadata }), weights, blob };
}

function checkBlob(c: FieldChecker, v: unknown): BlobInfo {
  const b = c.object(v, 'blob');
  c.onlyKeys(b, 'blob', BLOB_KEYS);
  const length = c.int(b.length, 'blob.length');
  if (length > LIMITS.blobBytes) c.error(`blob.length ${length} bytes is over the ${LIMITS.blobBytes / 2 ** 30} GiB limit`, { field: 'blob.length', length }, 'E_MEMORY');
  const sum = c.object(b.checksum, 'blob.checksum');
  c.onlyKeys(sum, 'blob.checksum', ['algorithm', 'value']);
  c.oneOf(sum.algorithm, 'blob.checksum.algorithm', ['crc32']);
  const value = c.string(sum.value, 'blob.checksum.value');
  if (!/^[0-9a-f]{8}$/.test(value)) c.fail('blob.checksum.value', 'eight lowercase hex digits', value);
  const info: BlobInfo = { length, checksum: { algorithm: 'crc32', value } };
  if (b.path !== undefined) {
    const path = c.string(b.path, 'blob.path');
    if (!isBlobPath(path)) c.fail('blob.path', 'a plain file name next to the manifest (no folders, no URL scheme)', path);
    info.path = path;
  }
  return info;
}

function checkWeights(c: FieldChecker, v: unknown, blobLength: number): WeightEntry[] {
  const names = new Set<string>();
  let totalElements = 0;
  const entries = c.array(v, 'weights').map((raw, i): WeightEntry => {
    let p = `weights[${i}]`;
    const w = c.object(raw, p);
    const name = c.string(w.name, `${p}.name`, true);
    p = `weights[${i}] (${JSON.stringify(name)})`;
    if (names.has(name)) c.error(`two weights are named ${JSON.stringify(name)}`, { weight: name });
    names.add(name);
    c.onlyKeys(w, p, WEIGHT_KEYS);

    const shape = c.array(w.shape, `${p}.shape`);
    if (shape.length > MAX_RANK) c.fail(`${p}.shape`, `of rank at most ${MAX_RANK}`, w.shape);
    let elements = 1;
    shape.forEach((d, j) => {
      elements *= c.int(d, `${p}.shape[${j}]`);
    });
    // Checked before anything is allocated; the product of safe integers is exact up to here.
    totalElements += elements;
    if (elements > LIMITS.elements || totalElements > LIMITS.elements) {
      c.error(`${p} has shape [${shape.join(', ')}]: the weights would need more than ${(LIMITS.elements * 4) / 2 ** 30} GiB as float32`, { weight: name, shape }, 'E_MEMORY');
    }

    const dtype = c.oneOf(w.dtype, `${p}.dtype`, STORAGE_DTYPES);
    const offset = c.int(w.offset, `${p}.offset`);
    const length = c.int(w.length, `${p}.length`);
    if (offset % ALIGNMENT !== 0) c.error(`${p}.offset ${offset} is not a multiple of ${ALIGNMENT}`, { weight: name, offset });
    const expected = elements * BYTES_PER_ELEMENT[dtype];
    if (length !== expected) {
      c.error(`${p}.length is ${length} bytes, but shape [${shape.join(', ')}] of ${dtype} takes ${expected}`, { weight: name, length, expected });
    }
    if (offset + length > blobLength) {
      c.error(`${p} spans bytes [${offset}, ${offset + length}), outside the blob of ${blobLength} bytes`, { weight: name, offset, length, blobLength });
    }
    const entry: WeightEntry = { name, shape: shape as number[], dtype, offset, length };
    if (dtype === 'uint8') {
      if (w.quantization === undefined) c.fail(`${p}.quantization`, 'the scale and zero point of a uint8 weight', undefined);
      entry.quantization = checkQuantization(c, w.quantization, `${p}.quantization`, entry);
    } else if (w.quantization !== undefined) {
      c.error(`${p}.quantization is only allowed on uint8 weights; this one is ${dtype}`, { weight: name });
    }
    return entry;
  });

  // Overlaps: after sorting by offset, each weight must start at or after the previous one's end.
  const byOffset = entries.filter((e) => e.length > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const a = byOffset[i - 1]!, b = byOffset[i]!;
    if (b.offset < a.offset + a.length) {
      c.error(`weights ${JSON.stringify(a.name)} [${a.offset}, ${a.offset + a.length}) and ${JSON.stringify(b.name)} [${b.offset}, ${b.offset + b.length}) overlap in the blob`, { weights: [a.name, b.name] });
    }
  }
  return entries;
}

function checkQuantization(c: FieldChecker, v: unknown, path: string, w: WeightEntry): Quantization {
  const q = c.object(v, path);
  const scaleOk = (s: unknown, p: string): number => {
    const x = c.finite(s, p);
    if (x <= 0) c.fail(p, 'a positive number', s);
    return x;
  };
  const zeroOk = (z: unknown, p: string): number => c.int(z, p, 0, 255);
  const finiteRange = (scale: number, zeroPoint: number, p: string): void => {
    if (!affineIsFinite({ scale, zeroPoint })) c.error(`${p}: scale ${scale} with zero point ${zeroPoint} gives values beyond float32`, { weight: w.name }, 'E_VALUE');
  };
  if (q.axis === undefined) {
    c.onlyKeys(q, path, ['scale', 'zeroPoint']);
    const scale = scaleOk(q.scale, `${path}.scale`);
    const zeroPoint = zeroOk(q.zeroPoint, `${path}.zeroPoint`);
    finiteRange(scale, zeroPoint, path);
    return { scale, zeroPoint };
  }
  c.onlyKeys(q, path, ['axis', 'scale', 'zeroPoint']);
  const axis = c.int(q.axis, `${path}.axis`, 0, Math.max(0, w.shape.length - 1));
  if (w.shape.length === 0) c.error(`${path}.axis: a scalar weight has no channel axis`, { weight: w.name });
  const channels = w.shape[axis]!;
  const scales = c.array(q.scale, `${path}.scale`);
  const zeros = c.array(q.zeroPoint, `${path}.zeroPoint`);
  if (scales.length !== channels || zeros.length !== channels) {
    c.error(`${path} has ${scales.length} scales and ${zeros.length} zero points; axis ${axis} of shape [${w.shape.join(', ')}] has ${channels} channels`, { weight: w.name });
  }
  const scale = scales.map((s, i) => scaleOk(s, `${path}.scale[${i}]`));
  const zeroPoint = zeros.map((z, i) => zeroOk(z, `${path}.zeroPoint[${i}]`));
  scale.forEach((s, i) => finiteRange(s, zeroPoint[i]!, `${path} channel ${i}`));
  return { axis, scale, zeroPoint };
}
