import { WGSL, type ShaderFamily } from './wgsl.js';

/**
 * Shader programs: the WGSL families (kernels/*.wgsl) concatenated into one module. WGSL has no
 * includes; shared code (activations, the GEMM core) is a family of its own, listed here by the
 * programs that use it.
 */
export const PROGRAMS = {
  eltwise: ['activation', 'eltwise'],
  reduce: ['reduce'],
  matmul: ['activation', 'matmul', 'gemm'],
  conv2d: ['activation', 'conv2d', 'gemm'],
  depthwise: ['activation', 'common', 'depthwise'],
  pool: ['common', 'pool'],
  norm: ['common', 'norm'],
  softmax: ['common', 'softmax'],
  movement: ['common', 'movement'],
  pad: ['common', 'pad'],
  resize: ['common', 'resize'],
} as const satisfies Record<string, readonly ShaderFamily[]>;

export type ProgramName = keyof typeof PROGRAMS;

export function programSource(name: ProgramName): string {
  return PROGRAMS[name].map((f) => `// ---- kernels/${f}.wgsl\n${WGSL[f]}`).join('\n');
}
