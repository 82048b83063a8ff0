import { describe, expect, it } from 'vitest';
import { grad, runOp } from '../../src/core/engine.js';
import { TinyconvError } from '../../src/core/errors.js';
import { Tensor, hostBackendOf } from '../../src/core/tensor.js';
import { getOp } from '../../src/ops/registry.js';

/**
 * Bad inputs to the data-movement ops raise the right error codes, and tiny examples whose values
 * are worked out by hand pin down the semantics the conformance table only compares across backends.
 */

const ref = hostBackendOf();

function run(op: string, inputs: Tensor[], attrs: Record<string, unknown> = {}): { shape: number[]; values: number[] } {
  const { y } = runOp(op, inputs, attrs, ref);
  return { shape: [...y.shape], values: [...y.dataSync()] };
}

/** The TinyconvError `f` throws (fails the test if it throws nothing or something else). */
function errorOf(f: () => unknown): TinyconvError {
  try {
    f();
  } catch (e) {
    if (e instanceof TinyconvError) return e;
    throw e;
  }
  throw new Error('expected a TinyconvError, nothing was thrown');
}

/** A tensor holding 1, 2, 3, ... in row-major order. */
function ramp(shape: number[], start = 1): Tensor {
  const n = shape.reduce((a, d) => a * d, 1);
  return Tensor.from(Array.from({ length: n }, (_, i) => start + i), shape);
}

/** Gradient of sum(op(x)) with respect to x, i.e. dy = ones. */
function gradOfSum(op: string, x: Tensor, attrs: Record<string, unknown>): number[] {
  return [...grad(() => runOp(op, [x], attrs, ref).y, [x]).grads[0]!.dataSync()];
}

const zeros = (shape: number[]): Tensor => Tensor.zeros(shape);

describe('concat', () => {
  it('joins along an axis', () => {
    const a = ramp([2, 2]), b = ramp([2, 1], 10);
    expect(run('concat', [a, b], { axis: 1 })).toEqual({ shape: [2, 3], values: [1, 2, 10, 3, 4, 11] });
    expect(run('concat', [a, ramp([1, 2], 10)], { axis: 0 })).toEqual({ shape: [3, 2], values: [1, 2, 3, 4, 10, 11] });
  });

  it('routes each slice of dy back to its input', () => {
    const a = ramp([1, 2]), b = ramp([1, 3]);
    const dy = Tensor.from([1, 2, 3, 4, 5], [1, 5]);
    const { grads } = grad(() => runOp('concat', [a, b], {}, ref).y, [a, b], dy);
    expect([...grads[0]!.dataSync()]).toEqual([1, 2]);
    expect([...grads[1]!.dataSync()]).toEqual([3, 4, 5]);
  });

  it('names the offending input and the shapes', () => {
    const e = errorOf(() => runOp('concat', [zeros([2, 3, 4]), zeros([2, 3, 5]), zeros([2, 4, 5])], { axis: 2 }, ref));
    expect(e.code).toBe('E_SHAPE');
    expect(e.message).toMatch(/input 2 has shape \[2, 4, 5\].*input 0 \[2, 3, 4\]/);
    expect(errorOf(() => runOp('concat', [zeros([2, 3]), zeros([2, 3, 1])], {}, ref)).code).toBe('E_SHAPE');
    expect(errorOf(() => runOp('concat', [zeros([]), zeros([])], { axis: 0 }, ref)).code).toBe('E_SHAPE');
  });

  it('rejects bad attributes and missing inputs', () => {
    expect(errorOf(() => runOp('concat', [zeros([2, 3]), zeros([2, 3])], { axis: 2 }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('concat', [zeros([2, 3]), zeros([2, 3])], { axis: -3 }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('concat', [zeros([2, 3])], { axis: 0.5 }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('concat', [zeros([2, 3])], { dim: 0 }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('concat', [], {}, ref)).code).toBe('E_ARG');
  });
});

describe('flatten and reshape', () => {
  it('flatten follows ONNX: [prod(d0..axis-1), prod(rest)]', () => {
    const x = ramp([2, 3, 4]);
    expect(run('flatten', [x]).shape).toEqual([2, 12]);
    expect(run('flatten', [x], { axis: 0 }).shape).toEqual([1, 24]);
    expect(run('flatten', [x], { axis: -1 }).shape).toEqual([6, 4]);
    expect(run('flatten', [x], { axis: 3 })).toEqual({ shape: [24, 1], values: [...x.dataSync()] });
  });

  it('reshape resolves 0 and -1 and keeps the element order', () => {
    const x = ramp([2, 3, 4]);
    expect(run('reshape', [x], { shape: [0, -1] })).toEqual({ shape: [2, 12], values: [...x.dataSync()] });
    expect(run('reshape', [x], { shape: [4, 0, -1] }).shape).toEqual([4, 3, 2]);
    expect(run('reshape', [x], { shape: [-1] }).shape).toEqual([24]);
  });

  it('gradients come back in the input shape', () => {
    const x = ramp([2, 3]);
    const dy = Tensor.from([6, 5, 4, 3, 2, 1], [3, 2]);
    const g = grad(() => runOp('reshape', [x], { shape: [3, 2] }, ref).y, [x], dy).grads[0]!;
    expect([...g.shape]).toEqual([2, 3]);
    expect([...g.dataSync()]).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it('rejects sizes that disagree and malformed targets', () => {
    const x = zeros([2, 3, 4]);
    const e = errorOf(() => runOp('reshape', [x], { shape: [5, 5] }, ref));
    expect(e.code).toBe('E_SHAPE');
    expect(e.message).toMatch(/\[2, 3, 4\] has 24 elements.*\[5, 5\]/);
    expect(errorOf(() => runOp('reshape', [x], { shape: [5, -1] }, ref)).code).toBe('E_SHAPE');
    expect(errorOf(() => runOp('reshape', [x], { shape: [2, 3, 4, 0] }, ref)).code).toBe('E_SHAPE'); // no dim 3 to copy
    expect(errorOf(() => runOp('reshape', [zeros([0, 3])], { shape: [0, -1] }, ref)).code).toBe('E_SHAPE'); // -1 ambiguous
    expect(errorOf(() => runOp('reshape', [x], { shape: [-1, -1] }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('reshape', [x], { shape: [-2, -12] }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('reshape', [x], {}, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('flatten', [x], { axis: 4 }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('flatten', [x], { axis: -4 }, ref)).code).toBe('E_ATTR');
  });
});

describe('transpose', () => {
  it('permutes dimensions (default: reversed)', () => {
    const x = ramp([2, 3]);
    expect(run('transpose', [x])).toEqual({ shape: [3, 2], values: [1, 4, 2, 5, 3, 6] });
    // NHWC [1, 1, 2, 3] -> NCHW [1, 3, 1, 2]: channel planes.
    expect(run('transpose', [ramp([1, 1, 2, 3])], { perm: [0, 3, 1, 2] })).toEqual({ shape: [1, 3, 1, 2], values: [1, 4, 2, 5, 3, 6] });
  });

  it('the gradient applies the inverse permutation', () => {
    const x = ramp([2, 3, 4]);
    const dy = ramp([4, 2, 3], 100);
    const g = grad(() => runOp('transpose', [x], { perm: [2, 0, 1] }, ref).y, [x], dy).grads[0]!;
    // dx[i, j, k] = dy[k, i, j]
    const D = dy.dataSync(), G = g.dataSync();
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expect(G[(i * 3 + j) * 4 + k]).toBe(D[(k * 2 + i) * 3 + j]);
  });

  it('rejects perms that are not permutations of the input rank', () => {
    const x = zeros([2, 3, 4]);
    expect(errorOf(() => runOp('transpose', [x], { perm: [0, 0, 1] }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('transpose', [x], { perm: [1, 0] }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('transpose', [x], { perm: [0, 1, 3] }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('transpose', [x], { perm: [-1, 0, 1] }, ref)).code).toBe('E_ATTR');
  });
});

describe('pad', () => {
  const x23 = (): Tensor => Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]); // [[1, 2, 3], [4, 5, 6]]

  it('reflect mirrors without repeating the border', () => {
    // Rows: one before -> row order [1, 0, 1]; columns: two before, one after -> [2, 1, 0, 1, 2, 1].
    expect(run('pad', [x23()], { pads: [1, 2, 0, 1], mode: 'reflect' })).toEqual({
      shape: [3, 6],
      values: [6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5],
    });
  });

  it('edge repeats the border', () => {
    // Rows [0, 0, 1]; columns [0, 0, 0, 1, 2, 2].
    expect(run('pad', [x23()], { pads: [1, 2, 0, 1], mode: 'edge' })).toEqual({
      shape: [3, 6],
      values: [1, 1, 1, 2, 3, 3, 1, 1, 1, 2, 3, 3, 4, 4, 4, 5, 6, 6],
    });
  });

  it('constant fills with value; negative pads crop first', () => {
    // Columns: crop the first, add one after; rows: add one after.
    expect(run('pad', [x23()], { pads: [0, -1, 1, 1], value: 9 })).toEqual({ shape: [3, 3], values: [2, 3, 9, 5, 6, 9, 9, 9, 9] });
    // Crop 1 from the start of [1..5], then reflect 2 at the end of what is left: [2, 3, 4, 5, 4, 3].
    expect(run('pad', [ramp([5])], { pads: [-1, 2], mode: 'reflect' }).values).toEqual([2, 3, 4, 5, 4, 3]);
    // An infinite fill is allowed (padding ahead of a max); NaN is not.
    expect(run('pad', [ramp([2])], { pads: [1, 0], value: -Infinity }).values).toEqual([-Infinity, 1, 2]);
    expect(errorOf(() => runOp('pad', [ramp([2])], { pads: [1, 0], value: Number.NaN }, ref)).code).toBe('E_ATTR');
  });

  it('gradients accumulate into the source cells', () => {
    // edge [1, 2, 3] by (2, 1) -> [1, 1, 1, 2, 3, 3]: x0 read 3 times, x1 once, x2 twice.
    expect(gradOfSum('pad', ramp([3]), { pads: [2, 1], mode: 'edge' })).toEqual([3, 1, 2]);
    // reflect [1, 2, 3, 4] by (2, 1) -> [3, 2, 1, 2, 3, 4, 3].
    expect(gradOfSum('pad', ramp([4]), { pads: [2, 1], mode: 'reflect' })).toEqual([1, 2, 3, 1]);
    // constant: fill cells carry no gradient; cropped cells get none.
    expect(gradOfSum('pad', ramp([4]), { pads: [-1, 2] })).toEqual([0, 1, 1, 1]);
  });

  it('rejects bad pads and modes', () => {
    const x = zeros([1, 3, 3, 2]);
    const reflect = errorOf(() => runOp('pad', [x], { pads: [0, 3, 0, 0, 0, 0, 0, 0], mode: 'reflect' }, ref));
    expect(reflect.code).toBe('E_SHAPE');
    expect(reflect.message).toMatch(/reflect padding of 3 on axis 1 must be smaller than .* 3/);
    expect(errorOf(() => runOp('pad', [x], { pads: [0, 1, 0, 0, 0, 0, 0], mode: 'reflect' }, ref)).code).toBe('E_ATTR'); // odd count
    expect(errorOf(() => runOp('pad', [x], { pads: [1, 1, 1, 1] }, ref)).code).toBe('E_ATTR'); // rank 2's pads on rank 4
    expect(errorOf(() => runOp('pad', [x], { pads: [0, -2, 0, 0, 0, -2, 0, 0] }, ref)).code).toBe('E_SHAPE'); // crops 4 of 3
    expect(errorOf(() => runOp('pad', [x], { pads: [0, -3, 0, 0, 0, 1, 0, 0], mode: 'edge' }, ref)).code).toBe('E_SHAPE');
    expect(errorOf(() => runOp('pad', [ramp([1])], { pads: [1, 0], mode: 'reflect' }, ref)).code).toBe('E_SHAPE');
    expect(errorOf(() => runOp('pad', [x], { pads: [0, 1, 0, 0, 0, 1, 0, 0], mode: 'wrap' }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('pad', [x], { pads: [0, 1, 0, 0, 0, 1, 0, 0], mode: 'edge', value: 2 }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('pad', [x], { pads: [0, 1.5, 0, 0, 0, 1, 0, 0] }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('pad', [x], {}, ref)).code).toBe('E_ATTR');
  });
});

describe('resize2d', () => {
  const img = (): Tensor => Tensor.from([1, 2, 3, 4], [1, 2, 2, 1]); // [[1, 2], [3, 4]]

  it('nearest x2, asymmetric + floor (Keras UpSampling2D) repeats each pixel 2x2', () => {
    const attrs = { scale: [2, 2], mode: 'nearest', coordinateTransform: 'asymmetric', nearestMode: 'floor' };
    expect(run('resize2d', [img()], attrs)).toEqual({ shape: [1, 4, 4, 1], values: [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4] });
    // Source coordinates o / 2 = 0, 0.5, 1, 1.5: round_prefer_ceil moves the halves up (clamped to 1).
    expect(run('resize2d', [img()], { ...attrs, nearestMode: 'round_prefer_ceil' }).values.slice(0, 4)).toEqual([1, 2, 2, 2]);
    // Every input pixel feeds four outputs.
    expect(gradOfSum('resize2d', img(), attrs)).toEqual([4, 4, 4, 4]);
  });

  it('bilinear x2, half_pixel, on a 2x2 image clamps at the borders', () => {
    // Source coordinates (o + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to [0, 1]: 0, .25, .75, 1.
    // The image is the plane v(r, c) = 1 + 2r + c, which bilinear sampling reproduces exactly.
    const t = [0, 0.25, 0.75, 1];
    const expected = t.flatMap((r) => t.map((c) => 1 + 2 * r + c));
    const y = run('resize2d', [img()], { scale: [2, 2], mode: 'bilinear' });
    expect(y.shape).toEqual([1, 4, 4, 1]);
    expect(y.values).toEqual(expected); // [1, 1.25, 1.75, 2, 1.5, ...]
    // By symmetry the 16 unit weights split evenly over the four pixels.
    expect(gradOfSum('resize2d', img(), { scale: [2, 2], mode: 'bilinear' })).toEqual([4, 4, 4, 4]);
  });

  it('align_corners maps the corners onto each other', () => {
    // 2x2 -> 3x3: coordinates o * (2 - 1) / (3 - 1) = 0, 0.5, 1.
    const t = [0, 0.5, 1];
    expect(run('resize2d', [img()], { size: [3, 3], mode: 'bilinear', coordinateTransform: 'align_corners' }).values).toEqual(t.flatMap((r) => t.map((c) => 1 + 2 * r + c)));
    // 1x3 -> 1x5: coordinates 0, .5, 1, 1.5, 2 over [0, 10, 20].
    const row = Tensor.from([0, 10, 20], [1, 1, 3, 1]);
    expect(run('resize2d', [row], { size: [1, 5], mode: 'bilinear', coordinateTransform: 'align_corners' }).values).toEqual([0, 5, 10, 15, 20]);
    expect(run('resize2d', [row], { size: [1, 5], mode: 'nearest', coordinateTransform: 'align_corners' }).values).toEqual([0, 0, 10, 10, 20]);
  });

  it('downsamples with the given scale (ONNX: output floor(in * scale), coordinates use the scale)', () => {
    // 1x4 -> 1x2 half_pixel: coordinates 0.5 and 2.5, the midpoints of each pair.
    expect(run('resize2d', [ramp([1, 1, 4, 1])], { size: [1, 2], mode: 'bilinear' }).values).toEqual([1.5, 3.5]);
    // Width 4 at scale 0.6 -> floor(2.4) = 2 columns at (o + 0.5) / 0.6 - 0.5 = 1/3 and 2.
    const y = run('resize2d', [ramp([1, 1, 4, 1])], { scale: [1, 0.6], mode: 'bilinear' });
    expect(y.shape).toEqual([1, 1, 2, 1]);
    expect(y.values[0]).toBeCloseTo(1 + 1 / 3, 6);
    expect(y.values[1]).toBeCloseTo(3, 6);
  });

  it('matches the published ONNX Resize test data for a fractional scale', () => {
    // onnx node tests test_resize_downsample_scales_linear{,_align_corners}: a 2x4 ramp at scale
    // 0.6 (float32). align_corners uses the fractional resized length 4 * 0.6 = 2.4, not 2.
    const x = ramp([1, 2, 4, 1]);
    const s = Math.fround(0.6);
    const half = run('resize2d', [x], { scale: [s, s], mode: 'bilinear' });
    expect(half.shape).toEqual([1, 1, 2, 1]);
    half.values.forEach((v, i) => expect(v).toBeCloseTo([2.6666665, 4.3333330][i]!, 5));
    const corners = run('resize2d', [x], { scale: [s, s], mode: 'bilinear', coordinateTransform: 'align_corners' });
    corners.values.forEach((v, i) => expect(v).toBeCloseTo([1, 3.142857][i]!, 5));
    expect(run('resize2d', [x], { scale: [s, s], mode: 'nearest' }).values).toEqual([1, 3]);
  });

  it('rejects bad attributes and shapes', () => {
    const x = zeros([1, 4, 4, 2]);
    expect(errorOf(() => runOp('resize2d', [x], { size: [8, 8], scale: [2, 2] }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('resize2d', [x], { mode: 'bilinear' }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('resize2d', [x], { scale: [2, -1] }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('resize2d', [x], { scale: [2, Number.NaN] }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('resize2d', [x], { size: [0, 4] }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('resize2d', [x], { size: [8, 8], mode: 'cubic' }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('resize2d', [x], { size: [8, 8], coordinateTransform: 'tf_half_pixel_for_nn' }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('resize2d', [x], { size: [8, 8], nearestMode: 'round' }, ref)).code).toBe('E_ATTR');
    expect(errorOf(() => runOp('resize2d', [zeros([4, 4, 2])], { size: [8, 8] }, ref)).code).toBe('E_SHAPE');
    expect(errorOf(() => runOp('resize2d', [x], { scale: [0.2, 1] }, ref)).code).toBe('E_SHAPE'); // floor(0.8) = 0 rows
    expect(errorOf(() => runOp('resize2d', [zeros([1, 0, 4, 2])], { size: [2, 2] }, ref)).code).toBe('E_SHAPE');
  });
});

describe('op definitions', () => {
  it('attrs() is idempotent on its own output', () => {
    const raw: [string, Record<string, unknown>][] = [
      ['concat', {}], ['flatten', { axis: -1 }], ['reshape', { shape: [0, -1] }], ['transpose', {}], ['transpose', { perm: [1, 0] }],
      ['pad', { pads: [1, 2], mode: 'reflect' }], ['resize2d', { scale: 2, mode: 'bilinear' }], ['resize2d', { size: [3, 4] }],
    ];
    for (const [name, attrs] of raw) {
      const op = getOp(name);
      const once = op.attrs(attrs);
      expect(op.attrs(once as Record<string, unknown>), name).toEqual(once);
    }
  });

  it('costs count the bytes moved and bilinear arithmetic', () => {
    const concat = getOp('concat');
    expect(concat.cost([[2, 3], [2, 5]], concat.attrs({}), [2, 8])).toEqual({ flops: 0, bytes: (6 + 10 + 16) * 4 });
    const resize = getOp('resize2d');
    const a = resize.attrs({ scale: [2, 2], mode: 'bilinear' });
    const y = resize.outputShape([[1, 2, 3, 4]], a);
    expect(y).toEqual([1, 4, 6, 4]);
    expect(resize.cost([[1, 2, 3, 4]], a, y)).toEqual({ flops: 96 * 9, bytes: (24 + 96) * 4 });
  });
});
