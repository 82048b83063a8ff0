import { TinyconvError, check } from '../core/errors.js';
import { checkShape, sizeOf, type Shape } from '../core/shape.js';
import { halfToFloat } from './float16.js';

/**
 * NumPy .npy files (format versions 1-3): the CLI's tensor exchange format. Reads float16/32/64
 * and integer dtypes in either byte order, C order only; writes float32 little-endian, version 1.
 */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function decodeNpy(input: Uint8Array | ArrayBuffer): { data: Float32Array; shape: number[] } {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  check(bytes.length >= 10 && MAGIC.every((m, i) => bytes[i] === m), 'E_FORMAT', '.npy: missing the \\x93NUMPY magic');
  const major = bytes[6]!;
  check(major >= 1 && major <= 3, 'E_FORMAT', `.npy: unsupported format version ${major}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlenSize = major === 1 ? 2 : 4;
  const hlen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + hlenSize;
  check(start + hlen <= bytes.length, 'E_FORMAT', '.npy: header runs past the end of the file');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + hlen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  check(descr && fortran && shapeText !== undefined, 'E_FORMAT', `.npy: cannot parse header ${JSON.stringify(header.trim())}`);
  check(fortran === 'False', 'E_UNSUPPORTED', '.npy: Fortran-order arrays are not supported; save with np.ascontiguousarray');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  checkShape(shape, '.npy shape');
  const n = sizeOf(shape);
  const m = /^([<>|=])([fiub])(\d+)$/.exec(descr);
  check(m, 'E_DTYPE', `.npy: unsupported dtype ${descr}`);
  const [, order, kind, widthText] = m;
  const width = Number(widthText);
  const little = order !== '>';
  const dataStart = start + hlen;
  check(dataStart + n * width <= bytes.length, 'E_FORMAT', `.npy: expected ${n * width} data bytes for shape (${shape.join(', ')}), file has ${bytes.length - dataStart}`);
  const read = reader(kind!, width, descr);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = read(view, dataStart + i * width, little);
  return { data: out, shape };
}

type Read = (v: DataView, off: number, little: boolean) => number;

function reader(kind: string, width: number, descr: string): Read {
  const key = `${kind}${width}`;
  switch (key) {
    case 'f2': return (v, o, le) => halfToFloat(v.getUint16(o, le));
    case 'f4': return (v, o, le) => v.getFloat32(o, le);
    case 'f8': return (v, o, le) => v.getFloat64(o, le);
    case 'i1': return (v, o) => v.getInt8(o);
    case 'u1': case 'b1': return (v, o) => v.getUint8(o);
    case 'i2': return (v, o, le) => v.getInt16(o, le);
    case 'u2': return (v, o, le) => v.getUint16(o, le);
    case 'i4': return (v, o, le) => v.getInt32(o, le);
    case 'u4': return (v, o, le) => v.getUint32(o, le);
    case 'i8': return (v, o, le) => Number(v.getBigInt64(o, le));
    case 'u8': return (v, o, le) => Number(v.getBigUint64(o, le));
    default: throw new TinyconvError('E_DTYPE', `.npy: unsupported dtype ${descr}`);
  }
}

export function encodeNpy(data: Float32Array, shape: Shape): Uint8Array {
  check(data.length === sizeOf(shape), 'E_SHAPE', `.npy: ${data.length} values do not fill shape (${shape.join(', ')})`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad with spaces so the data starts on a 64-byte boundary, ending in a newline.
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const base = 10 + header.length;
  for (let i = 0; i < data.length; i++) view.setFloat32(base + i * 4, data[i]!, true);
  return out;
}
