import { describe, expect, it } from 'vitest';
import { runOp } from '../../src/core/engine.js';
import { TinyconvError, type ErrorCode } from '../../src/core/errors.js';
import { Tensor, hostBackendOf } from '../../src/core/tensor.js';
import type { Shape } from '../../src/core/shape.js';
import { getOp } from '../../src/ops/registry.js';

const ref = hostBackendOf();

function run(op: string, shapes: (Shape | null)[], attrs: Record<string, unknown> = {}): Tensor {
  return runOp(op, shapes.map((s) => (s ? Tensor.zeros(s) : undefined)), attrs, ref).y;
}

/** The error `f` throws, asserting it is a TinyconvError with `code` whose message matches each pattern. */
function expectError(f: () => unknown, code: ErrorCode, ...patterns: RegExp[]): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a TinyconvError').toBeInstanceOf(TinyconvError);
  const t = err as TinyconvError;
  expect(t.code).toBe(code);
  for (const p of patterns) expect(t.message).toMatch(p);
}

describe('conv2d validation', () => {
  const x = [1, 5, 5, 4];
  const w = [3, 3, 4, 6];

  it('accepts a valid call and infers the output shape', () => {
    expect(run('conv2d', [x, w, [6]], { padding: 'same', strides: 2 }).shape).toEqual([1, 3, 3, 6]);
    expect(run('conv2d', [x, w], { padding: [1, 2, 0, 3], dilations: 2 }).shape).toEqual([1, 4, 4, 6]);
  });

  it('rejects weights and inputs of the wrong rank, naming the shape', () => {
    expectError(() => run('conv2d', [x, [3, 3, 4]]), 'E_SHAPE', /conv2d/, /w must have rank 4/, /\[3, 3, 4\]/);
    expectError(() => run('conv2d', [[5, 5, 4], w]), 'E_SHAPE', /x must have rank 4/, /\[5, 5, 4\]/);
  });

  it('rejects an input channel count that does not match the weights', () => {
    expectError(() => run('conv2d', [[1, 5, 5, 3], w]), 'E_SHAPE', /Cin = 3/, /\[1, 5, 5, 3\]/, /\[3, 3, 4, 6\]/);
    // With groups the third weight dimension is Cin / groups.
    expectError(() => run('conv2d', [x, w], { groups: 2 }), 'E_SHAPE', /Cin\/groups = 2/, /groups 2/);
  });

  it('rejects groups that do not divide Cin or Cout, naming both', () => {
    expectError(() => run('conv2d', [[1, 5, 5, 6], [3, 3, 2, 8]], { groups: 3 }), 'E_SHAPE', /groups 3/, /Cin = 6/, /Cout = 8/);
    expectError(() => run('conv2d', [[1, 5, 5, 6], [3, 3, 1, 6]], { groups: 4 }), 'E_SHAPE', /groups 4/, /Cin = 6/, /Cout = 6/);
    expectError(() => run('conv2d', [x, w], { groups: 0 }), 'E_ATTR', /groups/);
  });

  it('rejects a window larger than the padded input', () => {
    expectError(() => run('conv2d', [[1, 2, 5, 4], w]), 'E_SHAPE', /conv2d/, /\[1, 2, 5, 4\]/, /height of extent 3 does not fit an input of 2/);
    // Dilation 3 stretches a 3x3 kernel to 7x7.
    expectError(() => run('conv2d', [x, w], { dilations: 3 }), 'E_SHAPE', /extent 7/);
    // Explicit padding can make it fit.
    expect(run('conv2d', [[1, 2, 5, 4], w], { padding: [1, 0, 0, 0] }).shape).toEqual([1, 1, 3, 6]);
  });

  it('rejects unknown, malformed and out-of-range attributes', () => {
    expectError(() => run('conv2d', [x, w], { stride: 2 }), 'E_ATTR', /unknown attribute stride/);
    expectError(() => run('conv2d', [x, w], { strides: [-1, 1] }), 'E_ATTR', /strides must be 2 integers >= 1/);
    expectError(() => run('conv2d', [x, w], { strides: [2, 2, 2] }), 'E_ATTR', /strides/);
    expectError(() => run('conv2d', [x, w], { dilations: 0 }), 'E_ATTR', /dilations/);
    expectError(() => run('conv2d', [x, w], { padding: 'SAME' }), 'E_ATTR', /padding must be 'valid', 'same'/);
    expectError(() => run('conv2d', [x, w], { padding: [1, 1, 1] }), 'E_ATTR', /padding/);
    expectError(() => run('conv2d', [x, w], { padding: [1, -1, 0, 0] }), 'E_ATTR', /padding/);
    expectError(() => run('conv2d', [x, w], { activation: 'gelu' }), 'E_ATTR', /activation must be one of/);
    expectError(() => run('conv2d', [x, w], { activation: 'elu', alpha: Number.NaN }), 'E_ATTR', /alpha/);
  });

  it('rejects a bias of the wrong length', () => {
    expectError(() => run('conv2d', [x, w, [4]]), 'E_SHAPE', /bias b must have shape \[6\]/, /got \[4\]/);
    expectError(() => run('conv2d', [x, w, [1, 6]]), 'E_SHAPE', /bias/);
  });

  it('checks kernelSize and filters against the weights and derives parameter shapes from them', () => {
    expectError(() => run('conv2d', [x, w], { kernelSize: [3, 2] }), 'E_SHAPE', /kernelSize \[3, 2\]/);
    expectError(() => run('conv2d', [x, w], { filters: 5 }), 'E_SHAPE', /filters is 5/);
    const op = getOp('conv2d');
    expect(op.paramShapes!([1, 8, 8, 6], op.attrs({ kernelSize: [3, 1], filters: 9, groups: 3 }))).toEqual({ w: [3, 1, 2, 9], b: [9] });
    expectError(() => op.paramShapes!([1, 8, 8, 6], op.attrs({})), 'E_ATTR', /kernelSize and filters/);
  });

  it('fills defaults and is idempotent on its own attributes', () => {
    const op = getOp('conv2d');
    const a = op.attrs({ activation: 'hard_sigmoid' });
    expect(a).toMatchObject({ strides: [1, 1], padding: 'valid', dilations: [1, 1], groups: 1, alpha: 0.2, beta: 0.5 });
    expect(op.attrs(a)).toEqual(a);
  });

  it('counts 2 flops per multiply-add over Cin/groups, plus bias and activation', () => {
    const op = getOp('conv2d');
    const a = op.attrs({ groups: 2, activation: 'relu' });
    const y = op.outputShape([[2, 5, 5, 4], [3, 3, 2, 6], [6]], a); // [2, 3, 3, 6]: 108 outputs
    expect(op.cost([[2, 5, 5, 4], [3, 3, 2, 6], [6]], a, y)).toEqual({
      flops: 2 * 108 * 3 * 3 * 2 + 108 + 4 * 108,
      bytes: 4 * (200 + 108 + 6 + 108),
    });
  });
});

describe('depthwise_conv2d validation', () => {
  it('rejects a channel count that does not match the weights', () => {
    expectError(() => run('depthwise_conv2d', [[1, 5, 5, 3], [3, 3, 4, 1]]), 'E_SHAPE', /depthwise_conv2d/, /C = 3/, /\[3, 3, 4, 1\]/);
  });

  it('rejects a bias that is not C * depthMultiplier long', () => {
    expectError(() => run('depthwise_conv2d', [[1, 5, 5, 3], [3, 3, 3, 2], [3]]), 'E_SHAPE', /bias b must have shape \[6\]/);
  });

  it('rejects groups, which depthwise does not take, and wrong weight ranks', () => {
    expectError(() => run('depthwise_conv2d', [[1, 5, 5, 3], [3, 3, 3, 1]], { groups: 3 }), 'E_ATTR', /unknown attribute groups/);
    expectError(() => run('depthwise_conv2d', [[1, 5, 5, 3], [3, 3, 3]]), 'E_SHAPE', /w must have rank 4/);
  });

  it('rejects a window larger than the input and a bad depthMultiplier', () => {
    expectError(() => run('depthwise_conv2d', [[1, 5, 2, 3], [3, 3, 3, 1]]), 'E_SHAPE', /width of extent 3 does not fit an input of 2/);
    expectError(() => run('depthwise_conv2d', [[1, 5, 5, 3], [3, 3, 3, 2]], { depthMultiplier: 3 }), 'E_SHAPE', /depth multiplier 2/);
    expectError(() => run('depthwise_conv2d', [[1, 5, 5, 3], [3, 3, 3, 2]], { depthMultiplier: 0 }), 'E_ATTR', /depthMultiplier/);
  });

  it('derives parameter shapes and counts flops', () => {
    const op = getOp('depthwise_conv2d');
    expect(op.paramShapes!([1, 8, 8, 5], op.attrs({ kernelSize: 3, depthMultiplier: 2 }))).toEqual({ w: [3, 3, 5, 2], b: [10] });
    const a = op.attrs({ padding: 'same' });
    const y = op.outputShape([[1, 4, 4, 3], [3, 3, 3, 2]], a);
    expect(y).toEqual([1, 4, 4, 6]);
    expect(op.cost([[1, 4, 4, 3], [3, 3, 3, 2]], a, y).flops).toBe(2 * 96 * 9);
  });
});

describe('bias_add validation', () => {
  it('rejects a bias that does not match the last axis, and scalars', () => {
    expectError(() => run('bias_add', [[2, 3, 5], [3]]), 'E_SHAPE', /bias_add/, /shape \[5\]/, /\[2, 3, 5\]/);
    expectError(() => run('bias_add', [[2, 5], [1, 5]]), 'E_SHAPE', /got \[1, 5\]/);
    expectError(() => run('bias_add', [[], [1]]), 'E_SHAPE', /rank >= 1/);
    expectError(() => run('bias_add', [[2, 5], [5]], { axis: 1 }), 'E_ATTR', /unknown attribute axis/);
  });
});
