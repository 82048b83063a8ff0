/**
 * Relaxed SIMD in Node 20 sits behind a V8 flag (Chromium and Deno ship it on). The bench turns it
 * on before anything compiles wasm, so tinyconv picks its relaxed build as it would in a browser,
 * unless the run asks for plain SIMD (--no-relaxed).
 */

import v8 from 'node:v8';

/** A module whose one function uses f32x4.relaxed_madd: valid only where relaxed SIMD is on. */
const PROBE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x0f, 0x01, 0x0d, 0x01, 0x01, 0x7b, // one local v128
  0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0x85, 0x02, 0x0b, // relaxed_madd(l, l, l)
]);

export function hasRelaxedSimd() {
  return WebAssembly.validate(PROBE);
}

/** Turns relaxed SIMD on where the engine has it behind a flag; returns whether it is on. */
export function enableRelaxedSimd() {
  if (hasRelaxedSimd()) return true;
  if (typeof process !== 'undefined' && process.versions?.v8) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return hasRelaxedSimd();
}
