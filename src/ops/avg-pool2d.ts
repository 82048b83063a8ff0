import { defineOp } from '../core/op.js';
import { AttrReader } from './attrs.js';
import { poolWindow, pooledShape, readPoolAttrs, windowCost, type AvgPoolWindow, type PoolAttrs } from './pool-window.js';

export interface AvgPoolAttrs extends PoolAttrs {
  /** false (Keras, TF, ONNX default): divide by the input cells in the window; true: count explicit padding too. */
  countIncludePad: boolean;
}

/** Reads the average pool's attributes for `op` (avg_pool2d, and mixed_pool2d which adds alpha). */
export function readAvgPoolAttrs(r: AttrReader): AvgPoolAttrs {
  return { ...readPoolAttrs(r), countIncludePad: r.bool('countIncludePad', false) };
}

/** The kernel attributes of an average pool over input shape `x`. */
export function avgPoolWindow(op: string, x: readonly number[] | undefined, a: AvgPoolAttrs): AvgPoolWindow {
  return { ...poolWindow(op, x, a), countIncludePad: a.countIncludePad };
}

/**
 * Average pooling over NHWC windows. Dilations are accepted as in ONNX AveragePool (opset 19).
 *
 * Kernels, with the resolved AvgPoolWindow as attributes:
 *   avg_pool2d (x) -> y;  avg_pool2d_grad (dy) -> dx [N, inH, inW, C].
 */
export const avgPool2d = defineOp<AvgPoolAttrs>({
  name: 'avg_pool2d',
  inputs: ['x'],
  kernels: { forward: ['avg_pool2d'], backward: ['avg_pool2d_grad'] },
  attrs(raw) {
    const r = new AttrReader('avg_pool2d', raw);
    const a = readAvgPoolAttrs(r);
    r.done();
    return a;
  },
  outputShape: ([x], a) => pooledShape(x!, poolWindow('avg_pool2d', x, a)),
  cost([x], a, y) {
    const c = windowCost(x!, y, poolWindow('avg_pool2d', x, a));
    // One add per tap and one division per output.
    return { flops: c.taps + c.outBytes / 4, bytes: c.inBytes + c.outBytes };
  },
  forward: (k, [x], a) => ({ y: k.run1('avg_pool2d', [x!], avgPoolWindow('avg_pool2d', x!.shape, a)) }),
  backward: (k, { dy, inputs, attrs }) => [k.run1('avg_pool2d_grad', [dy], avgPoolWindow('avg_pool2d', inputs[0]!.shape, attrs))],
});
