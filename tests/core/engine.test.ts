import { describe, expect, it } from 'vitest';
import { grad, runOp } from '../../src/core/engine.js';
import { Tensor, hostBackendOf } from '../../src/core/tensor.js';
import type { Backend } from '../../src/core/backend.js';

const ref = hostBackendOf();

describe('engine', () => {
  it('accumulates gradients of a tensor used twice (d/dx of x*x + x = 2x + 1)', () => {
    const x = Tensor.from([1, -2, 3], [3]);
    const { y, grads } = grad(() => {
      const sq = runOp('mul', [x, x], {}, ref).y;
      return runOp('add', [sq, x], {}, ref).y;
    }, [x]);
    expect([...y.dataSync()]).toEqual([2, 2, 12]);
    expect([...grads[0]!.dataSync()]).toEqual([3, -3, 7]);
  });

  it('sums gradients over broadcast dimensions', () => {
    const a = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = Tensor.from([10, 20, 30], [3]);
    const { grads } = grad(() => runOp('mul', [a, b], {}, ref).y, [a, b]);
    expect([...grads[0]!.dataSync()]).toEqual([10, 20, 30, 10, 20, 30]);
    expect([...grads[1]!.dataSync()]).toEqual([5, 7, 9]);
  });

  it('gives zeros for tensors the result does not depend on', () => {
    const x = Tensor.from([1, 2], [2]);
    const unused = Tensor.from([5, 5, 5], [3]);
    const { grads } = grad(() => runOp('activation', [x], { kind: 'relu' }, ref).y, [x, unused]);
    expect([...grads[1]!.dataSync()]).toEqual([0, 0, 0]);
  });

  it('names the op in validation errors and rejects unknown ops and attributes', () => {
    const x = Tensor.from([1, 2], [2]);
    expect(() => runOp('activation', [x], { kind: 'gelu' }, ref)).toThrow(/activation: attribute kind must be one of/);
    expect(() => runOp('activation', [x], { kind: 'relu', slope: 1 }, ref)).toThrow(/unknown attribute slope/);
    expect(() => runOp('nope', [x], {}, ref)).toThrow(/unknown op "nope"/);
    expect(() => runOp('add', [x, Tensor.from([1, 2, 3], [3])], {}, ref)).toThrow(/cannot be broadcast/);
    expect(() => runOp('add', [x], {}, ref)).toThrow(/input b is missing/);
  });

  it('reports a kernel a backend lacks as E_NO_KERNEL, before touching anything', () => {
    const partial: Backend = { ...ref, name: 'partial', kernels: { add: ref.kernels.add! } };
    const x = Tensor.from([1], [1]);
    expect(() => runOp('activation', [x], { kind: 'relu' }, partial)).toThrow(expect.objectContaining({ code: 'E_NO_KERNEL' }));
  });
});

describe('engine across backends', () => {
  it('attributes gradients to the caller\'s tensor when the op ran on another backend', async () => {
    const { createReferenceBackend } = await import('../../src/backends/reference/index.js');
    const other = createReferenceBackend('float32');
    const x = Tensor.from([1, -2, 3], [3]); // lives on the host backend
    const { grads } = grad(() => runOp('mul', [x, x], {}, other).y, [x]);
    expect([...grads[0]!.dataSync()]).toEqual([2, -4, 6]);
  });

  it('repeated grad() steps give the same, correct gradients (nothing the steps share is freed)', async () => {
    const { createReferenceBackend } = await import('../../src/backends/reference/index.js');
    const b = createReferenceBackend('float32');
    const w = b.upload(Float32Array.from([0.5, -1, 2]), [3]);
    const x = b.upload(Float32Array.from([1, 2, 3]), [3]);
    const first = grad(() => runOp('activation', [runOp('mul', [x, w], {}, b).y], { kind: 'tanh' }, b).y, [w]).grads[0]!.dataSync();
    for (let i = 0; i < 20; i++) {
      const g = grad(() => runOp('activation', [runOp('mul', [x, w], {}, b).y], { kind: 'tanh' }, b).y, [w]).grads[0]!;
      expect([...g.dataSync()]).toEqual([...first]);
    }
    // d/dw tanh(x*w) = x * (1 - tanh(x*w)^2)
    [1, 2, 3].forEach((xv, i) => expect(first[i]).toBeCloseTo(xv * (1 - Math.tanh(xv * [0.5, -1, 2][i]!) ** 2), 6));
  });
});
