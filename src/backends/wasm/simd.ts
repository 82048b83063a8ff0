import { TinyconvError } from '../../core/errors.js';

/**
 * The smallest module that uses fixed-width SIMD: `() -> v128 { f32x4.splat(0.0) }`. Engines
 * without SIMD reject it at validation, before we fetch or compile anything.
 */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: one func type () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x0b, 0x01, 0x09, 0x00, // code section: one body of 9 bytes, no locals
  0x43, 0x00, 0x00, 0x00, 0x00, // f32.const 0
  0xfd, 0x13, // f32x4.splat
  0x0b, // end
]);

/** Whether this runtime has WebAssembly with 128-bit SIMD. */
export function wasmSimdSupported(): boolean {
  return typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function' && WebAssembly.validate(SIMD_PROBE);
}

/** Throws E_BACKEND, saying what is missing and what to use instead, unless wasm SIMD is available. */
export function requireWasmSimd(): void {
  if (typeof WebAssembly !== 'object') {
    throw new TinyconvError('E_BACKEND', 'the wasm backend needs WebAssembly, which this runtime does not provide; use the reference or webgpu backend');
  }
  if (!wasmSimdSupported()) {
    throw new TinyconvError(
      'E_BACKEND',
      'the wasm backend needs WebAssembly SIMD (128-bit), which this runtime does not support ' +
        '(available since Chrome 91, Firefox 89, Safari 16.4, Node 16.4, Deno 1.9); use the reference or webgpu backend',
      { feature: 'simd128' },
    );
  }
}

/** `() -> v128 { f32x4.relaxed_madd(splat 0, splat 0, splat 0) }`: validates only with relaxed SIMD. */
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section
  0x0a, 0x1c, 0x01, 0x1a, 0x00, // code section: one body of 26 bytes, no locals
  0x43, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x13, // f32.const 0, f32x4.splat
  0x43, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x13,
  0x43, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x13,
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd (0xfd 0x105)
  0x0b, // end
]);

/** Whether this runtime accepts relaxed SIMD (f32x4.relaxed_madd). */
export function relaxedSimdSupported(): boolean {
  return typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function' && WebAssembly.validate(RELAXED_PROBE);
}
