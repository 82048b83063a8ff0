import { TinyconvError } from '../../core/errors.js';
import { halfToFloat } from '../float16.js';
import { ProtoReader, WIRE_LEN } from './protobuf.js';

/**
 * Decodes ONNX protobuf messages (onnx.proto, field numbers as in the spec) into plain objects:
 * ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto and ValueInfoProto. Fields the
 * importer has no use for (doc strings, metadata, training info) are skipped.
 */

/** Element types by TensorProto.DataType code. */
const DATA_TYPE_NAMES = [
  'undefined', 'float32', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool',
  'float16', 'float64', 'uint32', 'uint64', 'complex64', 'complex128', 'bfloat16',
  'float8e4m3fn', 'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz', 'uint4', 'int4',
] as const;

/** The element types whose tensors this decoder reads. */
export type OnnxDataType = 'float32' | 'float16' | 'float64' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'bool';

/** Name of a TensorProto.DataType code, for messages ("type 99" when unknown). */
export function dataTypeName(code: number): string {
  return DATA_TYPE_NAMES[code] ?? `type ${code}`;
}

/**
 * A decoded tensor. float32 and float16 values are held as Float32Array (exact), float64 as
 * Float64Array, int8/int16/int32/uint8/bool as Int32Array, int64 as BigInt64Array (exact).
 */
export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: OnnxDataType;
  data: Float32Array | Float64Array | Int32Array | BigInt64Array;
}

export type OnnxAttributeType =
  | 'undefined' | 'float' | 'int' | 'string' | 'tensor' | 'graph' | 'floats' | 'ints' | 'strings' | 'tensors' | 'graphs'
  | 'sparse_tensor' | 'sparse_tensors' | 'type_proto' | 'type_protos';

/** AttributeProto.AttributeType codes. */
const ATTRIBUTE_TYPES: Record<number, OnnxAttributeType> = {
  0: 'undefined', 1: 'float', 2: 'int', 3: 'string', 4: 'tensor', 5: 'graph', 6: 'floats', 7: 'ints', 8: 'strings',
  9: 'tensors', 10: 'graphs', 11: 'sparse_tensor', 12: 'sparse_tensors', 13: 'type_proto', 14: 'type_protos',
};

/** An attribute: `type` says which value field holds it. Sparse tensors and type protos are not decoded. */
export interface OnnxAttribute {
  name: string;
  type: OnnxAttributeType;
  f?: number;
  /** int64; exact within +-2^53, the nearest double beyond (only INT64 sentinels reach that far). */
  i?: number;
  /** The bytes of `s` read as UTF-8: ONNX string attributes are names and modes. */
  s?: string;
  t?: OnnxTensor;
  g?: OnnxGraph;
  floats?: number[];
  ints?: number[];
  strings?: string[];
  tensors?: OnnxTensor[];
  graphs?: OnnxGraph[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  /** '' for the default ONNX operator set. */
  domain: string;
  /** Value names; '' marks an omitted optional input or output. */
  inputs: string[];
  outputs: string[];
  /** By name (a null-prototype object, so names like "constructor" are just names). */
  attributes: Record<string, OnnxAttribute>;
}

/** A dimension of a value's shape: a size, a symbolic name, or null when unknown. */
export type OnnxDim = number | string | null;

export interface OnnxValueInfo {
  name: string;
  /** 'tensor' for tensors; sequences, maps and the like are named but not described further. */
  kind: 'tensor' | 'sparse_tensor' | 'sequence' | 'map' | 'optional' | 'opaque' | 'unknown';
  /** TensorProto.DataType code of the elements (0 when not given). */
  elemType: number;
  /** undefined when even the rank is unknown. */
  shape?: OnnxDim[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
}

export interface OnnxOpsetId {
  /** '' (or 'ai.onnx') for the default operator set. */
  domain: string;
  version: number;
}

export interface OnnxModel {
  irVersion: number;
  opsetImport: OnnxOpsetId[];
  producerName: string;
  producerVersion: string;
  graph: OnnxGraph;
}

/** Subgraphs (If, Loop bodies) nest; a bound keeps hostile files from exhausting the stack. */
const MAX_GRAPH_DEPTH = 32;

/** Decodes a serialized ModelProto (the bytes of a .onnx file). */
export function decodeModel(bytes: Uint8Array | ArrayBuffer): OnnxModel {
  const r = new ProtoReader(asBytes(bytes), 'ONNX model');
  const m: OnnxModel = { irVersion: 0, opsetImport: [], producerName: '', producerVersion: '', graph: emptyGraph() };
  let graphSeen = false;
  while (r.next()) {
    switch (r.field) {
      case 1: m.irVersion = r.int64(); break;
      case 2: m.producerName = r.string(); break;
      case 3: m.producerVersion = r.string(); break;
      case 7: m.graph = readGraph(r.message('graph'), 0); graphSeen = true; break;
      case 8: m.opsetImport.push(readOpset(r.message(`opset_import[${m.opsetImport.length}]`))); break;
      default: r.skip();
    }
  }
  if (!graphSeen) throw new TinyconvError('E_FORMAT', 'ONNX model: the file has no graph (is it an ONNX model?)');
  return m;
}

/** Decodes a serialized TensorProto (the input_N.pb / output_N.pb files of the ONNX test data). */
export function decodeTensor(bytes: Uint8Array | ArrayBuffer, what = 'ONNX tensor'): OnnxTensor {
  return readTensor(new ProtoReader(asBytes(bytes), what));
}

function asBytes(b: Uint8Array | ArrayBuffer): Uint8Array {
  if (b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  throw new TinyconvError('E_ARG', 'ONNX: expected the bytes of a file as a Uint8Array or ArrayBuffer');
}

function emptyGraph(): OnnxGraph {
  return { name: '', nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [] };
}

function readOpset(r: ProtoReader): OnnxOpsetId {
  const o: OnnxOpsetId = { domain: '', version: 0 };
  while (r.next()) {
    if (r.field === 1) o.domain = r.string();
    else if (r.field === 2) o.version = r.int64();
    else r.skip();
  }
  return o;
}

function readGraph(r: ProtoReader, depth: number): OnnxGraph {
  if (depth > MAX_GRAPH_DEPTH) r.fail(`subgraphs nested deeper than ${MAX_GRAPH_DEPTH}`);
  const g = emptyGraph();
  while (r.next()) {
    switch (r.field) {
      case 1: g.nodes.push(readNode(r.message(`node[${g.nodes.length}]`), depth)); break;
      case 2: g.name = r.string(); break;
      case 5: g.initializers.push(readTensor(r.message(`initializer[${g.initializers.length}]`))); break;
      case 11: g.inputs.push(readValueInfo(r.message(`input[${g.inputs.length}]`))); break;
      case 12: g.outputs.push(readValueInfo(r.message(`output[${g.outputs.length}]`))); break;
      case 13: g.valueInfo.push(readValueInfo(r.message(`value_info[${g.valueInfo.length}]`))); break;
      case 15:
        throw new TinyconvError('E_UNSUPPORTED', `${r.what}: sparse initializers are not supported; store the initializer as a dense tensor`);
      default: r.skip();
    }
  }
  return g;
}

function readNode(r: ProtoReader, depth: number): OnnxNode {
  const n: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: Object.create(null) as Record<string, OnnxAttribute> };
  while (r.next()) {
    switch (r.field) {
      case 1: n.inputs.push(r.string()); break;
      case 2: n.outputs.push(r.string()); break;
      case 3: n.name = r.string(); break;
      case 4: n.opType = r.string(); break;
      case 5: {
        const at = r.offset;
        const a = readAttribute(r.message('attribute'), depth);
        if (Object.prototype.hasOwnProperty.call(n.attributes, a.name)) r.fail(`attribute ${a.name} is given twice`, at);
        n.attributes[a.name] = a;
        break;
      }
      case 7: n.domain = r.string(); break;
      default: r.skip();
    }
  }
  if (!n.opType) r.fail('node has no op_type', r.end);
  return n;
}

function readAttribute(r: ProtoReader, depth: number): OnnxAttribute {
  const a: OnnxAttribute = { name: '', type: 'undefined' };
  let typeCode = 0;
  // The value field seen, for files that omit `type` (written before IR version 0.0.2).
  let inferred: OnnxAttributeType = 'undefined';
  const list = <T>(k: 'floats' | 'ints' | 'strings' | 'tensors' | 'graphs'): T[] => ((a[k] ??= []) as T[]);
  while (r.next()) {
    switch (r.field) {
      case 1: a.name = r.string(); break;
      case 20: typeCode = r.int32(); break;
      case 2: a.f = r.float(); inferred = 'float'; break;
      case 3: a.i = r.int64(); inferred = 'int'; break;
      case 4: a.s = r.string(); inferred = 'string'; break;
      case 5: a.t = readTensor(r.message(`attribute ${a.name || '?'} t`)); inferred = 'tensor'; break;
      case 6: a.g = readGraph(r.message(`attribute ${a.name || '?'} g`), depth + 1); inferred = 'graph'; break;
      case 7: r.floats(list<number>('floats')); inferred = 'floats'; break;
      case 8: r.int64s(list<number>('ints')); inferred = 'ints'; break;
      case 9: list<string>('strings').push(r.string()); inferred = 'strings'; break;
      case 10: list<OnnxTensor>('tensors').push(readTensor(r.message(`attribute ${a.name || '?'} tensors`))); inferred = 'tensors'; break;
      case 11: list<OnnxGraph>('graphs').push(readGraph(r.message(`attribute ${a.name || '?'} graphs`), depth + 1)); inferred = 'graphs'; break;
      case 22: r.skip(); inferred = 'sparse_tensor'; break;
      case 23: r.skip(); inferred = 'sparse_tensors'; break;
      case 14: r.skip(); inferred = 'type_proto'; break;
      case 15: r.skip(); inferred = 'type_protos'; break;
      default: r.skip();
    }
  }
  if (!a.name) r.fail('attribute has no name', r.end);
  const declared = ATTRIBUTE_TYPES[typeCode];
  if (declared === undefined) r.fail(`attribute ${a.name} has unknown type ${typeCode}`, r.end);
  a.type = declared === 'undefined' ? inferred : declared;
  // proto2 leaves default values off the wire: an INT attribute of 0 may have no `i` at all.
  if (a.type === 'float') a.f ??= 0;
  else if (a.type === 'int') a.i ??= 0;
  else if (a.type === 'string') a.s ??= '';
  else if (a.type === 'floats' || a.type === 'ints' || a.type === 'strings' || a.type === 'tensors' || a.type === 'graphs') a[a.type] ??= [];
  return a;
}

function readValueInfo(r: ProtoReader): OnnxValueInfo {
  const v: OnnxValueInfo = { name: '', kind: 'unknown', elemType: 0 };
  while (r.next()) {
    if (r.field === 1) v.name = r.string();
    else if (r.field === 2) readType(r.message(`value ${v.name || '?'} type`), v);
    else r.skip();
  }
  return v;
}

/** TypeProto: tensor_type = 1, sequence_type = 4, map_type = 5, opaque_type = 7, sparse_tensor_type = 8, optional_type = 9. */
function readType(r: ProtoReader, v: OnnxValueInfo): void {
  const kinds: Record<number, OnnxValueInfo['kind']> = { 1: 'tensor', 4: 'sequence', 5: 'map', 7: 'opaque', 8: 'sparse_tensor', 9: 'optional' };
  while (r.next()) {
    const kind = kinds[r.field];
    if (kind === 'tensor' || kind === 'sparse_tensor') {
      v.kind = kind;
      readTensorType(r.message(kind === 'tensor' ? 'tensor_type' : 'sparse_tensor_type'), v);
    } else if (kind) {
      v.kind = kind;
      r.skip();
    } else r.skip();
  }
}

function readTensorType(r: ProtoReader, v: OnnxValueInfo): void {
  while (r.next()) {
    if (r.field === 1) v.elemType = r.int32();
    else if (r.field === 2) {
      const s = r.message('shape');
      const dims: OnnxDim[] = [];
      while (s.next()) {
        if (s.field === 1) dims.push(readDim(s.message(`dim[${dims.length}]`)));
        else s.skip();
      }
      v.shape = dims;
    } else r.skip();
  }
}

function readDim(r: ProtoReader): OnnxDim {
  let d: OnnxDim = null;
  while (r.next()) {
    if (r.field === 1) d = r.int64();
    else if (r.field === 2) d = r.string();
    else r.skip();
  }
  return d;
}

// TensorProto -----------------------------------------------------------------------------------

interface RawTensor {
  name: string;
  dims: number[];
  dataType: number;
  floatData: number[];
  int32Data: number[];
  int64Data: bigint[];
  doubleData: number[];
  raw?: Uint8Array;
  packedFloats?: Float32Array;
  external: boolean;
  segmented: boolean;
}

function readTensor(r: ProtoReader): OnnxTensor {
  const t: RawTensor = { name: '', dims: [], dataType: 0, floatData: [], int32Data: [], int64Data: [], doubleData: [], external: false, segmented: false };
  while (r.next()) {
    switch (r.field) {
      case 1: r.int64s(t.dims); break;
      case 2: t.dataType = r.int32(); break;
      case 3: t.segmented = true; r.skip(); break;
      case 4:
        // The common large case (one packed float_data run) goes straight into a typed array.
        if (r.wire === WIRE_LEN && t.floatData.length === 0 && !t.packedFloats) {
          t.packedFloats = r.packedFloat32();
        } else {
          if (t.packedFloats) {
            t.floatData = Array.from(t.packedFloats);
            t.packedFloats = undefined;
          }
          r.floats(t.floatData);
        }
        break;
      case 5: r.int32s(t.int32Data); break;
      case 7: r.int64sBig(t.int64Data); break;
      case 8: t.name = r.string(); break;
      case 9: t.raw = r.bytesCopy(); break;
      case 10: r.doubles(t.doubleData); break;
      case 13: t.external = true; r.skip(); break;
      case 14: if (r.int32() === 1) t.external = true; break;
      default: r.skip();
    }
  }
  return finishTensor(t, r);
}

const SUPPORTED: Partial<Record<number, OnnxDataType>> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64',
};

/** Bytes per element in raw_data. */
const WIDTH: Record<OnnxDataType, number> = { float32: 4, float16: 2, float64: 8, int8: 1, int16: 2, int32: 4, int64: 8, uint8: 1, bool: 1 };

function finishTensor(t: RawTensor, r: ProtoReader): OnnxTensor {
  const label = `${r.what}${t.name ? ` "${t.name}"` : ''}`;
  if (t.external) {
    throw new TinyconvError('E_UNSUPPORTED', `${label}: tensor data stored in an external file is not supported; save the model with its weights inside (onnx.save_model(..., save_as_external_data=False))`, { tensor: t.name });
  }
  if (t.segmented) throw new TinyconvError('E_UNSUPPORTED', `${label}: segmented tensors are not supported`, { tensor: t.name });
  const dataType = SUPPORTED[t.dataType];
  if (!dataType) {
    throw new TinyconvError('E_UNSUPPORTED', `${label}: element type ${dataTypeName(t.dataType)} is not supported (supported: ${Object.values(SUPPORTED).join(', ')})`, { tensor: t.name, dataType: t.dataType });
  }
  for (const d of t.dims) if (!Number.isSafeInteger(d) || d < 0) r.fail(`tensor "${t.name}" has dimension ${d} in dims [${t.dims.join(', ')}]`, r.end);
  const n = t.dims.reduce((a, d) => a * d, 1);
  if (!Number.isSafeInteger(n)) r.fail(`tensor "${t.name}" with dims [${t.dims.join(', ')}] is too large`, r.end);
  const data = t.raw ? fromRaw(t.raw, dataType) : fromTyped(t, dataType);
  if (data.length !== n) {
    r.fail(`tensor "${t.name}" (${dataType}) holds ${data.length} values, but dims [${t.dims.join(', ')}] need ${n}`, r.end);
  }
  return { name: t.name, dims: t.dims, dataType, data };
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function fromRaw(raw: Uint8Array, type: OnnxDataType): OnnxTensor['data'] {
  const w = WIDTH[type];
  if (raw.length % w !== 0) throw new TinyconvError('E_FORMAT', `ONNX tensor: raw_data of ${raw.length} bytes is not a whole number of ${type} values (${w} bytes each)`);
  const n = raw.length / w;
  // `raw` is a copy at offset 0 of its own buffer: on little-endian hosts the wide types are views of it.
  if (LITTLE_ENDIAN && raw.byteOffset === 0) {
    if (type === 'float32') return new Float32Array(raw.buffer, 0, n);
    if (type === 'float64') return new Float64Array(raw.buffer, 0, n);
    if (type === 'int32') return new Int32Array(raw.buffer, 0, n);
    if (type === 'int64') return new BigInt64Array(raw.buffer, 0, n);
  }
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (type) {
    case 'float32': { const o = new Float32Array(n); for (let i = 0; i < n; i++) o[i] = v.getFloat32(4 * i, true); return o; }
    case 'float64': { const o = new Float64Array(n); for (let i = 0; i < n; i++) o[i] = v.getFloat64(8 * i, true); return o; }
    case 'float16': { const o = new Float32Array(n); for (let i = 0; i < n; i++) o[i] = halfToFloat(v.getUint16(2 * i, true)); return o; }
    case 'int64': { const o = new BigInt64Array(n); for (let i = 0; i < n; i++) o[i] = v.getBigInt64(8 * i, true); return o; }
    case 'int32': { const o = new Int32Array(n); for (let i = 0; i < n; i++) o[i] = v.getInt32(4 * i, true); return o; }
    case 'int16': { const o = new Int32Array(n); for (let i = 0; i < n; i++) o[i] = v.getInt16(2 * i, true); return o; }
    case 'int8': return Int32Array.from(new Int8Array(raw.buffer, raw.byteOffset, n));
    case 'uint8': return Int32Array.from(raw);
    case 'bool': return Int32Array.from(raw, (b) => (b ? 1 : 0));
  }
}

/** Values from the typed fields: float_data, double_data, int64_data, or int32_data for the narrow types. */
function fromTyped(t: RawTensor, type: OnnxDataType): OnnxTensor['data'] {
  switch (type) {
    case 'float32': return t.packedFloats ?? Float32Array.from(t.floatData);
    case 'float64': return Float64Array.from(t.doubleData);
    case 'int64': return BigInt64Array.from(t.int64Data);
    // float16 values travel as their bit patterns in int32_data.
    case 'float16': return Float32Array.from(t.int32Data, (h) => halfToFloat(h & 0xffff));
    case 'int32': return Int32Array.from(t.int32Data);
    case 'int16': return Int32Array.from(t.int32Data, (x) => (x << 16) >> 16);
    case 'int8': return Int32Array.from(t.int32Data, (x) => (x << 24) >> 24);
    case 'uint8': return Int32Array.from(t.int32Data, (x) => x & 0xff);
    case 'bool': return Int32Array.from(t.int32Data, (x) => (x ? 1 : 0));
  }
}

/** A tensor's values as doubles (exact for every integer up to 2^53). */
export function tensorNumbers(t: OnnxTensor): Float64Array {
  if (t.data instanceof BigInt64Array) return Float64Array.from(t.data, (x) => Number(x));
  return Float64Array.from(t.data);
}

/** A tensor's values as float32, the engine's element type. */
export function tensorFloat32(t: OnnxTensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (t.data instanceof BigInt64Array) return Float32Array.from(t.data, (x) => Number(x));
  return Float32Array.from(t.data);
}
