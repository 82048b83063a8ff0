/**
 * Memory layout. Every build imports its memory (`env.memory`) from the host, which owns all of
 * it above the static data: src/backends/wasm/memory.ts allocates tensors, scratch and the thread
 * command block there. Kernels never allocate.
 */

/** The first byte past the module's static data: where the host allocator may begin. */
export function heap_base(): usize {
  return __heap_base;
}

/** Which build this is: bit 0 relaxed SIMD, bit 1 threads (shared memory). */
export function build_features(): i32 {
  return (ASC_FEATURE_RELAXED_SIMD ? 1 : 0) | (ASC_FEATURE_THREADS ? 2 : 0);
}
