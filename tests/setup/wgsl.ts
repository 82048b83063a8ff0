import { generate } from '../../scripts/gen-wgsl.mjs';

/** Vitest global setup: src/backends/webgpu/wgsl.ts follows kernels/*.wgsl before any test runs. */
export default function setup(): void {
  if (generate()) console.log('regenerated src/backends/webgpu/wgsl.ts from kernels/*.wgsl');
}
