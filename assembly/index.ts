/**
 * The tinyconv wasm module: SIMD kernels over f32 arrays in linear memory, plus the arena the host
 * allocates them from. Every kernel takes byte addresses and an element count; the host copies
 * tensors in and out (src/backends/wasm/loader.ts). Built with `asc --config asconfig.json`.
 */
export { alloc, mark, reset, arenaBase } from './memory';
export { relu, relu6, leaky_relu } from './activation';
