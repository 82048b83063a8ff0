/** tinyconv: run and fine-tune CNNs on the web platform. The public API. */

export { TinyconvError, type ErrorCode } from './core/errors.js';
export { Tensor, hostBackendOf, type NestedArray } from './core/tensor.js';
export type { Shape } from './core/shape.js';
export type { Backend, Kernel } from './core/backend.js';
export type { OpDef, Mode, Cost } from './core/op.js';
export { runOp, grad } from './core/engine.js';
export { OPS, getOp } from './ops/registry.js';
export { createReferenceBackend } from './backends/reference/index.js';
export { createWasmBackend, type WasmBackend, type WasmBackendOptions, type WasmDiagnostics } from './backends/wasm/backend.js';
export { createWebGPUBackend, type WebGPUBackend, type WebGPUBackendOptions, type WebGPUDiagnostics } from './backends/webgpu/backend.js';
export { decodeNpy, encodeNpy } from './io/npy.js';
export { encodeModel, decodeModel, encodeModelFile, decodeModelFile, type EncodeOptions } from './io/format.js';
export { loadArtifacts, type ArtifactsSource, type LoadOptions } from './io/load.js';
export { saveArtifacts, type SavedFiles } from './io/save.js';
export { hasFileMagic } from './io/model-file.js';
export type { ModelManifest, WeightEntry, StorageDType } from './io/manifest.js';
export * from './model/index.js';
export { coverage, type OpCoverage } from './core/coverage.js';
