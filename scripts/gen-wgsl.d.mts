/** The module text for the current kernels/*.wgsl. */
export function render(): string;
/** Writes src/backends/webgpu/wgsl.ts when it differs; returns whether it changed. */
export function generate(): boolean;
