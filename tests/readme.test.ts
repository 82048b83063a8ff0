import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Conv2D, Dense, Flatten, MaxPooling2D, Sequential, Tensor, grad, loadModel, saveModel } from '../src/index.js';

/** The README's quick start, as written there, so the README stays true. */
it('the README quick start runs and gives what it says', async () => {
  const model = new Sequential({
    layers: [
      new Conv2D({ filters: 32, kernel_size: 3, activation: 'relu', input_shape: [28, 28, 1] }),
      new MaxPooling2D({ pool_size: 2 }),
      new Flatten(),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
  });
  // 32*9+32 conv params, 13*13*32*10+10 dense params.
  expect(model.summary()).toMatch(/Total params: 54,410/);
  const x = Tensor.from(new Float32Array(28 * 28).map((_, i) => (i % 7) / 7), [1, 28, 28, 1]);
  const probs = await model.predict(x).data();
  expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  const { grads } = grad(() => model.forward(x), [x]);
  expect(grads[0]!.shape).toEqual([1, 28, 28, 1]);
  const file = join(mkdtempSync(join(tmpdir(), 'tinyconv-readme-')), 'mnist.tcm');
  await saveModel(model, file, { quantize: 'float16' });
  const again = await loadModel(file);
  const p2 = await again.predict(x).data();
  p2.forEach((p, i) => expect(Math.abs(p - probs[i]!)).toBeLessThan(2e-3));
});
