import { createWasmBackend, createWebGPUBackend, hostBackendOf, type Backend } from '../index.js';
import { UsageError } from './command.js';

/**
 * The backends a command can run on, by the name `--backend` takes. A new backend (wasm, webgpu)
 * is one row: its name, a line for the help, and how to start it (asynchronously: loading wasm or
 * requesting a GPU device takes time and may fail with a TinyconvError).
 */
export interface BackendChoice {
  name: string;
  description: string;
  create(): Promise<Backend>;
}

export const BACKENDS: readonly BackendChoice[] = [
  {
    name: 'reference',
    description: 'plain TypeScript kernels, the ground truth; slow',
    // The host backend: where loaded weights already live, so nothing is copied.
    create: async () => hostBackendOf(),
  },
  {
    name: 'wasm',
    description: 'WebAssembly SIMD kernels, all cores (relaxed SIMD where the engine has it)',
    create: () => createWasmBackend({ relaxed: true }),
  },
  {
    name: 'wasm-1t',
    description: 'WebAssembly SIMD kernels on one thread',
    create: () => createWasmBackend({ threads: 1, relaxed: true }),
  },
  {
    name: 'webgpu',
    description: 'WebGPU compute shaders (needs a WebGPU adapter: browsers, Deno, or Node with the webgpu package)',
    create: () => createWebGPUBackend(),
  },
];

export const DEFAULT_BACKEND = 'reference';

/** The `--backend` help line: the names and what each is. */
export function backendHelp(): string {
  return `Where to compute: ${BACKENDS.map((b) => `${b.name} (${b.description})`).join(', ')}`;
}

/** The named backend's row; an unknown name is a usage error listing the available ones. */
export function backendChoice(name: string): BackendChoice {
  const choice = BACKENDS.find((b) => b.name === name);
  if (!choice) throw new UsageError(`unknown backend ${JSON.stringify(name)}; available: ${BACKENDS.map((b) => b.name).join(', ')}`);
  return choice;
}
