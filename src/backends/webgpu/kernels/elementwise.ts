import type { Kernel } from '../../../core/backend.js';
import { hash32 } from '../../../core/random.js';
import { broadcastShapes, stridesOf, type Shape } from '../../../core/shape.js';
import type { ActivationAttrs } from '../../../ops/activation-math.js';
import { f32bits } from '../uniforms.js';
import { actCode, collapse, padded, runtimeOf } from './common.js';

/** Strides of `inShape` read as `outShape` (NumPy broadcasting): 0 where it broadcasts. */
export function broadcastStrides(outShape: Shape, inShape: Shape): number[] {
  const s = stridesOf(inShape);
  const off = outShape.length - inShape.length;
  return outShape.map((_, i) => (i < off || inShape[i - off] === 1 ? 0 : s[i - off]!));
}

function binary(op: number, name: string): Kernel {
  return ([a, b], _attrs, be) => {
    const rt = runtimeOf(be);
    const shape = broadcastShapes(a!.shape, b!.shape);
    const y = rt.tensor(shape);
    const d = collapse({ shape: [...shape], strides: [broadcastStrides(shape, a!.shape), broadcastStrides(shape, b!.shape)] });
    const u = [y.size, d.shape.length, 0, 0, ...padded(d.shape, 8, name), ...padded(d.strides[0]!, 8, name), ...padded(d.strides[1]!, 8, name)];
    rt.dispatch1d('eltwise', 'binary', { OP: op }, [rt.buffer(a!), rt.buffer(b!), rt.buffer(y)], u, y.size);
    return [y];
  };
}

export const elementwiseKernels: Record<string, Kernel> = {
  add: binary(0, 'add'),
  mul: binary(1, 'mul'),

  activation: ([x], a: ActivationAttrs, be) => {
    const rt = runtimeOf(be);
    const y = rt.tensor(x!.shape);
    rt.dispatch1d('eltwise', 'activation', { ACT: actCode(a.kind) }, [rt.buffer(x!), rt.buffer(y)], [x!.size, f32bits(a.alpha), f32bits(a.beta), 0], x!.size);
    return [y];
  },

  activation_grad: ([dy, x, y], a: ActivationAttrs, be) => {
    const rt = runtimeOf(be);
    const dx = rt.tensor(x!.shape);
    rt.dispatch1d('eltwise', 'activation_grad', { ACT: actCode(a.kind) }, [rt.buffer(dy!), rt.buffer(x!), rt.buffer(y!), rt.buffer(dx)], [x!.size, f32bits(a.alpha), f32bits(a.beta), 0], x!.size);
    return [dx];
  },

  moving_average: ([moving, value], { momentum }: { momentum: number }, be) => {
    const rt = runtimeOf(be);
    const out = rt.tensor(moving!.shape);
    rt.dispatch1d('eltwise', 'moving_average', {}, [rt.buffer(moving!), rt.buffer(value!), rt.buffer(out)], [out.size, f32bits(momentum), 0, 0], out.size);
    return [out];
  },

  /**
   * The mask of src/core/random.ts's hashUniform: kept (1 / (1 - rate)) where
   * hash / 2^32 >= rate. The shader compares integers: hash >= ceil(rate * 2^32), exact in f64.
   */
  dropout_mask: ([x], { rate, seed }: { rate: number; seed: number }, be) => {
    const rt = runtimeOf(be);
    const out = rt.tensor(x!.shape);
    const threshold = Math.ceil(rate * 4294967296);
    const dropAll = threshold >= 4294967296 ? 1 : 0;
    const u = [out.size, hash32(seed ^ 0x9e3779b9), dropAll ? 0 : threshold, dropAll, f32bits(1 / (1 - rate)), 0, 0, 0];
    rt.dispatch1d('eltwise', 'dropout_mask', {}, [rt.buffer(out)], u, out.size);
    return [out];
  },

  bias_add: ([x, b], _attrs, be) => {
    const rt = runtimeOf(be);
    const y = rt.tensor(x!.shape);
    rt.dispatch1d('eltwise', 'bias_add', {}, [rt.buffer(x!), rt.buffer(b!), rt.buffer(y)], [y.size, b!.size, 0, 0], y.size);
    return [y];
  },

  /** A copy under a new shape (the op checked the sizes); GPU tensors are never written in place. */
  reshape: ([x], { shape }: { shape: number[] }, be) => {
    const rt = runtimeOf(be);
    const y = rt.tensor(shape);
    rt.copy(x!, y, x!.size * 4);
    return [y];
  },
};
