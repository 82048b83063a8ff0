import { describe, expect, it } from 'vitest';
import { runOp } from '../../src/core/engine.js';
import { prepareAttrs } from '../../src/core/op.js';
import { Tensor, hostBackendOf } from '../../src/core/tensor.js';
import { getOp } from '../../src/ops/registry.js';
import { Conv2D, MaxPooling2D, Sequential } from '../../src/model/index.js';

const ref = hostBackendOf();
const ramp = (shape: number[]) => Tensor.from(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => ((i * 7) % 11) / 11 - 0.4), shape);

describe('prepared attributes and per-call memos', () => {
  it('prepareAttrs validates, freezes, and attrs() hands the result back as it is', () => {
    const conv = getOp('conv2d');
    const a = prepareAttrs(conv, { strides: 2, padding: 'same' });
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.strides)).toBe(true);
    expect(a.strides).toEqual([2, 2]);
    expect(conv.attrs(a)).toBe(a);
    // A plain object with the same content is read again (a new object).
    expect(conv.attrs({ ...a })).not.toBe(a);
    expect(() => prepareAttrs(conv, { strides: 0 })).toThrow(/E_ATTR.*conv2d: attribute strides/);
  });

  it("another op reads a prepared object as raw attributes and rejects what it does not know", () => {
    const a = prepareAttrs(getOp('conv2d'), {});
    expect(() => getOp('max_pool2d').attrs(a)).toThrow(/E_ATTR/);
  });

  it('conv2d with one attrs object over several input sizes: right shapes, and a misfit still fails', () => {
    const a = prepareAttrs(getOp('conv2d'), { padding: 'valid' });
    const w = ramp([3, 3, 2, 4]);
    expect(runOp('conv2d', [ramp([1, 5, 5, 2]), w], a, ref).y.shape).toEqual([1, 3, 3, 4]);
    expect(runOp('conv2d', [ramp([2, 6, 4, 2]), w], a, ref).y.shape).toEqual([2, 4, 2, 4]);
    expect(() => runOp('conv2d', [ramp([1, 2, 5, 2]), w], a, ref)).toThrow(/E_SHAPE.*conv2d: x \[1, 2, 5, 2\] with w \[3, 3, 2, 4\].*window height/);
    expect(() => runOp('conv2d', [ramp([1, 5, 5, 3]), w], a, ref)).toThrow(/E_SHAPE/);
    // Same x and w values as the first call, fresh attrs: the same result.
    const x = ramp([1, 5, 5, 2]);
    expect([...runOp('conv2d', [x, w], a, ref).y.dataSync()]).toEqual([...runOp('conv2d', [x, w], { padding: 'valid' }, ref).y.dataSync()]);
  });

  it('max_pool2d with one attrs object over several input sizes', () => {
    const a = prepareAttrs(getOp('max_pool2d'), { poolSize: [2, 2], strides: [2, 2] });
    expect(runOp('max_pool2d', [ramp([1, 4, 4, 1])], a, ref).y.shape).toEqual([1, 2, 2, 1]);
    expect(runOp('max_pool2d', [ramp([1, 6, 8, 3])], a, ref).y.shape).toEqual([1, 3, 4, 3]);
    expect(() => runOp('max_pool2d', [ramp([1, 1, 4, 1])], a, ref)).toThrow(/E_SHAPE.*max_pool2d/);
  });

  it('a model predicts on new batch sizes and image sizes after its layers cached their shapes', () => {
    const m = new Sequential({ layers: [new Conv2D({ filters: 3, kernel_size: 3, input_shape: [null, null, 1] }), new MaxPooling2D({ pool_size: 2 })] });
    expect(m.predict(ramp([1, 8, 8, 1])).shape).toEqual([1, 3, 3, 3]);
    expect(m.predict(ramp([2, 8, 8, 1])).shape).toEqual([2, 3, 3, 3]);
    expect(m.predict(ramp([1, 10, 6, 1])).shape).toEqual([1, 4, 2, 3]);
    expect(() => m.predict(ramp([1, 2, 8, 1]))).toThrow(/E_SHAPE/);
  });
});
