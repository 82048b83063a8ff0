import { grid2d } from '../grid.js';
import type { Constants } from '../pipelines.js';
import type { ProgramName } from '../programs.js';
import type { GpuRuntime } from '../runtime.js';

/**
 * Workgroup sizes and grids of the kernels that fold values in workgroup memory (common.wgsl's
 * fold_sum and the families' own folds), shared by depthwise, pool, norm and softmax.
 */

/**
 * Invocations for a fold over `n` values: a power of two (the fold halves it), at least 32 and at
 * most the runtime's one-dimensional workgroup size, so short folds leave few invocations idle.
 */
export function foldSize(rt: GpuRuntime, n: number): number {
  let cap = 1;
  while (cap * 2 <= rt.wg) cap *= 2;
  let wg = 32;
  while (wg < n && wg < cap) wg *= 2;
  return Math.min(wg, cap);
}

/**
 * Records `entry` with one workgroup per output element, `outputs` of them (folded into a 2-D
 * grid past the per-dimension limit), each folding over `n` values; WG is set for the shader.
 */
export function dispatchFolds(rt: GpuRuntime, program: ProgramName, entry: string, constants: Constants, buffers: readonly GPUBuffer[], uniforms: ArrayLike<number>, outputs: number, n: number): void {
  if (outputs === 0) return;
  const wg = foldSize(rt, n);
  rt.dispatch(program, entry, { ...constants, WG: wg }, wg, buffers, uniforms, grid2d(outputs, rt.limits.maxComputeWorkgroupsPerDimension));
}
