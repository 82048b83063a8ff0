import type { Backend } from '../../../core/backend.js';
import { TinyconvError } from '../../../core/errors.js';
import { ACTIVATIONS, type Activation } from '../../../ops/activation-math.js';
import type { GpuRuntime } from '../runtime.js';

/** The runtime of the WebGPU backend a kernel was called on. */
export function runtimeOf(be: Backend): GpuRuntime {
  return (be as Backend & { runtime: GpuRuntime }).runtime;
}

/** The ACT pipeline constant for an activation (its index in ACTIVATIONS, as activation.wgsl numbers them). */
export function actCode(kind: Activation): number {
  return ACTIVATIONS.indexOf(kind);
}

/** Dimensions a shader decodes, as size and stride per operand. */
export interface Dims {
  shape: number[];
  /** One stride list per operand, in elements (0 along broadcast dimensions). */
  strides: number[][];
}

/**
 * Drops size-1 dimensions and merges neighbours that every operand walks contiguously
 * (stride[d] = stride[d+1] * shape[d+1]), so shaders decode few dimensions: equal shapes collapse
 * to one, a bias-like broadcast to two.
 */
export function collapse(d: Dims): Dims {
  const shape: number[] = [];
  const strides: number[][] = d.strides.map(() => []);
  for (let i = 0; i < d.shape.length; i++) {
    const n = d.shape[i]!;
    if (n === 1) continue;
    const last = shape.length - 1;
    // Merge into the previous (outer) dimension when it continues this one in every operand.
    if (last >= 0 && d.strides.every((s, k) => strides[k]![last] === s[i]! * n)) {
      shape[last]! *= n;
      strides.forEach((s, k) => (s[last] = d.strides[k]![i]!));
      continue;
    }
    shape.push(n);
    strides.forEach((s, k) => s.push(d.strides[k]![i]!));
  }
  return { shape, strides };
}

/** `values` padded with zeros to `words` entries (a uniform array<vec4<u32>, words / 4>). */
export function padded(values: readonly number[], words: number, what: string): number[] {
  if (values.length > words) throw new TinyconvError('E_UNSUPPORTED', `webgpu ${what}: ${values.length} dimensions after merging; the kernel decodes at most ${words}`);
  return [...values, ...new Array<number>(words - values.length).fill(0)];
}
