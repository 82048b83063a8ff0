/**
 * The tinyconv wasm module: SIMD kernels over f32 tensors in an imported linear memory. Built four
 * ways from this one source (asconfig.json: plain SIMD, relaxed SIMD, and both with threads).
 * Each kernel family adds one `export * from` line here.
 */
export * from './memory';
export * from './runtime';
export * from './elementwise';
export * from './pool';
export * from './norm';
export * from './softmax';
export * from './movement';
export * from './pad';
export * from './resize';
export * from './gemm';
export * from './gemv';
export * from './conv';
