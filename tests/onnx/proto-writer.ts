/**
 * A small protobuf writer and ONNX message builders for tests: hand-built messages for the reader,
 * and tiny ONNX models for mapping paths the conformance data does not reach.
 */

export class ProtoWriter {
  private readonly out: number[] = [];

  /** Appends bytes as they are (for malformed input). */
  raw(bytes: readonly number[]): this {
    this.out.push(...bytes);
    return this;
  }

  /** An unsigned varint of up to 64 bits; negative numbers as 64-bit two's complement (10 bytes). */
  rawVarint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    do {
      const b = Number(x & 0x7fn);
      x >>= 7n;
      this.out.push(x ? b | 0x80 : b);
    } while (x);
    return this;
  }

  key(field: number, wire: number): this {
    return this.rawVarint((field << 3) | wire);
  }

  varint(field: number, v: number | bigint): this {
    return this.key(field, 0).rawVarint(v);
  }

  float(field: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return this.key(field, 5).raw([...b]);
  }

  double(field: number, v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    return this.key(field, 1).raw([...b]);
  }

  bytes(field: number, b: ArrayLike<number>): this {
    return this.key(field, 2).rawVarint(b.length).raw(Array.from(b));
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.rawVarint(v);
    return this.bytes(field, inner.finish());
  }

  packedFloats(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(values.length * 4);
    const v = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) v.setFloat32(4 * i, values[i]!, true);
    return this.bytes(field, b);
  }

  packedDoubles(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(values.length * 8);
    const v = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) v.setFloat64(8 * i, values[i]!, true);
    return this.bytes(field, b);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

// ONNX builders (field numbers from onnx.proto) ------------------------------------------------

export const FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6, INT64 = 7, BOOL = 9, FLOAT16 = 10, DOUBLE = 11;

/** A TensorProto holding `values` in raw_data (little-endian) or in the typed field for its type. */
export function tensorProto(name: string, dims: readonly number[], values: ArrayLike<number>, type = FLOAT, encoding: 'raw' | 'typed' = 'raw'): ProtoWriter {
  const w = new ProtoWriter().packedVarints(1, dims).varint(2, type).string(8, name);
  if (encoding === 'typed') {
    if (type === FLOAT) return w.packedFloats(4, values);
    if (type === DOUBLE) return w.packedDoubles(10, values);
    if (type === INT64) return w.packedVarints(7, Array.from(values));
    return w.packedVarints(5, Array.from(values)); // int32_data carries the narrow types
  }
  const width: Record<number, number> = { [FLOAT]: 4, [DOUBLE]: 8, [INT64]: 8, [INT32]: 4, [UINT8]: 1, [INT8]: 1, [BOOL]: 1, [FLOAT16]: 2 };
  const b = new Uint8Array(values.length * width[type]!);
  const v = new DataView(b.buffer);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (type === FLOAT) v.setFloat32(4 * i, x, true);
    else if (type === DOUBLE) v.setFloat64(8 * i, x, true);
    else if (type === INT64) v.setBigInt64(8 * i, BigInt(x), true);
    else if (type === INT32) v.setInt32(4 * i, x, true);
    else if (type === FLOAT16) v.setUint16(2 * i, x, true); // x holds the half's bits
    else v.setUint8(i, x & 0xff);
  }
  return w.bytes(9, b);
}

export type AttrValue =
  | { f: number }
  | { i: number }
  | { s: string }
  | { floats: readonly number[] }
  | { ints: readonly number[] }
  | { t: ProtoWriter };

/** AttributeProto with its type set (FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7). */
export function attribute(name: string, v: AttrValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if ('f' in v) return w.float(2, v.f).varint(20, 1);
  if ('i' in v) return w.varint(3, v.i).varint(20, 2);
  if ('s' in v) return w.string(4, v.s).varint(20, 3);
  if ('t' in v) return w.message(5, v.t).varint(20, 4);
  if ('floats' in v) {
    for (const f of v.floats) w.float(7, f);
    return w.varint(20, 6);
  }
  for (const i of v.ints) w.varint(8, i);
  return w.varint(20, 7);
}

export function nodeProto(op: string, inputs: readonly string[], outputs: readonly string[], attrs: Record<string, AttrValue> = {}, name = ''): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  if (name) w.string(3, name);
  w.string(4, op);
  for (const [k, v] of Object.entries(attrs)) w.message(5, attribute(k, v));
  return w;
}

/** ValueInfoProto of a tensor; `dims` entries may be symbolic names, undefined: unknown rank. */
export function valueInfo(name: string, dims?: readonly (number | string)[], elemType = FLOAT): ProtoWriter {
  const tt = new ProtoWriter().varint(1, elemType);
  if (dims) {
    const shape = new ProtoWriter();
    for (const d of dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().varint(1, d) : new ProtoWriter().string(2, d));
    tt.message(2, shape);
  }
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tt));
}

export interface ModelSpec {
  opset: number;
  nodes: ProtoWriter[];
  inputs: ProtoWriter[];
  outputs: ProtoWriter[];
  initializers?: ProtoWriter[];
  name?: string;
}

/** A serialized ModelProto (IR version 7). */
export function modelProto(spec: ModelSpec): Uint8Array {
  const g = new ProtoWriter();
  for (const n of spec.nodes) g.message(1, n);
  g.string(2, spec.name ?? 'g');
  for (const t of spec.initializers ?? []) g.message(5, t);
  for (const i of spec.inputs) g.message(11, i);
  for (const o of spec.outputs) g.message(12, o);
  return new ProtoWriter()
    .varint(1, 7)
    .string(2, 'tinyconv-tests')
    .message(7, g)
    .message(8, new ProtoWriter().string(1, '').varint(2, spec.opset))
    .finish();
}
