import { describe, expect, it } from 'vitest';
import { grad } from '../../src/core/engine.js';
import type { Mode } from '../../src/core/op.js';
import { Rng } from '../../src/core/random.js';
import { Tensor } from '../../src/core/tensor.js';
import { createReferenceBackend } from '../../src/backends/reference/index.js';
import {
  Add, AveragePooling2D, BatchNormalization, Concatenate, Conv2D, Dense, DepthwiseConv2D, Flatten, Input, Model, SeparableConv2D,
} from '../../src/model/index.js';
import { closeReport } from '../util/close.js';
import { randomizeWeights } from './helpers.js';

const ref64 = createReferenceBackend('float64');

/** A small DAG touching every weight kind: conv, depthwise, separable, batch norm, dense; Add and Concatenate. */
function smallModel(): Model {
  const input = Input({ shape: [5, 5, 2] });
  const a = new Conv2D({ filters: 3, kernel_size: 3, padding: 'same', activation: 'tanh' }).apply(input);
  const b = new DepthwiseConv2D({ kernel_size: 3, padding: 'same', activation: 'sigmoid' }).apply(a);
  const c = new SeparableConv2D({ filters: 2, kernel_size: 2, padding: 'same' }).apply(input);
  let x = new Concatenate().apply([new Add().apply([a, b]), c]);
  x = new BatchNormalization({ momentum: 0.9 }).apply(x);
  x = new AveragePooling2D({ pool_size: 2 }).apply(x);
  x = new Flatten().apply(x);
  const model = new Model({ inputs: input, outputs: new Dense({ units: 3, activation: 'softmax' }).apply(x) });
  randomizeWeights(model, 21);
  return model;
}

function f64(shape: number[], seed: number): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, d) => a * d, 1);
  return new Tensor(shape, ref64, Float64Array.from({ length: n }, () => rng.normal()));
}

describe.each(['infer', 'train'] as Mode[])('gradients through a model (%s mode) = finite differences', (mode) => {
  it('with respect to the input and every trainable weight', () => {
    const model = smallModel();
    const x = f64([2, 5, 5, 2], 3);
    const weights = model.trainableWeights.map((v) => v.valueOn(ref64));
    expect(weights.length).toBe(11);
    const dy = f64([2, 3], 5);
    const dyd = dy.handle as Float64Array;
    const run = (): Tensor => model.forward(x, { mode, backend: ref64 });
    const loss = (): number => {
      const y = run().handle as Float64Array;
      return y.reduce((s, v, i) => s + v * dyd[i]!, 0);
    };
    const { grads } = grad(run, [x, ...weights], dy);
    const rng = new Rng(17);
    const eps = 1e-5;
    [x, ...weights].forEach((t, k) => {
      const data = t.handle as Float64Array;
      const coords = data.length <= 12 ? [...data.keys()] : Array.from({ length: 12 }, () => rng.int(data.length));
      const numeric = coords.map((i) => {
        const keep = data[i]!;
        data[i] = keep + eps;
        const plus = loss();
        data[i] = keep - eps;
        const minus = loss();
        data[i] = keep;
        return (plus - minus) / (2 * eps);
      });
      const analytic = coords.map((i) => (grads[k]!.handle as Float64Array)[i]!);
      const what = k === 0 ? 'input' : model.trainableWeights[k - 1]!.name;
      expect(closeReport(analytic, numeric, { rtol: 1e-5, atol: 1e-8 }), what).toBeNull();
      // In training, batch norm subtracts the batch mean, which cancels a bias added just before it.
      const cancelled = mode === 'train' && what.startsWith('separable_conv2d') && what.endsWith('/bias');
      expect(numeric.some((g) => Math.abs(g) > 1e-6), `${what}: gradient ${cancelled ? 'zero' : 'non-trivial'}`).toBe(!cancelled);
    });
  });
});
