import { hasKernel, type Backend } from '../../src/core/backend.js';
import { getOp } from '../../src/ops/registry.js';
import { hostBackendOf } from '../../src/core/tensor.js';
import { createWasmBackend } from '../../src/backends/wasm/backend.js';
import { BUILT, requireBuilt } from './built.js';
import { testWebGPU } from './webgpu.js';

/**
 * The wasm backends every suite runs on: single-threaded with plain SIMD ('wasm'), and two
 * threads with relaxed SIMD ('wasm-mt'; in Node 20 the backend turns V8's relaxed-SIMD flag on).
 * Both are made once per test file, at import.
 */
requireBuilt(BUILT.wasm);
const wasmBuilds = new URL('./', BUILT.wasm);
const wasm = await createWasmBackend({ threads: 1, relaxed: false, url: wasmBuilds });
const wasmMt = await createWasmBackend({ threads: 2, relaxed: true, url: wasmBuilds });
/** WebGPU (Dawn on lavapipe in Node) where an adapter exists; CI=true without one throws. */
const webgpu = await testWebGPU();

/**
 * The backends every table-driven suite runs on. Adding a backend to the project means adding
 * it here and nothing else: the conformance, gradient and ONNX-data suites pick it up.
 */
export function testBackends(): Backend[] {
  return [hostBackendOf(), wasm, wasmMt, ...(webgpu ? [webgpu] : [])];
}

/** Whether `b` has every kernel an op needs, forward only or forward and backward. */
export function supports(b: Backend, op: string, pass: 'forward' | 'backward'): boolean {
  const def = getOp(op);
  const needed = pass === 'forward' ? def.kernels.forward : [...def.kernels.forward, ...def.kernels.backward];
  return needed.every((k) => hasKernel(b, k));
}
