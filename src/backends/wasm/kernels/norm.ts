import type { Kernel } from '../../../core/backend.js';
import type { Tensor } from '../../../core/tensor.js';
import type { BatchNormGradKernelAttrs, BatchNormKernelAttrs } from '../../reference/kernels/normalization.js';
import { runtimeOf, type WasmRuntime } from '../runtime.js';

/**
 * Batch normalization on wasm (assembly/norm.ts). Per-channel values travel as patterns of
 * L = lcm(C, 4) floats (+4 wrapped), so every pass runs four lanes wide over the flat tensor
 * whatever C is. Reductions keep per-worker f64 partials in scratch (zeroed here, folded by a
 * single call); element-wise passes split over quads of the flat tensor.
 */

const MIN_WORK = 1 << 14;
const grain = (workPerItem: number): number => Math.max(1, Math.ceil(MIN_WORK / Math.max(1, workPerItem)));

const roundUp16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/** lcm(C, 4): the length of a per-channel pattern that is a whole number of quads. */
const patternLength = (c: number): number => (c % 4 === 0 ? c : c % 2 === 0 ? 2 * c : 4 * c);

/** Bytes of one pattern (L + 4 floats). */
const patternBytes = (l: number): number => (l + 4) * 4;

/** Where a reduction's per-worker partials and its shared results live in scratch. */
interface Partials {
  base: number;
  stride: number;
  /** Slots allocated (the workers at the time: a pool that retires later must not shrink the fold). */
  workers: number;
  bytes: number;
  shared: number;
}

/**
 * Per-call scratch: one slot of `stride` bytes per worker; slot w starts with worker w's partials
 * (`partialBytes`), and slot 0 continues with `sharedBytes` for folded sums and patterns.
 */
function reductionScratch(rt: WasmRuntime, partialBytes: number, sharedBytes: number): Partials {
  const stride = roundUp16(partialBytes + sharedBytes);
  const workers = rt.threads;
  const base = rt.scratch(stride);
  return { base, stride, workers, bytes: partialBytes, shared: base + partialBytes };
}

/** Zeroes every worker's partials. */
function clearPartials(rt: WasmRuntime, p: Partials): void {
  const bytes = new Uint8Array(rt.memory.buffer);
  for (let w = 0; w < p.workers; w++) bytes.fill(0, p.base + w * p.stride, p.base + w * p.stride + p.bytes);
}

const channels = (t: Tensor): number => t.shape[t.shape.length - 1]!;
const optionalPtr = (rt: WasmRuntime, t: Tensor | undefined): number => (t ? rt.ptr(t) : 0);

/** Splits the flat element-wise passes over quads. */
function affine(rt: WasmRuntime, x: Tensor, y: Tensor, l: number, pat: number): void {
  const n = x.size;
  rt.run('bn_affine', [rt.ptr(x), rt.ptr(y), n, l, pat], Math.ceil(n / 4), grain(4));
}

/** Inference: inputs x, mean, variance, gamma?, beta?. */
const batchNorm: Kernel = (inputs, { epsilon, scale, center }: BatchNormKernelAttrs, be) => {
  const rt = runtimeOf(be);
  const [x, mean, variance] = inputs as [Tensor, Tensor, Tensor];
  const gamma = scale ? inputs[3] : undefined;
  const beta = center ? inputs[3 + (scale ? 1 : 0)] : undefined;
  const y = rt.tensor(x.shape);
  if (y.size === 0) return [y];
  const c = channels(x), l = patternLength(c);
  const pat = rt.scratch(3 * patternBytes(l));
  rt.call('bn_infer_prepare', [rt.ptr(mean), rt.ptr(variance), optionalPtr(rt, gamma), optionalPtr(rt, beta), c, l, epsilon, pat]);
  affine(rt, x, y, l, pat);
  return [y];
};

/** Training: inputs x, gamma?, beta?; outputs y, the batch mean and the biased batch variance. */
const batchNormTrain: Kernel = (inputs, { epsilon, scale, center }: BatchNormKernelAttrs, be) => {
  const rt = runtimeOf(be);
  const x = inputs[0]!;
  const gamma = scale ? inputs[1] : undefined;
  const beta = center ? inputs[1 + (scale ? 1 : 0)] : undefined;
  const c = channels(x), n = x.size;
  const y = rt.tensor(x.shape), mean = rt.tensor([c]), variance = rt.tensor([c]);
  if (n === 0) return [y, mean, variance];
  const l = patternLength(c);
  // Partials: an f32 run [L] and f64 sums [L]; shared: f64 mean [C], f64 mean square [C], patterns.
  const p = reductionScratch(rt, 12 * l, 16 * c + 3 * patternBytes(l));
  const mean64 = p.shared, sq64 = p.shared + 8 * c, pat = p.shared + 16 * c;
  const periods = Math.ceil(n / l), xp = rt.ptr(x), perChannel = c / n;

  clearPartials(rt, p);
  rt.run('bn_moments_partial', [xp, n, l, 0, 0, p.base, p.stride], periods, grain(l));
  rt.call('bn_moments_fold', [p.base, p.workers, p.stride, c, l, perChannel, mean64]);
  rt.call('bn_pattern_f64', [mean64, c, l, pat]);
  // Second pass: squared deviations from the mean (accurate where x has a large offset).
  clearPartials(rt, p);
  rt.run('bn_moments_partial', [xp, n, l, 1, pat, p.base, p.stride], periods, grain(l));
  rt.call('bn_moments_fold', [p.base, p.workers, p.stride, c, l, perChannel, sq64]);
  rt.call('bn_train_prepare', [mean64, sq64, optionalPtr(rt, gamma), optionalPtr(rt, beta), c, l, epsilon, rt.ptr(mean), rt.ptr(variance), pat]);
  affine(rt, x, y, l, pat);
  return [y, mean, variance];
};

/** Inputs dy, x, mean, variance, gamma?; outputs dx, dgamma, dbeta. */
const batchNormGrad: Kernel = (inputs, { epsilon, scale, training }: BatchNormGradKernelAttrs, be) => {
  const rt = runtimeOf(be);
  const [dy, x, mean, variance] = inputs as [Tensor, Tensor, Tensor, Tensor];
  const gamma = scale ? inputs[4] : undefined;
  const c = channels(x), n = x.size;
  const dx = rt.tensor(x.shape), dgamma = rt.tensor([c]), dbeta = rt.tensor([c]);
  if (c === 0) return [dx, dgamma, dbeta];
  if (n === 0) {
    // No elements: the sums are zero.
    rt.run('fill_f32', [rt.ptr(dgamma), 0], c);
    rt.run('fill_f32', [rt.ptr(dbeta), 0], c);
    return [dx, dgamma, dbeta];
  }
  const l = patternLength(c);
  // Partials: f32 runs [L] [L], f64 sums [L] [L]; shared: f64 sums [2C] and four patterns.
  const p = reductionScratch(rt, 24 * l, 16 * c + 4 * patternBytes(l));
  const sums = p.shared, pat = p.shared + 16 * c;
  const dyp = rt.ptr(dy), xp = rt.ptr(x);

  clearPartials(rt, p);
  rt.call('bn_pattern_f32', [rt.ptr(mean), c, l, pat]);
  rt.run('bn_grad_partial', [dyp, xp, n, l, pat, p.base, p.stride], Math.ceil(n / l), grain(2 * l));
  const args = [p.base, p.workers, p.stride, c, l, n / c, rt.ptr(variance), optionalPtr(rt, gamma), epsilon, training ? 1 : 0];
  rt.call('bn_grad_prepare', [...args, rt.ptr(dgamma), rt.ptr(dbeta), sums, pat]);
  rt.run('bn_grad_dx', [dyp, xp, rt.ptr(dx), n, l, training ? 1 : 0, pat], Math.ceil(n / 4), grain(4));
  return [dx, dgamma, dbeta];
};

export const normKernels: Record<string, Kernel> = {
  batch_norm: batchNorm,
  batch_norm_train: batchNormTrain,
  batch_norm_grad: batchNormGrad,
};
