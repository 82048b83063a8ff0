/**
 * Writes ONNX models for the ONNX Runtime peers: a minimal protobuf encoder and a graph builder.
 * Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto,
 * AttributeProto, ValueInfoProto); tests/onnx/proto-writer.ts builds the same messages for the
 * reader's tests. Only what the benchmark models need: float tensors in raw_data, int/float/ints
 * attributes, static shapes.
 */

const FLOAT = 1;
const INT64 = 7;
const ATTR = { FLOAT: 1, INT: 2, INTS: 7 };
const IR_VERSION = 8;
export const OPSET = 13;

class Proto {
  #parts = [];
  #length = 0;

  #push(bytes) {
    this.#parts.push(bytes);
    this.#length += bytes.length;
    return this;
  }

  #varint(v) {
    let x = BigInt.asUintN(64, BigInt(v));
    const out = [];
    do {
      const b = Number(x & 0x7fn);
      x >>= 7n;
      out.push(x ? b | 0x80 : b);
    } while (x);
    return this.#push(Uint8Array.from(out));
  }

  #key(field, wire) {
    return this.#varint((field << 3) | wire);
  }

  varint(field, v) {
    return this.#key(field, 0).#varint(v);
  }

  float(field, v) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return this.#key(field, 5).#push(b);
  }

  bytes(field, b) {
    return this.#key(field, 2).#varint(b.length).#push(b);
  }

  string(field, s) {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field, m) {
    return this.bytes(field, m.finish());
  }

  packedVarints(field, values) {
    const inner = new Proto();
    for (const v of values) inner.#varint(v);
    return this.bytes(field, inner.finish());
  }

  finish() {
    const out = new Uint8Array(this.#length);
    let off = 0;
    for (const p of this.#parts) out.set(p, off), (off += p.length);
    return out;
  }
}

/** TensorProto: dims (1), data_type (2), name (8), raw_data (9, little-endian). */
function tensorProto(name, dims, values, type = FLOAT) {
  const t = new Proto().packedVarints(1, dims).varint(2, type).string(8, name);
  if (type === INT64) {
    const b = new Uint8Array(values.length * 8);
    const v = new DataView(b.buffer);
    values.forEach((x, i) => v.setBigInt64(8 * i, BigInt(x), true));
    return t.bytes(9, b);
  }
  const f = Float32Array.from(values); // x86 and wasm are little-endian, as raw_data is
  return t.bytes(9, new Uint8Array(f.buffer));
}

/**
 * AttributeProto: name (1), f (2), i (3), ints (8), type (20). A list is INTS, an integer INT, any
 * other number or f(x) FLOAT.
 */
function attributeProto(name, value) {
  const a = new Proto().string(1, name);
  if (Array.isArray(value)) {
    for (const i of value) a.varint(8, i);
    return a.varint(20, ATTR.INTS);
  }
  if (typeof value === 'object' && value !== null && 'float' in value) return a.float(2, value.float).varint(20, ATTR.FLOAT);
  if (Number.isInteger(value)) return a.varint(3, value).varint(20, ATTR.INT);
  return a.float(2, value).varint(20, ATTR.FLOAT);
}

/** ValueInfoProto: name (1), type (2) -> TypeProto.tensor_type (1) -> elem_type (1), shape (2) -> dim (1) -> dim_value (1). */
function valueInfo(name, dims) {
  const shape = new Proto();
  for (const d of dims) shape.message(1, new Proto().varint(1, d));
  const tensorType = new Proto().varint(1, FLOAT).message(2, shape);
  return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
}

/** Marks an attribute value that must be written as a float even when it is a whole number. */
export const f = (v) => ({ float: v });

/**
 * Builds one graph. `node()` returns the name of its (first) output, so graphs read like calls:
 *   const y = g.node('Conv', [x, g.weight(w, dims)], { pads: [1, 1, 1, 1] });
 */
export class OnnxGraph {
  #nodes = [];
  #inits = [];
  #inputs = [];
  #outputs = [];
  #n = 0;

  #fresh(prefix) {
    return `${prefix}_${this.#n++}`;
  }

  input(name, dims) {
    this.#inputs.push(valueInfo(name, dims));
    return name;
  }

  output(name, dims) {
    this.#outputs.push(valueInfo(name, dims));
    return name;
  }

  /** A float initializer; returns its name. */
  weight(values, dims, prefix = 'w') {
    const name = this.#fresh(prefix);
    this.#inits.push(tensorProto(name, dims, values));
    return name;
  }

  /** An int64 initializer (Reshape shapes); returns its name. */
  int64(values, dims = [values.length], prefix = 'i') {
    const name = this.#fresh(prefix);
    this.#inits.push(tensorProto(name, dims, values, INT64));
    return name;
  }

  /** NodeProto: input (1), output (2), name (3), op_type (4), attribute (5). Attribute values: int, float (f(x)), int list. */
  node(op, inputs, attrs = {}, output = this.#fresh(op.toLowerCase())) {
    const n = new Proto();
    for (const i of inputs) n.string(1, i);
    n.string(2, output).string(3, output).string(4, op);
    for (const [k, v] of Object.entries(attrs)) n.message(5, attributeProto(k, v));
    this.#nodes.push(n);
    return output;
  }

  /** A serialized ModelProto: ir_version (1), producer_name (2), graph (7), opset_import (8). */
  toBytes(name = 'bench') {
    const g = new Proto();
    for (const n of this.#nodes) g.message(1, n);
    g.string(2, name);
    for (const t of this.#inits) g.message(5, t);
    for (const i of this.#inputs) g.message(11, i);
    for (const o of this.#outputs) g.message(12, o);
    return new Proto()
      .varint(1, IR_VERSION)
      .string(2, 'tinyconv-bench')
      .message(7, g)
      .message(8, new Proto().string(1, '').varint(2, OPSET))
      .finish();
  }
}
