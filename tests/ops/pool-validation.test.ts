import { describe, expect, it } from 'vitest';
import { TinyconvError } from '../../src/core/errors.js';
import { grad, runOp } from '../../src/core/engine.js';
import { Tensor, hostBackendOf } from '../../src/core/tensor.js';
import type { Backend, Kernel } from '../../src/core/backend.js';
import type { Shape } from '../../src/core/shape.js';
import { getOp } from '../../src/ops/registry.js';
import { referenceKernels } from '../../src/backends/reference/index.js';
import { cases as poolCases } from '../conformance/cases/pool.js';
import { caseInputs } from '../conformance/harness.js';
import { closeReport } from '../util/close.js';

const ref = hostBackendOf();

function run(op: string, values: number[], shape: Shape, attrs: Record<string, unknown> = {}): { y: number[]; shape: Shape } {
  const { y } = runOp(op, [Tensor.from(values, shape)], attrs, ref);
  return { y: [...y.dataSync()], shape: y.shape };
}

/** dL/dx for L = sum(y * dy), dy all ones unless given. */
function gradOf(op: string, values: number[], shape: Shape, attrs: Record<string, unknown>, dy?: number[]): number[] {
  const x = Tensor.from(values, shape);
  const f = () => runOp(op, [x], attrs, ref).y;
  const seed = dy ? Tensor.from(dy, f().shape) : undefined;
  return [...grad(f, [x], seed).grads[0]!.dataSync()];
}

function thrown(f: () => unknown): TinyconvError {
  try {
    f();
  } catch (e) {
    if (e instanceof TinyconvError) return e;
    throw e;
  }
  throw new Error('expected a TinyconvError, nothing was thrown');
}

describe('pooling attributes and shapes are validated', () => {
  const cases: [string, string, Shape, Record<string, unknown>, 'E_ATTR' | 'E_SHAPE', RegExp][] = [
    ['max_pool2d', 'missing poolSize', [1, 4, 4, 1], {}, 'E_ATTR', /max_pool2d: attribute poolSize must be given/],
    ['max_pool2d', 'poolSize 0', [1, 4, 4, 1], { poolSize: 0 }, 'E_ATTR', /poolSize must be 2 integers >= 1/],
    ['max_pool2d', 'poolSize of 3 entries', [1, 4, 4, 1], { poolSize: [2, 2, 2] }, 'E_ATTR', /poolSize must be 2 integers/],
    ['max_pool2d', 'fractional poolSize', [1, 4, 4, 1], { poolSize: 1.5 }, 'E_ATTR', /poolSize/],
    ['max_pool2d', 'stride 0', [1, 4, 4, 1], { poolSize: 2, strides: [1, 0] }, 'E_ATTR', /strides must be 2 integers >= 1 \(or one integer\), got \[1,0\]/],
    ['avg_pool2d', 'negative stride', [1, 4, 4, 1], { poolSize: 2, strides: -1 }, 'E_ATTR', /avg_pool2d: attribute strides/],
    ['max_pool2d', 'unknown padding mode', [1, 4, 4, 1], { poolSize: 2, padding: 'full' }, 'E_ATTR', /padding must be 'valid', 'same' or \[top, bottom, left, right\]/],
    ['max_pool2d', 'negative padding', [1, 4, 4, 1], { poolSize: 2, padding: [0, -1, 0, 0] }, 'E_ATTR', /padding/],
    ['max_pool2d', 'padding of 2 entries', [1, 4, 4, 1], { poolSize: 2, padding: [1, 1] }, 'E_ATTR', /padding/],
    ['max_pool2d', 'dilation 0', [1, 4, 4, 1], { poolSize: 2, dilations: 0 }, 'E_ATTR', /dilations must be 2 integers >= 1/],
    ['avg_pool2d', 'ceilMode not boolean', [1, 4, 4, 1], { poolSize: 2, ceilMode: 1 }, 'E_ATTR', /ceilMode must be true or false/],
    ['avg_pool2d', 'countIncludePad not boolean', [1, 4, 4, 1], { poolSize: 2, countIncludePad: 'yes' }, 'E_ATTR', /countIncludePad must be true or false/],
    ['max_pool2d', 'countIncludePad on a max pool', [1, 4, 4, 1], { poolSize: 2, countIncludePad: true }, 'E_ATTR', /max_pool2d: unknown attribute countIncludePad/],
    ['avg_pool2d', 'a typo', [1, 4, 4, 1], { poolSize: 2, stride: 2 }, 'E_ATTR', /unknown attribute stride;/],
    ['mixed_pool2d', 'alpha above 1', [1, 4, 4, 1], { poolSize: 2, alpha: 1.5 }, 'E_ATTR', /mixed_pool2d: attribute alpha must be a finite number in \[0, 1\], got 1.5/],
    ['mixed_pool2d', 'alpha NaN', [1, 4, 4, 1], { poolSize: 2, alpha: NaN }, 'E_ATTR', /alpha/],
    ['global_avg_pool2d', 'keepDims not boolean', [1, 4, 4, 1], { keepDims: 1 }, 'E_ATTR', /global_avg_pool2d: attribute keepDims must be true or false/],
    ['global_max_pool2d', 'a pool attribute', [1, 4, 4, 1], { poolSize: 2 }, 'E_ATTR', /global_max_pool2d: unknown attribute poolSize/],
    ['max_pool2d', 'rank 3 input', [4, 4, 1], { poolSize: 2 }, 'E_SHAPE', /max_pool2d: input x must have rank 4 \[N, H, W, C\], got \[4, 4, 1\]/],
    ['avg_pool2d', 'rank 5 input', [1, 1, 4, 4, 1], { poolSize: 2 }, 'E_SHAPE', /avg_pool2d: input x must have rank 4/],
    ['global_avg_pool2d', 'rank 2 input', [2, 3], {}, 'E_SHAPE', /global_avg_pool2d: input x must have rank 4/],
    ['max_pool2d', 'window taller than the input', [1, 2, 5, 1], { poolSize: [3, 1] }, 'E_SHAPE', /height spans 3 \(poolSize 3, dilation 1\) but input \[1, 2, 5, 1\] padded by 0\+0 has only 2 rows/],
    ['avg_pool2d', 'dilated window wider than the padded input', [1, 4, 4, 1], { poolSize: 2, dilations: [1, 4] }, 'E_SHAPE', /width spans 5 \(poolSize 2, dilation 4\) but input \[1, 4, 4, 1\] padded by 0\+0 has only 4 columns/],
    ['mixed_pool2d', 'window larger than the padded input', [1, 3, 3, 2], { poolSize: 5, padding: [1, 0, 1, 0] }, 'E_SHAPE', /mixed_pool2d: the pool window's height spans 5/],
    ['max_pool2d', 'a window of padding only (top padding = pool height)', [1, 3, 3, 1], { poolSize: 2, strides: 1, padding: [2, 0, 0, 0] }, 'E_SHAPE', /max_pool2d: output row 0 would pool only padding/],
    ['avg_pool2d', 'a window of padding only (right padding)', [1, 3, 3, 1], { poolSize: 2, strides: 2, padding: [0, 0, 0, 3] }, 'E_SHAPE', /output column 2 would pool only padding/],
    ['max_pool2d', 'same padding whose dilated taps skip a 1-pixel image', [1, 1, 1, 1], { poolSize: 2, strides: 1, dilations: 3, padding: 'same' }, 'E_SHAPE', /output row 0 would pool only padding/],
    ['max_pool2d', 'empty image even with padding', [1, 0, 3, 1], { poolSize: 1, padding: [1, 1, 0, 0] }, 'E_SHAPE', /would pool only padding/],
    ['global_max_pool2d', 'empty spatial extent', [2, 0, 3, 1], {}, 'E_SHAPE', /global_max_pool2d: input \[2, 0, 3, 1\] has no H x W cells to pool over/],
  ];

  it.each(cases)('%s: %s', (op, _what, shape, attrs, code, message) => {
    const err = thrown(() => runOp(op, [Tensor.zeros(shape)], attrs, ref));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(op);
  });

  it('shape inference alone raises the same errors, before any kernel', () => {
    const op = getOp('max_pool2d');
    expect(thrown(() => op.outputShape([[1, 2, 2, 1]], op.attrs({ poolSize: 3 }))).code).toBe('E_SHAPE');
    expect(op.outputShape([[2, 7, 5, 3]], op.attrs({ poolSize: 3, strides: 2 }))).toEqual([2, 3, 2, 3]);
  });

  it('attrs fill the documented defaults and read their own output back unchanged', () => {
    for (const name of ['max_pool2d', 'avg_pool2d', 'mixed_pool2d']) {
      const op = getOp(name);
      const a = op.attrs({ poolSize: 3 });
      expect(a).toMatchObject({ poolSize: [3, 3], strides: [3, 3], padding: 'valid', dilations: [1, 1], ceilMode: false });
      expect(op.attrs(a)).toEqual(a);
    }
    expect(getOp('avg_pool2d').attrs({ poolSize: 2 })).toMatchObject({ countIncludePad: false });
    expect(getOp('mixed_pool2d').attrs({ poolSize: 2 })).toMatchObject({ countIncludePad: false, alpha: 0.5 });
    expect(getOp('global_max_pool2d').attrs({})).toEqual({ keepDims: false });
    expect(getOp('max_pool2d').attrs({ poolSize: [2, 3], padding: [1, 0, 2, 1] })).toMatchObject({ strides: [2, 3], padding: [1, 0, 2, 1] });
  });

  it('costs count taps and the bytes the kernels move', () => {
    // 1x4x4x3 -> 2x2 windows of 4 taps: 12 outputs.
    const x: Shape = [1, 4, 4, 3], y: Shape = [1, 2, 2, 3];
    const cost = (name: string, attrs: Record<string, unknown>, out = y) => getOp(name).cost([x], getOp(name).attrs(attrs), out);
    expect(cost('max_pool2d', { poolSize: 2 })).toEqual({ flops: 48, bytes: 4 * (48 + 12) });
    expect(cost('avg_pool2d', { poolSize: 2 })).toEqual({ flops: 48 + 12, bytes: 4 * (48 + 12) });
    expect(cost('mixed_pool2d', { poolSize: 2 })).toEqual({ flops: 2 * 48 + 12 + 3 * 12, bytes: 4 * (2 * 48 + 9 * 12) });
    expect(cost('global_avg_pool2d', {}, [1, 3])).toEqual({ flops: 48 + 3, bytes: 4 * (48 + 3) });
    expect(cost('global_max_pool2d', {}, [1, 3])).toEqual({ flops: 48, bytes: 4 * (48 + 6) });
  });
});

describe('hand-computed pooling examples', () => {
  // x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]] as a 1x3x3x1 image.
  const x9 = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const s9: Shape = [1, 3, 3, 1];

  it("'same' 2x2 stride 1 pads one row at the bottom and one column at the right", () => {
    // Windows start at each cell and reach down/right; top/left padding would make y[0][0] = 1.
    expect(run('max_pool2d', x9, s9, { poolSize: 2, strides: 1, padding: 'same' })).toEqual({ y: [5, 6, 6, 8, 9, 9, 8, 9, 9], shape: [1, 3, 3, 1] });
    // Negated: padding (zeros if it took part) must never win over negative cells.
    expect(run('max_pool2d', x9.map((v) => -v), s9, { poolSize: 2, strides: 1, padding: 'same' }).y).toEqual([-1, -2, -3, -4, -5, -6, -7, -8, -9]);
  });

  it('explicit asymmetric padding [top 1, bottom 0, left 0, right 1]', () => {
    // 2x2 stride 1 over rows -1..2 and columns 0..3: windows start at rows -1, 0, 1 and columns 0, 1, 2.
    expect(run('max_pool2d', x9.map((v) => -v), s9, { poolSize: 2, strides: 1, padding: [1, 0, 0, 1] })).toEqual({
      y: [-1, -2, -3, -1, -2, -3, -4, -5, -6],
      shape: [1, 3, 3, 1],
    });
    // The averages of the first row only see row 0: (1+2)/2, (2+3)/2, 3/1.
    expect(run('avg_pool2d', x9, s9, { poolSize: 2, strides: 1, padding: [1, 0, 0, 1] }).y.slice(0, 3)).toEqual([1.5, 2.5, 3]);
    // Counting padding: (0+0+1+2)/4, (0+0+2+3)/4, (0+0+3+0)/4.
    expect(run('avg_pool2d', x9, s9, { poolSize: 2, strides: 1, padding: [1, 0, 0, 1], countIncludePad: true }).y.slice(0, 3)).toEqual([0.75, 1.25, 0.75]);
  });

  it('countIncludePad: 3x3 windows with padding 1 divide by 4 / 6 / 9 real cells, or always by 9', () => {
    const attrs = { poolSize: 3, strides: 1, padding: [1, 1, 1, 1] };
    // Corner: (1+2+4+5)/4 = 3; edge: (1+2+3+4+5+6)/6 = 3.5; centre: 45/9 = 5.
    const excl = run('avg_pool2d', x9, s9, attrs).y;
    expect(excl).toEqual([3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7]);
    // Corner: 12/9, edge: 21/9, centre 45/9.
    const incl = run('avg_pool2d', x9, s9, { ...attrs, countIncludePad: true }).y;
    expect(closeReport(incl, [12 / 9, 21 / 9, 16 / 9, 27 / 9, 5, 33 / 9, 24 / 9, 39 / 9, 28 / 9], { rtol: 1e-6 })).toBeNull();
  });

  it('ceil mode keeps a last partial window, whose overhang never counts', () => {
    const row = [1, 2, 3, 4, 5];
    const s: Shape = [1, 1, 5, 1];
    const attrs = { poolSize: [1, 2], strides: [1, 2] };
    expect(run('avg_pool2d', row, s, attrs)).toEqual({ y: [1.5, 3.5], shape: [1, 1, 2, 1] });
    expect(run('avg_pool2d', row, s, { ...attrs, ceilMode: true }).y).toEqual([1.5, 3.5, 5]);
    // No explicit padding: the overhang past the border is not padding, so it is not counted either.
    expect(run('avg_pool2d', row, s, { ...attrs, ceilMode: true, countIncludePad: true }).y).toEqual([1.5, 3.5, 5]);
    expect(run('max_pool2d', row, s, { ...attrs, ceilMode: true }).y).toEqual([2, 4, 5]);
  });

  it('ceil mode with padding: padded cells count, cells past the padded border do not', () => {
    // Width 4 padded 1+1 spans columns -1..4; 3-wide windows at stride 2 start at -1, 1, 3 (ceil).
    // The last covers 3, 4 (padding) and 5 (past the padded border).
    const row = [1, 2, 3, 4];
    const s: Shape = [1, 1, 4, 1];
    const attrs = { poolSize: [1, 3], strides: [1, 2], padding: [0, 0, 1, 1], ceilMode: true };
    expect(run('avg_pool2d', row, s, { ...attrs, countIncludePad: true })).toEqual({ y: [1, 3, 2], shape: [1, 1, 3, 1] });
    expect(run('avg_pool2d', row, s, attrs).y).toEqual([1.5, 3, 4]);
    expect(run('max_pool2d', row, s, attrs).y).toEqual([2, 4, 4]);
    // Without ceil mode the partial window is dropped.
    expect(run('avg_pool2d', row, s, { ...attrs, ceilMode: false }).shape).toEqual([1, 1, 2, 1]);
  });

  it('ceil mode never starts a window in the end padding', () => {
    // 2x2 input, 3x3 stride 3, padding 1: a second window would start at row 2, on the padding.
    const { y, shape } = run('avg_pool2d', [1, 2, 3, 4], [1, 2, 2, 1], { poolSize: 3, strides: 3, padding: [1, 1, 1, 1], ceilMode: true, countIncludePad: true });
    expect(shape).toEqual([1, 1, 1, 1]);
    expect(closeReport(y, [10 / 9], { rtol: 1e-6 })).toBeNull();
  });

  it('dilated max pool takes every other cell', () => {
    // 2x2 taps at dilation 2 over a 4x4 ramp 1..16: windows at (0,0) and (0,1) read rows 0,2 cols c,c+2.
    const ramp = Array.from({ length: 16 }, (_, i) => i + 1);
    expect(run('max_pool2d', ramp, [1, 4, 4, 1], { poolSize: 2, strides: 1, dilations: 2 })).toEqual({ y: [11, 12, 15, 16], shape: [1, 2, 2, 1] });
    expect(run('avg_pool2d', ramp, [1, 4, 4, 1], { poolSize: 2, strides: 1, dilations: 2 }).y).toEqual([6, 7, 10, 11]);
  });

  it('max pool gradients follow the switches; ties go to the first cell in window order', () => {
    // Two channels: channel 0 = [[1, 2], [3, 4]] (winner last), channel 1 all equal (winner first).
    const x = [1, 7, 2, 7, 3, 7, 4, 7];
    const s: Shape = [1, 2, 2, 2];
    const x1 = Tensor.from(x, s);
    expect([...runOp('max_pool2d', [x1], { poolSize: 2 }, ref).y.dataSync()]).toEqual([4, 7]);
    expect(gradOf('max_pool2d', x, s, { poolSize: 2 }, [10, 20])).toEqual([0, 20, 0, 0, 0, 0, 10, 0]);
  });

  it('argmax is the window-relative index jh * kw + jw', () => {
    const x = Tensor.from([5, 1, 9, 2, 0, 3], [1, 2, 3, 1]);
    const [y, argmax] = referenceKernels['max_pool2d']!([x], getOpWindow('max_pool2d', [1, 2, 3, 1], { poolSize: [2, 3] }), ref);
    expect([...y!.dataSync()]).toEqual([9]);
    expect([...argmax!.dataSync()]).toEqual([2]);
    // 1x3 windows with 'same' padding in width: windows span columns -1..1, 0..2, 1..3, so taps shift.
    const [, am] = referenceKernels['max_pool2d']!([x], getOpWindow('max_pool2d', [1, 2, 3, 1], { poolSize: [1, 3], strides: 1, padding: 'same' }), ref);
    expect([...am!.dataSync()]).toEqual([1, 2, 1, 1, 2, 1]);
  });

  it('overlapping windows add their gradients into shared cells', () => {
    // 1x3 row [1, 3, 2], 1x2 windows stride 1: both windows pick 3.
    expect(gradOf('max_pool2d', [1, 3, 2], [1, 1, 3, 1], { poolSize: [1, 2], strides: 1 })).toEqual([0, 2, 0]);
    // Average: the middle cell is in both windows, each divides by 2.
    expect(gradOf('avg_pool2d', [1, 3, 2], [1, 1, 3, 1], { poolSize: [1, 2], strides: 1 })).toEqual([0.5, 1, 0.5]);
  });

  it('padding never wins, not even against -Infinity, and the gradient reaches the real cell', () => {
    const { y } = run('max_pool2d', [-Infinity], [1, 1, 1, 1], { poolSize: 2, strides: 1, padding: 'same' });
    expect(y).toEqual([-Infinity]);
    expect(gradOf('max_pool2d', [-Infinity], [1, 1, 1, 1], { poolSize: 2, strides: 1, padding: 'same' }, [3])).toEqual([3]);
  });

  it('a NaN in a window propagates to the maximum', () => {
    expect(run('max_pool2d', [1, NaN, 3, 2], [1, 2, 2, 1], { poolSize: 2 }).y).toEqual([NaN]);
    expect(run('global_max_pool2d', [1, NaN, 3, 2], [1, 2, 2, 1]).y).toEqual([NaN]);
  });

  it('mixed pooling is alpha * max + (1 - alpha) * average, and so is its gradient', () => {
    // [[1, 2], [3, 4]]: max 4, mean 2.5; 0.25 * 4 + 0.75 * 2.5 = 2.875.
    const x = [1, 2, 3, 4];
    const s: Shape = [1, 2, 2, 1];
    expect(run('mixed_pool2d', x, s, { poolSize: 2, alpha: 0.25 }).y).toEqual([2.875]);
    // Each cell gets 0.75 / 4; the maximum also gets 0.25.
    expect(gradOf('mixed_pool2d', x, s, { poolSize: 2, alpha: 0.25 })).toEqual([0.1875, 0.1875, 0.1875, 0.4375]);
    expect(run('mixed_pool2d', x, s, { poolSize: 2 }).y).toEqual([3.25]);
  });

  it('global pooling: mean and max per channel, argmax over H * W, keepDims', () => {
    // Channel 0 = [1, 2, 3, 4], channel 1 = [-1, 5, 0, 2] over a 2x2 plane.
    const x = [1, -1, 2, 5, 3, 0, 4, 2];
    const s: Shape = [1, 2, 2, 2];
    expect(run('global_avg_pool2d', x, s)).toEqual({ y: [2.5, 1.5], shape: [1, 2] });
    expect(run('global_avg_pool2d', x, s, { keepDims: true }).shape).toEqual([1, 1, 1, 2]);
    expect(run('global_max_pool2d', x, s, { keepDims: true })).toEqual({ y: [4, 5], shape: [1, 1, 1, 2] });
    const [, argmax] = referenceKernels['global_max_pool2d']!([Tensor.from(x, s)], { keepDims: false }, ref);
    expect([...argmax!.dataSync()]).toEqual([3, 1]);
    expect(gradOf('global_max_pool2d', x, s, {}, [10, 20])).toEqual([0, 0, 0, 20, 0, 0, 10, 0]);
    expect(gradOf('global_avg_pool2d', x, s, { keepDims: true }, [4, 8])).toEqual([1, 2, 1, 2, 1, 2, 1, 2]);
  });
});

function getOpWindow(name: string, x: Shape, attrs: Record<string, unknown>): unknown {
  // The op's forward hands its resolved window to the kernel; recover it by tracing one run
  // (an inference run: max_pool2d runs its kernel without the argmax, max_pool2d_infer).
  let seen: unknown;
  const tracer = tracingBackend((kernel, a) => {
    if (kernel === name || kernel === `${name}_infer`) seen = a;
  });
  runOp(name, [tracer.upload(new Float32Array(x.reduce((p, d) => p * d, 1)), x)], attrs, tracer);
  return seen;
}

/** A reference backend that reports every kernel it runs (and its attributes) to `log`. */
function tracingBackend(log: (kernel: string, attrs: unknown) => void): Backend {
  const kernels: Record<string, Kernel> = {};
  const backend: Backend = {
    name: 'tracing',
    kernels,
    upload: (data, shape) => new Tensor(shape, backend, Float32Array.from(data)),
    read: async (t) => backend.readSync(t),
    readSync: (t) => Float32Array.from(t.handle as Float32Array),
    release() {},
  };
  for (const [name, k] of Object.entries(referenceKernels)) {
    kernels[name] = (inputs, attrs, _b) => {
      log(name, attrs);
      return k(inputs, attrs, backend);
    };
  }
  return backend;
}

describe('mixed_pool2d has no kernel of its own', () => {
  it('runs only max/avg pool and mul/add kernels, forward and backward', () => {
    expect(Object.prototype.hasOwnProperty.call(referenceKernels, 'mixed_pool2d')).toBe(false);
    const ran: string[] = [];
    const b = tracingBackend((k) => ran.push(k));
    const x = b.upload(Float32Array.from([1, 5, 2, 8, 3, 7, 4, 6, 0]), [1, 3, 3, 1]);
    const { y, grads } = grad(() => runOp('mixed_pool2d', [x], { poolSize: 2, strides: 1, alpha: 0.5 }, b).y, [x]);
    const op = getOp('mixed_pool2d');
    expect(new Set(ran)).toEqual(new Set([...op.kernels.forward, ...op.kernels.backward]));
    // And the composition equals the two pools weighted by hand.
    const mx = [...runOp('max_pool2d', [x], { poolSize: 2, strides: 1 }, b).y.dataSync()];
    const av = [...runOp('avg_pool2d', [x], { poolSize: 2, strides: 1 }, b).y.dataSync()];
    expect(closeReport(y.dataSync(), mx.map((m, i) => 0.5 * m + 0.5 * av[i]!), { rtol: 1e-6 })).toBeNull();
    expect(grads[0]!.shape).toEqual([1, 3, 3, 1]);
  });

  it('alpha 0 and 1 run only the branch that has weight', () => {
    for (const [alpha, absent] of [[0, 'max_pool2d'], [1, 'avg_pool2d']] as const) {
      const ran: string[] = [];
      const b = tracingBackend((k) => ran.push(k));
      const x = b.upload(Float32Array.from([1, 5, 2, 8]), [1, 2, 2, 1]);
      grad(() => runOp('mixed_pool2d', [x], { poolSize: 2, alpha }, b).y, [x]);
      expect(ran).not.toContain(absent);
      expect(ran).not.toContain(`${absent}_grad`);
      expect(ran).not.toContain('mul');
    }
  });

  it('every pooling op lists kernels the reference backend has', () => {
    for (const name of ['max_pool2d', 'avg_pool2d', 'mixed_pool2d', 'global_avg_pool2d', 'global_max_pool2d']) {
      const { forward, backward } = getOp(name).kernels;
      for (const k of [...forward, ...backward]) expect(referenceKernels, `${name} needs ${k}`).toHaveProperty(k);
    }
  });
});

/**
 * The pooling definitions written out directly (explicitly padded grid, every tap visited),
 * independent of the op code's window arithmetic, against the reference on every conformance row.
 */
describe('the reference agrees with a direct definition on every conformance row', () => {
  const rows = poolCases.filter((c) => c.op !== 'global_avg_pool2d' && c.op !== 'global_max_pool2d');

  function axis(n: number, k: number, s: number, d: number, pad: 'valid' | 'same' | [number, number], ceil: boolean) {
    const ext = (k - 1) * d + 1;
    let pb = 0, pe = 0;
    if (pad === 'same') {
      const total = Math.max(0, (Math.ceil(n / s) - 1) * s + ext - n);
      pb = Math.floor(total / 2);
      pe = total - pb;
    } else if (pad !== 'valid') [pb, pe] = pad;
    const exact = (n + pb + pe - ext) / s;
    let out = (ceil ? Math.ceil(exact) : Math.floor(exact)) + 1;
    if (ceil && (out - 1) * s >= n + pb) out--;
    return { out, pb, pe, k, s, d, n };
  }

  function direct(op: string, x: Float32Array, shape: Shape, a: Record<string, unknown>): number[] {
    const [N, H, W, C] = shape as number[];
    const pair = (v: unknown, def: number[]): number[] => (v === undefined ? def : typeof v === 'number' ? [v, v] : (v as number[]));
    const [kh, kw] = pair(a['poolSize'], []);
    const [sh, sw] = pair(a['strides'], [kh!, kw!]);
    const [dh, dw] = pair(a['dilations'], [1, 1]);
    const p = a['padding'] ?? 'valid';
    const pad = (i: number): 'valid' | 'same' | [number, number] => (typeof p === 'string' ? (p as 'valid' | 'same') : [(p as number[])[2 * i]!, (p as number[])[2 * i + 1]!]);
    const ceil = a['ceilMode'] === true;
    const rowsAx = axis(H!, kh!, sh!, dh!, pad(0), ceil), colsAx = axis(W!, kw!, sw!, dw!, pad(1), ceil);
    const includePad = a['countIncludePad'] === true;
    const alpha = op === 'max_pool2d' ? 1 : op === 'avg_pool2d' ? 0 : ((a['alpha'] as number | undefined) ?? 0.5);
    const out: number[] = [];
    for (let n = 0; n < N!; n++) for (let oh = 0; oh < rowsAx.out; oh++) for (let ow = 0; ow < colsAx.out; ow++) for (let c = 0; c < C!; c++) {
      let best = -Infinity, sum = 0, real = 0, padded = 0;
      for (let i = 0; i < kh!; i++) for (let j = 0; j < kw!; j++) {
        const h = oh * sh! - rowsAx.pb + i * dh!, w = ow * sw! - colsAx.pb + j * dw!;
        const inPadded = h >= -rowsAx.pb && h < H! + rowsAx.pe && w >= -colsAx.pb && w < W! + colsAx.pe;
        if (inPadded) padded++;
        if (h < 0 || h >= H! || w < 0 || w >= W!) continue;
        const v = x[((n * H! + h) * W! + w) * C! + c]!;
        best = Math.max(best, v);
        sum += v;
        real++;
      }
      const mean = sum / (includePad ? padded : real);
      out.push(alpha * best + (1 - alpha) * mean);
    }
    return out;
  }

  it.each(rows.map((c) => [`${c.op}: ${c.name}`, c] as const))('%s', (_id, c) => {
    const [x] = caseInputs(c);
    const { y } = runOp(c.op, [Tensor.from(x!, c.inputs[0]!)], c.attrs ?? {}, ref);
    expect(closeReport(y.dataSync(), direct(c.op, x!, c.inputs[0]!, c.attrs ?? {}), { rtol: 1e-5 })).toBeNull();
  });
});
