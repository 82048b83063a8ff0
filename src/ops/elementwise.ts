import { defineOp, type KernelRunner, type OpDef } from '../core/op.js';
import { broadcastShapes, shapesEqual, sizeOf, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { AttrReader } from './attrs.js';

/**
 * Binary element-wise ops with NumPy broadcasting. Their gradients sum dy over the broadcast
 * dimensions with the reduce_sum_to kernel (dy, {shape}) -> tensor of that shape.
 */
function reduceTo(k: KernelRunner, g: Tensor, shape: Shape): Tensor {
  return shapesEqual(g.shape, shape) ? g : k.run1('reduce_sum_to', [g], { shape: [...shape] });
}

function binary(name: 'add' | 'mul', backward: OpDef['backward']): OpDef<Record<string, never>> {
  return defineOp<Record<string, never>>({
    name,
    inputs: ['a', 'b'],
    kernels: { forward: [name], backward: name === 'add' ? ['reduce_sum_to'] : ['mul', 'reduce_sum_to'] },
    attrs(raw) {
      new AttrReader(name, raw).done();
      return {};
    },
    outputShape: ([a, b]) => broadcastShapes(a!, b!),
    cost: (_, __, y) => ({ flops: sizeOf(y), bytes: sizeOf(y) * 12 }),
    backward,
  });
}

export const add = binary('add', (k, { dy, inputs, needs }) => [
  needs[0] ? reduceTo(k, dy, inputs[0]!.shape) : null,
  needs[1] ? reduceTo(k, dy, inputs[1]!.shape) : null,
]);

export const mul = binary('mul', (k, { dy, inputs, needs }) => {
  const [a, b] = inputs as Tensor[];
  return [
    needs[0] ? reduceTo(k, k.run1('mul', [dy, b!]), a!.shape) : null,
    needs[1] ? reduceTo(k, k.run1('mul', [dy, a!]), b!.shape) : null,
  ];
});
