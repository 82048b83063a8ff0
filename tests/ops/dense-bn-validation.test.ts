import { describe, expect, it } from 'vitest';
import { grad, runOp } from '../../src/core/engine.js';
import type { Mode } from '../../src/core/op.js';
import { hashUniform } from '../../src/core/random.js';
import { Tensor, hostBackendOf } from '../../src/core/tensor.js';
import { createReferenceBackend } from '../../src/backends/reference/index.js';
import { getOp } from '../../src/ops/registry.js';
import { closeReport } from '../util/close.js';

const ref = hostBackendOf();
const t = (values: number[], shape: number[]): Tensor => Tensor.from(values, shape);
const z = (...shape: number[]): Tensor => Tensor.zeros(shape);
const run = (op: string, inputs: (Tensor | undefined)[], attrs: Record<string, unknown> = {}, mode: Mode = 'infer') => runOp(op, inputs, attrs, ref, mode);
const values = (x: Tensor): number[] => [...x.dataSync()];
const expectClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-6): void => expect(closeReport(actual, expected, { rtol, atol: 1e-6 })).toBeNull();

/** Asserts that `f` throws a TinyconvError with `code` and a message matching `message`. */
function throwsCode(f: () => unknown, code: string, message: RegExp): void {
  expect(f).toThrow(expect.objectContaining({ name: 'TinyconvError', code, message: expect.stringMatching(message) }));
}

describe('shape and attribute errors', () => {
  it('matmul', () => {
    throwsCode(() => run('matmul', [z(2, 3), z(4, 5)]), 'E_SHAPE', /matmul: inner dimensions differ: a \[2, 3\] has K = 3, b \[4, 5\] has K = 4/);
    throwsCode(() => run('matmul', [z(3, 2), z(4, 5)], { transposeA: true }), 'E_SHAPE', /a \(transposed\) \[3, 2\] has K = 3/);
    throwsCode(() => run('matmul', [z(2, 2, 3), z(3, 3, 4)]), 'E_SHAPE', /batch dimensions \[2\] of a \[2, 2, 3\] and \[3\] of b \[3, 3, 4\] cannot be broadcast/);
    throwsCode(() => run('matmul', [z(3), z(4)]), 'E_SHAPE', /a \[3\] has K = 3, b \[4\] has K = 4/);
    throwsCode(() => run('matmul', [z(), z(3, 3)]), 'E_SHAPE', /a must have rank >= 1/);
    throwsCode(() => run('matmul', [z(2, 2), z(2, 2)], { transposeA: 1 }), 'E_ATTR', /matmul: attribute transposeA must be true or false, got 1/);
    throwsCode(() => run('matmul', [z(2, 2), z(2, 2)], { adjointA: true }), 'E_ATTR', /unknown attribute adjointA/);
  });

  it('dense', () => {
    throwsCode(() => run('dense', [z(4), z(4, 2)]), 'E_SHAPE', /dense: x must have rank >= 2/);
    throwsCode(() => run('dense', [z(2, 4), z(4, 2, 1)]), 'E_SHAPE', /dense: w must be \[K, M\], got \[4, 2, 1\]/);
    throwsCode(() => run('dense', [z(2, 5), z(4, 2)]), 'E_SHAPE', /last dimension of x \[2, 5\] must equal K = 4 of w \[4, 2\]/);
    throwsCode(() => run('dense', [z(2, 4), z(4, 2), z(3)]), 'E_SHAPE', /dense: b must be \[2\] .* got \[3\]/);
    throwsCode(() => run('dense', [z(2, 4), z(4, 2)], { activation: 'gelu' }), 'E_ATTR', /dense: attribute activation must be one of linear, relu/);
    throwsCode(() => run('dense', [z(2, 4), z(4, 2)], { activation: 'elu', alpha: Number.NaN }), 'E_ATTR', /attribute alpha must be a finite number/);
    throwsCode(() => run('dense', [z(2, 4), z(4, 2)], { units: 2 }), 'E_ATTR', /unknown attribute units/);
    throwsCode(() => run('dense', [z(2, 4)]), 'E_ARG', /input w is missing/);
  });

  it('softmax', () => {
    throwsCode(() => run('softmax', [z(2, 3)], { axis: 2 }), 'E_ATTR', /softmax: attribute axis 2 is out of range for rank 2/);
    throwsCode(() => run('softmax', [z(2, 3)], { axis: -3 }), 'E_ATTR', /axis -3 is out of range/);
    throwsCode(() => run('softmax', [z(2, 3)], { axis: 0.5 }), 'E_ATTR', /attribute axis must be an integer/);
    throwsCode(() => run('softmax', [z()]), 'E_SHAPE', /softmax: x must have rank >= 1/);
  });

  it('batch_norm', () => {
    const c3 = (): Tensor => z(3);
    throwsCode(() => run('batch_norm', [z(2, 3), z(4), c3(), c3(), c3()]), 'E_SHAPE', /batch_norm: gamma must be \[3\] \(the channels of x \[2, 3\]\), got \[4\]/);
    throwsCode(() => run('batch_norm', [z(2, 3), undefined, z(3, 1), c3(), c3()]), 'E_SHAPE', /beta must be \[3\].*got \[3, 1\]/);
    throwsCode(() => run('batch_norm', [z(2, 3), undefined, undefined, z(2), c3()]), 'E_SHAPE', /mean must be \[3\]/);
    throwsCode(() => run('batch_norm', [z(2, 3), undefined, undefined, c3(), z(1)]), 'E_SHAPE', /variance must be \[3\]/);
    throwsCode(() => run('batch_norm', [z(2, 3), undefined, undefined, c3()]), 'E_ARG', /input variance is missing/);
    throwsCode(() => run('batch_norm', [z(2, 3), undefined, undefined, c3(), c3()], { momentum: 1.5 }), 'E_ATTR', /attribute momentum must be a finite number in \[0, 1\]/);
    throwsCode(() => run('batch_norm', [z(2, 3), undefined, undefined, c3(), c3()], { epsilon: -1 }), 'E_ATTR', /attribute epsilon/);
    throwsCode(() => run('batch_norm', [z(0, 3), undefined, undefined, c3(), c3()], {}, 'train'), 'E_SHAPE', /training needs a non-empty batch/);
  });

  it('dropout', () => {
    throwsCode(() => run('dropout', [z(4)], { rate: 1 }), 'E_ATTR', /dropout: attribute rate must be a number in \[0, 1\)/);
    throwsCode(() => run('dropout', [z(4)], { rate: -0.1 }), 'E_ATTR', /attribute rate/);
    throwsCode(() => run('dropout', [z(4)], { seed: 1.5 }), 'E_ATTR', /attribute seed must be an integer/);
    throwsCode(() => run('dropout', [z(4)], { seed: -1 }), 'E_ATTR', /attribute seed/);
  });
});

describe('hand-computed values', () => {
  it('matmul: every transpose combination of the same product, and vectors', () => {
    // a = [[1,2,3],[4,5,6]], b = [[1,0],[0,1],[1,1]]: a @ b = [[1+3, 2+3], [4+6, 5+6]].
    const a = [1, 2, 3, 4, 5, 6], aT = [1, 4, 2, 5, 3, 6];
    const b = [1, 0, 0, 1, 1, 1], bT = [1, 0, 1, 0, 1, 1];
    const ab = [4, 5, 10, 11];
    expect(values(run('matmul', [t(a, [2, 3]), t(b, [3, 2])]).y)).toEqual(ab);
    expect(values(run('matmul', [t(aT, [3, 2]), t(b, [3, 2])], { transposeA: true }).y)).toEqual(ab);
    expect(values(run('matmul', [t(a, [2, 3]), t(bT, [2, 3])], { transposeB: true }).y)).toEqual(ab);
    const both = run('matmul', [t(aT, [3, 2]), t(bT, [2, 3])], { transposeA: true, transposeB: true }).y;
    expect(both.shape).toEqual([2, 2]);
    expect(values(both)).toEqual(ab);
    // A vector a [3] is a row: [1,2,3] @ b = [4, 5], shape [2]; b [3] is a column.
    const row = run('matmul', [t([1, 2, 3], [3]), t(b, [3, 2])]).y;
    expect(row.shape).toEqual([2]);
    expect(values(row)).toEqual([4, 5]);
    const col = run('matmul', [t(a, [2, 3]), t([1, 1, 1], [3])]).y;
    expect(col.shape).toEqual([2]);
    expect(values(col)).toEqual([6, 15]);
    // The gradient of sum(a @ b) w.r.t. a is ones @ b^T: each row holds the row sums of b.
    const A = t(a, [2, 3]);
    const { grads } = grad(() => run('matmul', [A, t(bT, [2, 3])], { transposeB: true }).y, [A]);
    expect(values(grads[0]!)).toEqual([1, 1, 2, 1, 1, 2]);
  });

  it('dense: relu(x @ w + b)', () => {
    // z = [1*1 + 2*2 + 0.5, 1*(-1) + 2*0.5 - 3] = [5.5, -3]; relu -> [5.5, 0].
    const y = run('dense', [t([1, 2], [1, 2]), t([1, -1, 2, 0.5], [2, 2]), t([0.5, -3], [2])], { activation: 'relu' }).y;
    expect(values(y)).toEqual([5.5, 0]);
  });

  it('softmax: exact fractions, and logits of 1000 do not overflow', () => {
    // exp([0, ln 2, ln 5]) = [1, 2, 5], sum 8.
    const x = [0, Math.LN2, Math.log(5)];
    expectClose(values(run('softmax', [t(x, [3])]).y), [0.125, 0.25, 0.625]);
    // Shifting every logit changes nothing; exp(1000) alone would be Infinity.
    expectClose(values(run('softmax', [t(x.map((v) => v + 1000), [3])]).y), [0.125, 0.25, 0.625], 1e-4);
    expectClose(values(run('softmax', [t(x.map((v) => v - 1000), [3])]).y), [0.125, 0.25, 0.625], 1e-4);
    // Along axis 0 of [[0, 0], [ln 3, 0]]: columns [1/4, 3/4] and [1/2, 1/2].
    expectClose(values(run('softmax', [t([0, 0, Math.log(3), 0], [2, 2])], { axis: 0 }).y), [0.25, 0.5, 0.75, 0.5]);
  });

  it('batch_norm: training output, batch statistics and the Keras running-statistics update', () => {
    // Channel 0 = [1, 2, 3, 6]: mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5; with epsilon 0.5
    // sigma = 2, so x^ = [-1, -0.5, 0, 1.5] and y = 2 x^ + 1 = [-1, 0, 1, 4].
    // Channel 1 = [8, 9, 10, 13]: the same shape shifted by 7 (mean 10, variance 3.5), same x^,
    // and y = 0.5 x^ - 1 = [-1.5, -1.25, -1, -0.25].
    const x = t([1, 8, 2, 9, 3, 10, 6, 13], [4, 2]);
    const gamma = t([2, 0.5], [2]), beta = t([1, -1], [2]);
    const mean = t([0, 5], [2]), variance = t([1, 2], [2]);
    const { y, state } = run('batch_norm', [x, gamma, beta, mean, variance], { epsilon: 0.5, momentum: 0.9 }, 'train');
    expectClose(values(y), [-1, -1.5, 0, -1.25, 1, -1, 4, -0.25]);
    // moving = moving * 0.9 + batch * 0.1: mean [0.3, 5.5]; variance with the biased 3.5 (Keras),
    // [0.9 + 0.35, 1.8 + 0.35] (the unbiased 14/3 would give [1.3667, 2.2667]).
    expectClose(values(state.mean!), [0.3, 5.5]);
    expectClose(values(state.variance!), [1.25, 2.15]);
    // Inference with those batch statistics as the running ones gives the same output, no state.
    const infer = run('batch_norm', [x, gamma, beta, t([3, 10], [2]), t([3.5, 3.5], [2])], { epsilon: 0.5 });
    expectClose(values(infer.y), values(y));
    expect(infer.state).toEqual({});
  });

  it('batch_norm: the training gradient of sum(y) w.r.t. x vanishes; inference gives gamma / sigma', () => {
    const x = t([1, 8, 2, 9, 3, 10, 6, 13], [4, 2]);
    const gamma = t([2, 0.5], [2]);
    const stats = [t([3, 10], [2]), t([3.5, 3.5], [2])] as const;
    // Shifting a channel of x shifts its batch mean by the same amount: y cannot change.
    const train = grad(() => run('batch_norm', [x, gamma, undefined, ...stats], { epsilon: 0.5 }, 'train').y, [x, gamma]);
    expectClose(values(train.grads[0]!), [0, 0, 0, 0, 0, 0, 0, 0]);
    // dgamma = sum x^ = -1 - 0.5 + 0 + 1.5 = 0 in both channels.
    expectClose(values(train.grads[1]!), [0, 0]);
    // Fixed statistics: y is affine in x with slope gamma / sigma = [2 / 2, 0.5 / 2].
    const infer = grad(() => run('batch_norm', [x, gamma, undefined, ...stats], { epsilon: 0.5 }).y, [x]);
    expectClose(values(infer.grads[0]!), [1, 0.25, 1, 0.25, 1, 0.25, 1, 0.25]);
  });
});

describe('dropout', () => {
  const n = 100_000;
  const ones = Tensor.fill([n], 1);

  it('keeps about 1 - rate of the elements, scaled by 1 / (1 - rate)', () => {
    for (const rate of [0.1, 0.5, 0.8]) {
      const y = run('dropout', [ones], { rate, seed: 11 }, 'train').y.dataSync();
      const kept = y.filter((v) => v !== 0);
      // Four standard deviations of a binomial proportion.
      expect(Math.abs(kept.length / n - (1 - rate))).toBeLessThan(4 * Math.sqrt((rate * (1 - rate)) / n));
      expect(kept.every((v) => v === Math.fround(1 / (1 - rate)))).toBe(true);
    }
  });

  it('draws its mask from hashUniform(seed, i): the same on every backend, new with a new seed', () => {
    const x = Tensor.fill([64], 1);
    const a = values(run('dropout', [x], { rate: 0.5, seed: 5 }, 'train').y);
    expect(a).toEqual(a.map((_, i) => (hashUniform(5, i) >= 0.5 ? 2 : 0)));
    const ref64 = createReferenceBackend('float64');
    expect(values(runOp('dropout', [x], { rate: 0.5, seed: 5 }, ref64, 'train').y)).toEqual(a);
    expect(values(run('dropout', [x], { rate: 0.5, seed: 6 }, 'train').y)).not.toEqual(a);
  });

  it('passes the gradient through the kept elements only, and is the identity in inference', () => {
    const x = t([1, 2, 3, 4, 5, 6, 7, 8], [8]);
    const mask = values(x).map((_, i) => (hashUniform(2, i) >= 0.25 ? 1 / 0.75 : 0));
    expect(mask).toContain(0);
    const train = grad(() => run('dropout', [x], { rate: 0.25, seed: 2 }, 'train').y, [x]);
    expectClose(values(train.y), mask.map((m, i) => m * (i + 1)));
    expectClose(values(train.grads[0]!), mask);
    const infer = grad(() => run('dropout', [x], { rate: 0.25 }).y, [x]);
    expect(infer.y).not.toBe(x);
    expect(values(infer.y)).toEqual(values(x));
    expect(values(infer.grads[0]!)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
  });
});

describe('costs', () => {
  it('count a multiply-add as two flops', () => {
    const mm = getOp('matmul');
    // [2, 3, 4] @ [4, 5]: 2 * 3 * 5 outputs, 4 multiply-adds each.
    expect(mm.cost([[2, 3, 4], [4, 5]], mm.attrs({}), [2, 3, 5]).flops).toBe(2 * 30 * 4);
    expect(mm.cost([[4, 3], [5, 4]], mm.attrs({ transposeA: true, transposeB: true }), [3, 5]).flops).toBe(2 * 15 * 4);
    const d = getOp('dense');
    // x [8, 16] @ w [16, 4] + b: 32 outputs of 16 multiply-adds, plus one add each for the bias.
    const dense = d.cost([[8, 16], [16, 4], [4]], d.attrs({}), [8, 4]);
    expect(dense.flops).toBe(2 * 32 * 16 + 32);
    expect(dense.bytes).toBe(4 * (128 + 64 + 4 + 32));
  });
});
