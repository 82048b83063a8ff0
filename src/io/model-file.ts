import { TinyconvError } from '../core/errors.js';
import { crc32, crc32Hex } from './checksum.js';
import { FORMAT_VERSION, LIMITS, alignUp } from './manifest.js';

/**
 * The single-file form's container (docs/format.md, "Single file"): a 20-byte header, the manifest
 * JSON, zero padding to a multiple of 16, then the blob. The header carries a CRC-32 of the
 * manifest, and the manifest one of the blob, so every byte of a file is covered by a check.
 *
 *   0   8  magic 89 54 43 56 0D 0A 1A 0A ("\x89TCV\r\n\x1a\n")
 *   8   4  format version, uint32 little-endian
 *  12   4  manifest length M in bytes, uint32 little-endian
 *  16   4  CRC-32 of the manifest bytes, uint32 little-endian
 *  20   M  manifest, UTF-8 JSON
 */

/**
 * The first byte has the high bit set (catches 7-bit transfers), CR LF catches line-ending
 * conversion, 0x1A stops `type` on Windows, and the final LF catches LF -> CR LF conversion.
 */
export const FILE_MAGIC: readonly number[] = [0x89, 0x54, 0x43, 0x56, 0x0d, 0x0a, 0x1a, 0x0a];
export const HEADER_BYTES = 20;

/** Whether `bytes` begin like a single-file model (the loaders use it to tell the two forms apart). */
export function hasFileMagic(bytes: Uint8Array): boolean {
  return bytes.length >= FILE_MAGIC.length && FILE_MAGIC.every((b, i) => bytes[i] === b);
}

/** Assembles a single file from manifest JSON bytes and the blob. */
export function packModelFile(manifest: Uint8Array, blob: Uint8Array): Uint8Array<ArrayBuffer> {
  const blobStart = alignUp(HEADER_BYTES + manifest.length);
  const out = new Uint8Array(blobStart + blob.length); // zero-filled: the padding is zeros
  out.set(FILE_MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, manifest.length, true);
  view.setUint32(16, crc32(manifest), true);
  out.set(manifest, HEADER_BYTES);
  out.set(blob, blobStart);
  return out;
}

function fail(code: 'E_FORMAT' | 'E_CHECKSUM' | 'E_MEMORY', msg: string, details: Record<string, unknown> = {}): never {
  throw new TinyconvError(code, `model file: ${msg}`, details);
}

/**
 * Checks a single file's header, its manifest's checksum and the padding after it. Returns the
 * manifest bytes (whose content the caller parses) and where the blob starts.
 */
export function readModelFileHeader(bytes: Uint8Array): { manifest: Uint8Array; blobStart: number } {
  const prefix = Math.min(bytes.length, FILE_MAGIC.length);
  for (let i = 0; i < prefix; i++) {
    if (bytes[i] !== FILE_MAGIC[i]) {
      fail('E_FORMAT', `bad magic bytes ${hex(bytes.subarray(0, prefix))}: this is not a tinyconv model file (expected ${hex(FILE_MAGIC)})`);
    }
  }
  if (bytes.length < HEADER_BYTES) fail('E_FORMAT', `truncated: ${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header`, { size: bytes.length });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== FORMAT_VERSION) {
    fail('E_FORMAT', `format version ${version} is not one this library reads (it reads version ${FORMAT_VERSION}); a newer tinyconv may read it`, { version });
  }
  const manifestLength = view.getUint32(12, true);
  if (manifestLength > LIMITS.manifestBytes) {
    fail('E_MEMORY', `the header declares a ${manifestLength}-byte manifest, over the ${LIMITS.manifestBytes / 2 ** 20} MiB limit`, { manifestLength });
  }
  if (HEADER_BYTES + manifestLength > bytes.length) {
    fail('E_FORMAT', `truncated: the header declares a ${manifestLength}-byte manifest, but only ${bytes.length - HEADER_BYTES} bytes follow it`, { size: bytes.length, manifestLength });
  }
  const manifest = bytes.subarray(HEADER_BYTES, HEADER_BYTES + manifestLength);
  const expectedCrc = view.getUint32(16, true);
  const actualCrc = crc32(manifest);
  if (actualCrc !== expectedCrc) {
    fail('E_CHECKSUM', `the manifest's CRC-32 is ${crc32Hex(actualCrc)}, the header says ${crc32Hex(expectedCrc)}: the file is corrupt`, { expected: crc32Hex(expectedCrc), actual: crc32Hex(actualCrc) });
  }
  const blobStart = alignUp(HEADER_BYTES + manifestLength);
  for (let i = HEADER_BYTES + manifestLength; i < Math.min(blobStart, bytes.length); i++) {
    if (bytes[i] !== 0) fail('E_FORMAT', `padding byte at offset ${i} is ${bytes[i]}, not 0: the file is corrupt`, { offset: i });
  }
  return { manifest, blobStart };
}

/** The blob of a single file, which must end exactly where the file does. */
export function modelFileBlob(bytes: Uint8Array, blobStart: number, blobLength: number): Uint8Array {
  const end = blobStart + blobLength;
  if (bytes.length < end) fail('E_FORMAT', `truncated: ${bytes.length} bytes, but the manifest declares a blob ending at byte ${end}`, { size: bytes.length, expected: end });
  if (bytes.length > end) fail('E_FORMAT', `${bytes.length - end} unexpected bytes after the blob, which ends at byte ${end}`, { size: bytes.length, expected: end });
  return bytes.subarray(blobStart, end);
}

function hex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
