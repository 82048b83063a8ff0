import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TinyconvError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { ProtoReader } from '../../src/io/onnx/protobuf.js';
import { decodeModel, decodeTensor } from '../../src/io/onnx/onnx-proto.js';
import { BOOL, DOUBLE, FLOAT, FLOAT16, INT32, INT64, INT8, ProtoWriter, UINT8, attribute, modelProto, nodeProto, tensorProto, valueInfo } from './proto-writer.js';

/** The error `f` throws (failing the test when it throws nothing). */
function caught(f: () => unknown): TinyconvError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TinyconvError);
    return e as TinyconvError;
  }
  throw new Error('expected an error');
}

function formatError(f: () => unknown, offset?: number): TinyconvError {
  const e = caught(f);
  expect(e.code).toBe('E_FORMAT');
  if (offset !== undefined) {
    expect(e.details.offset).toBe(offset);
    expect(e.message).toContain(`at byte ${offset}`);
  }
  return e;
}

const reader = (bytes: number[] | Uint8Array): ProtoReader => new ProtoReader(Uint8Array.from(bytes), 'test message');

/** Reads the first field of `bytes` with `read`. */
function first<T>(bytes: number[] | Uint8Array, read: (r: ProtoReader) => T): T {
  const r = reader(bytes);
  expect(r.next()).toBe(true);
  return read(r);
}

describe('protobuf reader: malformed bytes raise E_FORMAT with the offset', () => {
  it('truncated varint', () => {
    formatError(() => first([0x08, 0x80], (r) => r.int64()), 1);
    formatError(() => first([0x08, 0xff, 0xff], (r) => r.uint32()), 1);
    // A key that is itself cut off.
    formatError(() => reader([0x80]).next(), 0);
    const r = reader([0x08, 0x01, 0x80]);
    expect(r.next() && r.int64()).toBe(1);
    formatError(() => r.next(), 2);
  });

  it('overlong varint', () => {
    const eleven = [0x08, ...new Array(10).fill(0x80), 0x01];
    expect(formatError(() => first(eleven, (r) => r.int64()), 1).message).toContain('longer than 10 bytes');
    // Ten bytes whose last one carries more than bit 63.
    const overflow = [0x08, ...new Array(9).fill(0xff), 0x02];
    expect(formatError(() => first(overflow, (r) => r.uint64()), 1).message).toContain('64 bits');
  });

  it('length past the end', () => {
    formatError(() => first([0x12, 0x05, 0x61, 0x62], (r) => r.string()), 2);
    formatError(() => first([0x1a, 0x03, 0x08], (r) => r.message('sub')), 2);
    // A nested message may not read past its own length, even where the outer bytes go on.
    const nested = [0x1a, 0x02, 0x12, 0x05, 0x61, 0x62, 0x63, 0x64, 0x65];
    const sub = first(nested, (r) => r.message('sub'));
    expect(sub.next()).toBe(true);
    formatError(() => sub.string(), 4);
    // Fixed-width values too.
    formatError(() => first([0x0d, 0x00, 0x00], (r) => r.float()), 1);
    formatError(() => first([0x09, 1, 2, 3, 4], (r) => r.double()), 1);
  });

  it('wrong wire type', () => {
    const e = formatError(() => first([0x0a, 0x01, 0x00], (r) => r.int64()), 0);
    expect(e.message).toContain('field 1 has wire type LEN (2), expected VARINT (0)');
    formatError(() => first([0x08, 0x01], (r) => r.string()), 0);
    formatError(() => first([0x08, 0x01], (r) => r.float()), 0);
    formatError(() => first([0x0d, 0, 0, 0, 0], (r) => r.double()), 0);
    // Wire types 6 and 7 do not exist; 4 (end group) may not come first.
    formatError(() => reader([0x0e, 0x00]).next(), 0);
    formatError(() => reader([0x0f]).next(), 0);
    formatError(() => reader([0x0c]).next(), 0);
    // Field number 0 is reserved.
    formatError(() => reader([0x00, 0x00]).next(), 0);
    // Through the ONNX decoder: ir_version written as a string.
    formatError(() => decodeModel(new ProtoWriter().string(1, 'seven').finish()), 0);
  });

  it('packed runs of the wrong length and unclosed groups', () => {
    formatError(() => first([0x22, 0x03, 0, 0, 0], (r) => r.floats([])), 1);
    formatError(() => first([0x22, 0x02, 0x80, 0x80], (r) => r.int64s([])), 2);
    const unclosed = new ProtoWriter().key(5, 3).varint(1, 1).finish();
    formatError(() => first(unclosed, (r) => r.skip()), 0);
    const mismatched = new ProtoWriter().key(5, 3).key(6, 4).finish();
    formatError(() => first(mismatched, (r) => r.skip()), 1);
  });

  it('never throws anything but a TinyconvError on truncated or corrupted ONNX files', () => {
    const path = '/usr/share/libonnx-testdata/data/node/test_conv_with_strides_padding/model.onnx';
    const bytes = existsSync(path)
      ? readFileSync(path)
      : modelProto({ opset: 13, nodes: [nodeProto('Relu', ['x'], ['y'], {}, 'r')], inputs: [valueInfo('x', [1, 2])], outputs: [valueInfo('y', [1, 2])] });
    const rng = new Rng(7);
    const attempts: Uint8Array[] = [];
    for (let n = 0; n < bytes.length; n++) attempts.push(bytes.subarray(0, n));
    for (let k = 0; k < 300; k++) {
      const b = Uint8Array.from(bytes);
      for (let j = 0; j < 3; j++) b[rng.int(b.length)] = rng.int(256);
      attempts.push(b);
    }
    const tensorPath = '/usr/share/libonnx-testdata/data/node/test_conv_with_strides_padding/test_data_set_0/input_1.pb';
    const tensorBytes = existsSync(tensorPath) ? readFileSync(tensorPath) : tensorProto('w', [2, 3], [1, 2, 3, 4, 5, 6]).finish();
    const tensorAttempts: Uint8Array[] = [];
    for (let n = 0; n < tensorBytes.length; n++) tensorAttempts.push(tensorBytes.subarray(0, n));
    for (let k = 0; k < 200; k++) {
      const b = Uint8Array.from(tensorBytes);
      b[rng.int(Math.min(b.length, 24))] = rng.int(256); // the header: dims, type, name, lengths
      tensorAttempts.push(b);
    }
    for (const b of tensorAttempts) {
      try {
        decodeTensor(b);
      } catch (e) {
        expect(e).toBeInstanceOf(TinyconvError);
        expect(['E_FORMAT', 'E_UNSUPPORTED']).toContain((e as TinyconvError).code);
      }
    }
    for (const b of attempts) {
      try {
        decodeModel(b);
      } catch (e) {
        expect(e).toBeInstanceOf(TinyconvError);
        expect(['E_FORMAT', 'E_UNSUPPORTED']).toContain((e as TinyconvError).code);
      }
    }
  });
});

describe('protobuf reader: a hand-built message round trip', () => {
  const inner = new ProtoWriter().string(1, 'inner').varint(2, 42);
  const bytes = new ProtoWriter()
    .varint(1, 150)
    .varint(2, -1) // int64 -1: ten bytes on the wire
    .varint(3, 2n ** 63n - 1n)
    .varint(4, -2147483648) // int32 minimum, sign-extended
    .float(5, 1.5)
    .double(6, -2.25)
    .string(7, 'héllo, 世界')
    .packedVarints(8, [1, 300, -5, 0])
    .varint(8, 7) // an unpacked element of the same repeated field
    .packedFloats(9, [0.5, -1, 3.25])
    .float(9, 8)
    .packedDoubles(10, [1e300, -0])
    .message(11, inner)
    .varint(99, 5) // unknown fields of every wire type are skipped
    .double(98, 1)
    .float(97, 1)
    .string(96, 'skip me')
    .key(95, 3).varint(1, 1).key(94, 3).string(2, 'x').key(94, 4).key(95, 4) // nested groups
    .varint(12, 1)
    .finish();

  it('reads back every value', () => {
    const r = new ProtoReader(bytes, 'round trip');
    const got: Record<string, unknown> = {};
    const ints: number[] = [], floats: number[] = [], doubles: number[] = [];
    while (r.next()) {
      switch (r.field) {
        case 1: got.varint = r.uint32(); break;
        case 2: got.minusOne = [r.offset, r.int64()]; break;
        case 3: got.max = r.int64Big(); break;
        case 4: got.int32 = r.int32(); break;
        case 5: got.float = r.float(); break;
        case 6: got.double = r.double(); break;
        case 7: got.string = r.string(); break;
        case 8: r.int64s(ints); break;
        case 9: r.floats(floats); break;
        case 10: r.doubles(doubles); break;
        case 11: {
          const m = r.message('inner');
          const v: unknown[] = [];
          while (m.next()) v.push(m.field === 1 ? m.string() : m.int64());
          got.inner = v;
          break;
        }
        case 12: got.bool = r.bool(); break;
        default: r.skip();
      }
    }
    expect(got).toEqual({
      varint: 150,
      minusOne: [4, -1],
      max: 2n ** 63n - 1n,
      int32: -2147483648,
      float: 1.5,
      double: -2.25,
      string: 'héllo, 世界',
      inner: ['inner', 42],
      bool: true,
    });
    expect(ints).toEqual([1, 300, -5, 0, 7]);
    expect(floats).toEqual([0.5, -1, 3.25, 8]);
    expect(doubles).toEqual([1e300, -0]);
  });

  it('int64 beyond 2^53 keeps every bit through int64Big and int64sBig', () => {
    const big = [-(2n ** 63n), 2n ** 53n + 1n, -1n];
    const out: bigint[] = [];
    first(new ProtoWriter().packedVarints(1, big).finish(), (r) => r.int64sBig(out));
    expect(out).toEqual(big);
  });
});

describe('ONNX messages', () => {
  it('decodes tensors from raw_data and from every typed field', () => {
    const cases: [number, number[], string, 'raw' | 'typed'][] = [
      [FLOAT, [1.5, -2, 0], 'float32', 'raw'],
      [FLOAT, [1.5, -2, 0], 'float32', 'typed'],
      [DOUBLE, [1e-300, 2.5, -3], 'float64', 'raw'],
      [DOUBLE, [1e-300, 2.5, -3], 'float64', 'typed'],
      [INT64, [-3, 0, 2 ** 40], 'int64', 'raw'],
      [INT64, [-3, 0, 2 ** 40], 'int64', 'typed'],
      [INT32, [-7, 0, 2 ** 30], 'int32', 'raw'],
      [INT32, [-7, 0, 2 ** 30], 'int32', 'typed'],
      [INT8, [-128, 5, 127], 'int8', 'raw'],
      [UINT8, [0, 200, 255], 'uint8', 'raw'],
      [UINT8, [0, 200, 255], 'uint8', 'typed'],
      [BOOL, [1, 0, 1], 'bool', 'raw'],
    ];
    for (const [type, values, name, encoding] of cases) {
      const t = decodeTensor(tensorProto('t', [3], values, type, encoding).finish());
      expect(t.dataType, `${name} ${encoding}`).toBe(name);
      expect(Array.from(t.data as ArrayLike<number | bigint>, Number), `${name} ${encoding}`).toEqual(values);
      expect(t.dims).toEqual([3]);
    }
    // int8 in int32_data arrives as a sign-extended varint.
    expect(Array.from(decodeTensor(tensorProto('t', [2], [-1, -128], INT8, 'typed').finish()).data as Int32Array)).toEqual([-1, -128]);
    // float16 as bit patterns: 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff, smallest subnormal 2^-24 = 0x0001.
    const halves = [0x3c00, 0xc000, 0x7bff, 0x0001];
    for (const enc of ['raw', 'typed'] as const) {
      expect(Array.from(decodeTensor(tensorProto('h', [4], halves, FLOAT16, enc).finish()).data as Float32Array)).toEqual([1, -2, 65504, 2 ** -24]);
    }
    // A scalar has no dims and one value; an empty tensor none.
    expect(decodeTensor(tensorProto('s', [], [4], FLOAT).finish()).data).toEqual(Float32Array.of(4));
    expect(decodeTensor(tensorProto('e', [0, 3], [], FLOAT).finish()).data.length).toBe(0);
  });

  it('rejects tensors whose data does not fill their dims, and unsupported storage', () => {
    expect(formatError(() => decodeTensor(tensorProto('t', [2, 2], [1, 2, 3], FLOAT).finish())).message).toContain('holds 3 values, but dims [2, 2] need 4');
    expect(formatError(() => decodeTensor(new ProtoWriter().packedVarints(1, [2]).varint(2, FLOAT).bytes(9, [0, 0, 0, 0, 0]).finish())).message).toContain('not a whole number');
    const external = new ProtoWriter().packedVarints(1, [2]).varint(2, FLOAT).string(8, 'w').varint(14, 1).finish();
    const e = caught(() => decodeTensor(external));
    expect(e.code).toBe('E_UNSUPPORTED');
    expect(e.message).toContain('external');
    const strings = new ProtoWriter().packedVarints(1, [1]).varint(2, 8).string(6, 'a').finish();
    expect(caught(() => decodeTensor(strings)).message).toContain('element type string is not supported');
  });

  it('decodes a model: opsets, nodes, attributes, initializers and value infos', () => {
    const bytes = modelProto({
      opset: 13,
      name: 'tiny',
      nodes: [
        nodeProto('Conv', ['x', 'w'], ['y'], { strides: { ints: [2, 2] }, auto_pad: { s: 'SAME_UPPER' }, alpha: { f: 0.25 }, group: { i: 1 } }, 'conv0'),
        nodeProto('Constant', [], ['k'], { value: { t: tensorProto('k', [2], [5, -6], INT64) } }),
      ],
      initializers: [tensorProto('w', [1, 1, 1, 1], [2])],
      inputs: [valueInfo('x', ['N', 1, 4, 4]), valueInfo('w', [1, 1, 1, 1])],
      outputs: [valueInfo('y', undefined)],
    });
    const m = decodeModel(bytes);
    expect(m.irVersion).toBe(7);
    expect(m.opsetImport).toEqual([{ domain: '', version: 13 }]);
    expect(m.graph.name).toBe('tiny');
    const [conv, k] = m.graph.nodes;
    expect(conv).toMatchObject({ name: 'conv0', opType: 'Conv', domain: '', inputs: ['x', 'w'], outputs: ['y'] });
    expect(conv!.attributes.strides).toEqual({ name: 'strides', type: 'ints', ints: [2, 2] });
    expect(conv!.attributes.auto_pad).toEqual({ name: 'auto_pad', type: 'string', s: 'SAME_UPPER' });
    expect(conv!.attributes.alpha).toEqual({ name: 'alpha', type: 'float', f: 0.25 });
    expect(conv!.attributes.group).toEqual({ name: 'group', type: 'int', i: 1 });
    expect(Array.from(k!.attributes.value!.t!.data as BigInt64Array)).toEqual([5n, -6n]);
    expect(m.graph.initializers[0]).toMatchObject({ name: 'w', dims: [1, 1, 1, 1], dataType: 'float32' });
    expect(m.graph.inputs[0]).toEqual({ name: 'x', kind: 'tensor', elemType: FLOAT, shape: ['N', 1, 4, 4] });
    expect(m.graph.outputs[0]).toEqual({ name: 'y', kind: 'tensor', elemType: FLOAT });
  });

  it('infers an attribute type the file leaves out, and rejects duplicate attributes', () => {
    const untyped = new ProtoWriter().string(1, 'axis').varint(3, -1);
    const node = new ProtoWriter().string(1, 'x').string(2, 'y').string(4, 'Softmax').message(5, untyped);
    const model = (n: ProtoWriter): Uint8Array => new ProtoWriter().varint(1, 3).message(7, new ProtoWriter().message(1, n)).finish();
    expect(decodeModel(model(node)).graph.nodes[0]!.attributes.axis).toEqual({ name: 'axis', type: 'int', i: -1 });
    const twice = new ProtoWriter().string(4, 'Softmax').message(5, attribute('axis', { i: 1 })).message(5, attribute('axis', { i: 2 }));
    expect(formatError(() => decodeModel(model(twice))).message).toContain('attribute axis is given twice');
    expect(formatError(() => decodeModel(new ProtoWriter().varint(1, 7).finish())).message).toContain('no graph');
  });
});
