import { TinyconvError } from '../../core/errors.js';

/**
 * A strict reader of the protobuf wire format, enough to decode ONNX files without a generated
 * schema. Every read is bounds-checked against the enclosing message, so malformed bytes raise
 * E_FORMAT naming the byte offset (counted from the start of the file) instead of a RangeError
 * from a typed array, a wrong value or a loop that never ends.
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_SGROUP = 3;
export const WIRE_EGROUP = 4;
export const WIRE_I32 = 5;

const WIRE_NAMES = ['VARINT', 'I64', 'LEN', 'SGROUP', 'EGROUP', 'I32'];
const MAX_FIELD = 2 ** 29 - 1;
const MAX_GROUP_DEPTH = 64;
const TWO_32 = 4294967296;

function wireName(w: number): string {
  return `${WIRE_NAMES[w] ?? 'invalid'} (${w})`;
}

const utf8 = new TextDecoder('utf-8');
const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class ProtoReader {
  /** Field number of the field whose key `next()` read last. */
  field = 0;
  /** Wire type of that field. */
  wire = 0;
  private pos: number;
  /** End of the bytes this reader may read (a packed run narrows it while it is decoded). */
  private limit: number;
  private keyAt = 0;
  private lo = 0;
  private hi = 0;
  private readonly view: DataView;

  /**
   * Reads `bytes[start, end)` as one message. `what` names the message in errors
   * ("ONNX model > graph > node[3]"); offsets in errors count from the start of `bytes`.
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly what = 'protobuf message',
    start = 0,
    end = bytes.length,
  ) {
    if (!(bytes instanceof Uint8Array)) throw new TinyconvError('E_ARG', `${what}: expected a Uint8Array of protobuf bytes`);
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= bytes.length)) {
      throw new TinyconvError('E_ARG', `${what}: range [${start}, ${end}) is outside the ${bytes.length} bytes given`);
    }
    this.pos = start;
    this.limit = end;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The offset just past this message. */
  get end(): number {
    return this.limit;
  }

  /** The offset of the next unread byte. */
  get offset(): number {
    return this.pos;
  }

  fail(problem: string, at = this.pos): never {
    throw new TinyconvError('E_FORMAT', `${this.what}: ${problem} at byte ${at}`, { offset: at, what: this.what });
  }

  /** Reads the next field key into `field` and `wire`; false at the end of the message. */
  next(): boolean {
    if (this.pos >= this.limit) return false;
    this.keyAt = this.pos;
    this.varint();
    if (this.hi !== 0 || this.lo >>> 3 > MAX_FIELD) this.fail('field key out of range', this.keyAt);
    const key = this.lo >>> 0;
    this.field = key >>> 3;
    this.wire = key & 7;
    if (this.field === 0) this.fail('field number 0 is not allowed', this.keyAt);
    if (this.wire > WIRE_I32) this.fail(`invalid wire type ${this.wire} for field ${this.field}`, this.keyAt);
    if (this.wire === WIRE_EGROUP) this.fail(`end-group marker for field ${this.field} without a matching start`, this.keyAt);
    return true;
  }

  // Varints: up to 10 bytes of 7 bits, least significant first, decoded into two uint32 halves.
  private varint(): void {
    const start = this.pos;
    const b = this.bytes;
    let lo = 0, hi = 0;
    for (let i = 0; ; i++) {
      if (this.pos >= this.limit) this.fail('truncated varint', start);
      if (i === 10) this.fail('varint longer than 10 bytes', start);
      const byte = b[this.pos++]!;
      const bits = byte & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= bits << 28;
        hi |= bits >>> 4;
      } else if (i < 9) hi |= bits << (7 * i - 32);
      else {
        // The 10th byte carries bit 63 only.
        if (bits > 1) this.fail('varint does not fit in 64 bits', start);
        hi |= bits << 31;
      }
      if (!(byte & 0x80)) break;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  private expect(wire: number, type: string): void {
    if (this.wire !== wire) this.fail(`field ${this.field} has wire type ${wireName(this.wire)}, expected ${wireName(wire)} for ${type}`, this.keyAt);
  }

  private take(n: number, what: string): number {
    const at = this.pos;
    if (n > this.limit - at) this.fail(`${what} of ${n} bytes runs past the end of the message (${this.limit - at} left)`, at);
    this.pos += n;
    return at;
  }

  // Scalars. Each checks the wire type of the current field.

  /** int32 / enum: the low 32 bits, signed (negative values are sign-extended to 10 bytes on the wire). */
  int32(): number {
    this.expect(WIRE_VARINT, 'int32');
    this.varint();
    return this.lo | 0;
  }

  uint32(): number {
    this.expect(WIRE_VARINT, 'uint32');
    this.varint();
    return this.lo;
  }

  /**
   * int64 as a number: exact within +-2^53; beyond, the nearest double (such values are sentinels
   * like INT64_MAX in practice). Use int64Big() where every bit matters.
   */
  int64(): number {
    this.expect(WIRE_VARINT, 'int64');
    this.varint();
    return this.signed64();
  }

  int64Big(): bigint {
    this.expect(WIRE_VARINT, 'int64');
    this.varint();
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo));
  }

  /** uint64 as a number (exact below 2^53). */
  uint64(): number {
    this.expect(WIRE_VARINT, 'uint64');
    this.varint();
    return this.hi * TWO_32 + this.lo;
  }

  bool(): boolean {
    this.expect(WIRE_VARINT, 'bool');
    this.varint();
    return this.lo !== 0 || this.hi !== 0;
  }

  float(): number {
    this.expect(WIRE_I32, 'float');
    return this.view.getFloat32(this.take(4, 'float'), true);
  }

  fixed32(): number {
    this.expect(WIRE_I32, 'fixed32');
    return this.view.getUint32(this.take(4, 'fixed32'), true);
  }

  double(): number {
    this.expect(WIRE_I64, 'double');
    return this.view.getFloat64(this.take(8, 'double'), true);
  }

  fixed64(): bigint {
    this.expect(WIRE_I64, 'fixed64');
    return this.view.getBigUint64(this.take(8, 'fixed64'), true);
  }

  /** A length-delimited field as [start, end) offsets into `bytes`. */
  private span(type: string): [number, number] {
    this.expect(WIRE_LEN, type);
    const at = this.pos;
    this.varint();
    if (this.hi !== 0) this.fail(`length of ${type} field ${this.field} is beyond 2^32`, at);
    const start = this.take(this.lo, `${type} field ${this.field}`);
    return [start, this.pos];
  }

  /** A bytes field: a view into the input, not a copy. */
  bytesField(): Uint8Array {
    const [s, e] = this.span('bytes');
    return this.bytes.subarray(s, e);
  }

  /** A bytes field copied into its own, 8-byte aligned buffer (for typed-array views). */
  bytesCopy(): Uint8Array {
    const [s, e] = this.span('bytes');
    return this.bytes.slice(s, e);
  }

  /** A string field, decoded as UTF-8 (invalid sequences become U+FFFD, as proto2 allows). */
  string(): string {
    const [s, e] = this.span('string');
    return utf8.decode(this.bytes.subarray(s, e));
  }

  /** A nested message: a reader over its bytes, named `name` in errors. */
  message(name: string): ProtoReader {
    const [s, e] = this.span('message');
    return new ProtoReader(this.bytes, `${this.what} > ${name}`, s, e);
  }

  // Repeated scalars arrive packed (one LEN field) or one per field; both append to `out`.

  int64s(out: number[]): void {
    this.repeatedVarint(out, 'int64', () => this.signed64());
  }

  /** Repeated int64, exact. */
  int64sBig(out: bigint[]): void {
    this.repeatedVarint(out, 'int64', () => BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo)));
  }

  int32s(out: number[]): void {
    this.repeatedVarint(out, 'int32', () => this.lo | 0);
  }

  uint64s(out: number[]): void {
    this.repeatedVarint(out, 'uint64', () => this.hi * TWO_32 + this.lo);
  }

  floats(out: number[]): void {
    if (this.wire !== WIRE_LEN) {
      out.push(this.float());
      return;
    }
    const [s, e] = this.packedSpan(4, 'float');
    for (let o = s; o < e; o += 4) out.push(this.view.getFloat32(o, true));
  }

  doubles(out: number[]): void {
    if (this.wire !== WIRE_LEN) {
      out.push(this.double());
      return;
    }
    const [s, e] = this.packedSpan(8, 'double');
    for (let o = s; o < e; o += 8) out.push(this.view.getFloat64(o, true));
  }

  /** Packed floats straight into a Float32Array (large initializers stored as float_data). */
  packedFloat32(): Float32Array {
    const [s, e] = this.packedSpan(4, 'float');
    const n = (e - s) / 4;
    if (littleEndianHost && (this.bytes.byteOffset + s) % 4 === 0) return new Float32Array(this.bytes.buffer, this.bytes.byteOffset + s, n).slice();
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.view.getFloat32(s + 4 * i, true);
    return out;
  }

  private packedSpan(width: number, type: string): [number, number] {
    const at = this.pos;
    const [s, e] = this.span(`packed ${type}`);
    if ((e - s) % width !== 0) this.fail(`packed ${type} field ${this.field} has ${e - s} bytes, not a multiple of ${width}`, at);
    return [s, e];
  }

  private repeatedVarint<T>(out: T[], type: string, value: () => T): void {
    if (this.wire === WIRE_VARINT) {
      this.varint();
      out.push(value());
      return;
    }
    const [s, e] = this.span(`packed ${type}`);
    // Decode the packed run with this reader's state, bounded by the run's own length.
    const after = this.pos, end = this.limit;
    this.pos = s;
    this.limit = e;
    try {
      while (this.pos < e) {
        this.varint();
        out.push(value());
      }
    } finally {
      this.pos = after;
      this.limit = end;
    }
  }

  private signed64(): number {
    if (this.hi & 0x80000000) return -((~this.hi >>> 0) * TWO_32 + (~this.lo >>> 0) + 1);
    return this.hi * TWO_32 + this.lo;
  }

  /** Skips the current field's value (unknown fields), groups included. */
  skip(depth = 0): void {
    switch (this.wire) {
      case WIRE_VARINT: this.varint(); return;
      case WIRE_I64: this.take(8, 'fixed64'); return;
      case WIRE_I32: this.take(4, 'fixed32'); return;
      case WIRE_LEN: this.span('bytes'); return;
      case WIRE_SGROUP: {
        if (depth >= MAX_GROUP_DEPTH) this.fail(`groups nested deeper than ${MAX_GROUP_DEPTH}`, this.keyAt);
        const field = this.field, at = this.keyAt;
        for (;;) {
          if (this.pos >= this.limit) this.fail(`group for field ${field} is not closed`, at);
          this.keyAt = this.pos;
          this.varint();
          if (this.hi !== 0 || this.lo >>> 3 > MAX_FIELD) this.fail('field key out of range', this.keyAt);
          this.field = this.lo >>> 3;
          this.wire = this.lo & 7;
          if (this.field === 0) this.fail('field number 0 is not allowed', this.keyAt);
          if (this.wire === WIRE_EGROUP) {
            if (this.field !== field) this.fail(`end-group for field ${this.field} inside the group of field ${field}`, this.keyAt);
            return;
          }
          if (this.wire > WIRE_I32) this.fail(`invalid wire type ${this.wire} for field ${this.field}`, this.keyAt);
          this.skip(depth + 1);
        }
      }
      default:
        this.fail(`cannot skip wire type ${wireName(this.wire)}`, this.keyAt);
    }
  }
}
