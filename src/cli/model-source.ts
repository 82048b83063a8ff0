import { Model, Sequential, TinyconvError, hasFileMagic, loadModel, readKerasConfig } from '../index.js';
import { about, fileSize, readBytes, readHead } from './files.js';

/**
 * Opens the model files the commands accept, telling formats apart by content, never by file
 * name: a tinyconv file by its magic bytes, JSON by the keys at its top level. Each format is one
 * row of FORMATS; a new importer (ONNX, Keras HDF5...) is a new row.
 */

export interface OpenedModel {
  model: Model;
  /** The format's id, e.g. "tinyconv" or "keras-config". */
  format: string;
  /** The format in words. */
  formatName: string;
  /** Whether weight values came with the model; a config describes the architecture only. */
  hasWeights: boolean;
}

type Json = Record<string, unknown>;

/** What identifies a file: its first bytes and, when it is a JSON object, the parsed object. */
interface Sniffed {
  head: Uint8Array;
  json?: Json;
}

interface ModelFormat {
  id: string;
  name: string;
  hasWeights: boolean;
  matches(s: Sniffed): boolean;
  open(path: string, s: Sniffed): Promise<Model>;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const MODEL_FORMATS: readonly ModelFormat[] = [
  {
    id: 'tinyconv',
    name: 'tinyconv model file',
    hasWeights: true,
    matches: (s) => hasFileMagic(s.head),
    open: (path) => loadModel(path),
  },
  {
    id: 'tinyconv-manifest',
    name: 'tinyconv manifest and blob',
    hasWeights: true,
    matches: (s) => s.json?.format === 'tinyconv',
    open: (path) => loadModel(path),
  },
  {
    id: 'tfjs-layers',
    name: 'TF.js layers model.json (topology; weight shards are not read)',
    hasWeights: false,
    matches: (s) => s.json !== undefined && 'modelTopology' in s.json,
    open: openKeras,
  },
  {
    id: 'keras-config',
    name: 'Keras model config (Keras 2 or 3)',
    hasWeights: false,
    matches: (s) => s.json !== undefined && ('model_config' in s.json || (typeof s.json.class_name === 'string' && 'config' in s.json)),
    open: openKeras,
  },
];

/** Files recognized by their first bytes that no row of MODEL_FORMATS reads: a precise message beats "unknown format". */
const FOREIGN: readonly { magic: readonly number[]; code: 'E_UNSUPPORTED' | 'E_FORMAT'; says: string }[] = [
  { magic: [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], code: 'E_UNSUPPORTED', says: 'is a Keras HDF5 file, which is not read yet; save its architecture with model.to_json() instead' },
  { magic: [0x50, 0x4b, 0x03, 0x04], code: 'E_UNSUPPORTED', says: 'is a zip archive (a Keras 3 .keras file?), which is not read directly; unzip it and pass its config.json' },
  { magic: [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59], code: 'E_FORMAT', says: 'is a NumPy .npy array, not a model' },
];

/** JSON model descriptions are small; anything bigger is not one of them. */
const MAX_JSON_BYTES = 64 * 2 ** 20;
const HEAD_BYTES = 16;

/** The formats in words, for help texts and errors. */
export function formatList(): string {
  return MODEL_FORMATS.map((f) => f.name).join('; ');
}

/** Detects the format of the file at `path` and builds the model it holds. */
export async function openModel(path: string): Promise<OpenedModel> {
  await fileSize(path, 'model file'); // a missing file is reported before anything else
  const sniffed = await sniff(path);
  const format = MODEL_FORMATS.find((f) => f.matches(sniffed));
  if (!format) {
    const what = sniffed.json
      ? `is JSON, but not a model description this command reads (top-level keys: ${Object.keys(sniffed.json).slice(0, 8).join(', ') || 'none'})`
      : 'is not in a model format this command reads';
    throw new TinyconvError('E_FORMAT', `${path} ${what}; it reads: ${formatList()}`, { path });
  }
  const model = await format.open(path, sniffed);
  return { model, format: format.id, formatName: format.name, hasWeights: format.hasWeights };
}

async function sniff(path: string): Promise<Sniffed> {
  const head = await readHead(path, HEAD_BYTES, 'model file');
  if (head.length === 0) throw new TinyconvError('E_FORMAT', `${path} is empty, not a model`, { path });
  const foreign = FOREIGN.find((f) => f.magic.every((b, i) => head[i] === b));
  if (foreign) throw new TinyconvError(foreign.code, `${path} ${foreign.says}`, { path });
  if (!startsLikeJsonObject(head)) return { head };
  const bytes = await readBytes(path, 'model file', MAX_JSON_BYTES);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch (e) {
    throw new TinyconvError('E_FORMAT', `${path} starts like JSON but cannot be parsed: ${(e as Error).message}`, { path }, { cause: e });
  }
  return isObj(value) ? { head, json: value } : { head };
}

/** Whether the first character after spaces (and a UTF-8 byte order mark) is "{". */
function startsLikeJsonObject(head: Uint8Array): boolean {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  return head[i] === 0x7b;
}

/**
 * A Keras or TF.js topology. The graph is built without drawing weights (they are drawn on first
 * use), so a 138M-parameter config summarizes instantly. Sequential configs give a Sequential
 * model, so the summary has Keras's Sequential layout.
 */
function openKeras(path: string, s: Sniffed): Promise<Model> {
  return about(path, () => {
    const graph = readKerasConfig(s.json);
    return kerasClassName(s.json) === 'Sequential' ? Sequential.fromGraph(graph) : Model.fromGraph(graph);
  });
}

/** The model class inside the wrappers TF.js ({modelTopology}) and Keras 2 ({model_config}) put around it. */
function kerasClassName(json: unknown): string | undefined {
  let v = json;
  for (const key of ['modelTopology', 'model_config']) {
    if (!isObj(v) || !(key in v)) continue;
    v = v[key];
    if (typeof v === 'string') {
      try {
        v = JSON.parse(v);
      } catch {
        return undefined; // readKerasConfig reports it
      }
    }
  }
  return isObj(v) && typeof v.class_name === 'string' ? v.class_name : undefined;
}
