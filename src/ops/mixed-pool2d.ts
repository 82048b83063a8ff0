import { defineOp, type KernelRunner } from '../core/op.js';
import type { Tensor } from '../core/tensor.js';
import { AttrReader } from './attrs.js';
import { avgPoolWindow, readAvgPoolAttrs, type AvgPoolAttrs } from './avg-pool2d.js';
import { maxPoolSwitches } from './max-pool2d.js';
import { poolWindow, pooledShape, run2, scalarLike, windowCost } from './pool-window.js';

export interface MixedPoolAttrs extends AvgPoolAttrs {
  /** Weight of the max pool, in [0, 1]; the average pool gets 1 - alpha. */
  alpha: number;
}

/** t * s (s a plain number), or t itself when s is 1. */
function scaled(k: KernelRunner, t: Tensor, s: number): Tensor {
  if (s === 1) return t;
  const sc = scalarLike(t, s);
  const out = k.run1('mul', [t, sc]);
  sc.dispose();
  return out;
}

/**
 * Mixed max-average pooling (Lee, Gallagher & Tu, 2016): y = alpha * maxpool(x) + (1 - alpha) * avgpool(x)
 * over the same windows, with a fixed mixing weight alpha (the paper also learns it; here it is an
 * attribute). Composed from the max and average pool kernels and mul/add, so any backend with those
 * runs it; alpha 0 or 1 skips the branch with zero weight. As in max_pool2d, inference runs the
 * max pool without its argmax, and a backward pass after an inference forward recomputes it.
 */
export const mixedPool2d = defineOp<MixedPoolAttrs>({
  name: 'mixed_pool2d',
  inputs: ['x'],
  kernels: { forward: ['max_pool2d_infer', 'max_pool2d', 'avg_pool2d', 'mul', 'add'], backward: ['max_pool2d', 'max_pool2d_grad', 'avg_pool2d_grad', 'mul', 'add'] },
  attrs(raw) {
    const r = new AttrReader('mixed_pool2d', raw);
    const a = { ...readAvgPoolAttrs(r), alpha: r.num('alpha', 0.5, 0, 1) };
    r.done();
    return a;
  },
  outputShape: ([x], a) => pooledShape(x!, poolWindow('mixed_pool2d', x, a)),
  cost([x], a, y) {
    const c = windowCost(x!, y, poolWindow('mixed_pool2d', x, a));
    const n = c.outBytes / 4;
    // What the composed kernels do in inference: both pools read x and write their output (a
    // training forward also writes the max pool's argmax), then two scalings (read 1, write 1
    // output each) and the sum (read 2, write 1).
    const pools = { flops: 2 * c.taps + n, bytes: 2 * c.inBytes + 2 * c.outBytes };
    return { flops: pools.flops + 3 * n, bytes: pools.bytes + 7 * c.outBytes };
  },
  forward(k, [x], a, mode) {
    const win = avgPoolWindow('mixed_pool2d', x!.shape, a);
    if (a.alpha === 0) return { y: k.run1('avg_pool2d', [x!], win) };
    // Training saves the argmax; inference computes none.
    const [ymax, ...saved] = mode === 'infer' ? [k.run1('max_pool2d_infer', [x!], win)] : run2(k, 'max_pool2d', [x!], win);
    if (a.alpha === 1) return { y: ymax, saved };
    const yavg = k.run1('avg_pool2d', [x!], win);
    const m = scaled(k, ymax, a.alpha);
    const v = scaled(k, yavg, 1 - a.alpha);
    const y = k.run1('add', [m, v]);
    for (const t of new Set([ymax, yavg, m, v])) t.dispose();
    return { y, saved };
  },
  backward(k, { dy, inputs, saved, attrs: a }) {
    const win = avgPoolWindow('mixed_pool2d', inputs[0]!.shape, a);
    // Scale dy (output-sized) before routing it back, rather than the larger dx.
    const route = (kernel: string, weight: number, extra: Tensor[]): Tensor => {
      const g = scaled(k, dy, weight);
      const dx = k.run1(kernel, [g, ...extra], win);
      if (g !== dy) g.dispose();
      return dx;
    };
    let viaMax: Tensor | null = null;
    if (a.alpha > 0) {
      const { argmax, recomputed } = maxPoolSwitches(k, inputs[0]!, win, saved);
      viaMax = route('max_pool2d_grad', a.alpha, [argmax]);
      if (recomputed) argmax.dispose();
    }
    const viaAvg = a.alpha < 1 ? route('avg_pool2d_grad', 1 - a.alpha, []) : null;
    if (!viaMax || !viaAvg) return [viaMax ?? viaAvg];
    const dx = k.run1('add', [viaMax, viaAvg]);
    viaMax.dispose();
    viaAvg.dispose();
    return [dx];
  },
});
