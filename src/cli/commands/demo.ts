import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TinyconvError, loadModel, saveModel, type Backend, type Model } from '../../index.js';
import { backendChoice, backendHelp, DEFAULT_BACKEND } from '../backends.js';
import type { Command } from '../command.js';
import { mnistConvnet } from '../demo-model.js';
import { stringOption } from '../options.js';
import { ms, num } from '../stats.js';

export const NOT_YET =
  'The full demo (classifying and detecting objects in bundled images) needs pretrained models,\n' +
  'which are not shipped yet. Until they are, this demo runs what exists today, end to end.';

export const demo: Command = {
  name: 'demo',
  summary: 'Build, run, save and reload a convnet, end to end',
  description: `${NOT_YET}\nIt builds the Keras-book MNIST convnet (untrained), prints its summary, runs it on a random image and checks that a saved and reloaded copy predicts exactly the same.`,
  options: {
    backend: { type: 'string', short: 'b', default: DEFAULT_BACKEND, valueName: 'name', description: backendHelp() },
  },
  examples: ['tinyconv demo'],
  async run({ options }, { io }) {
    const choice = backendChoice(stringOption(options, 'backend') ?? DEFAULT_BACKEND);
    io.out(`${NOT_YET}\n\n`);

    io.out('1. The MNIST convnet of "Deep Learning with Python", built with the Sequential API.\n');
    io.out('   Its weights are the initial ones (Glorot uniform), so its scores mean nothing yet.\n\n');
    const model = mnistConvnet();
    io.out(`${model.summary()}\n\n`);

    const backend = await choice.create();
    const image = randomImage(28, 28, 1, 0x5eed);
    io.out(`2. Forward pass on one random 28x28x1 image (values in [0, 1)), backend ${backend.name}:\n`);
    const t0 = performance.now();
    const scores = await predict(model, backend, image);
    const t1 = performance.now();
    await predict(model, backend, image);
    const t2 = performance.now();
    const top = scores.reduce((best, v, i) => (v > scores[best]! ? i : best), 0);
    const sum = scores.reduce((a, v) => a + v, 0);
    io.out(`   output shape [1, ${scores.length}]; ${ms(t1 - t0)} the first time (which draws the initial weights), ${ms(t2 - t1)} the second\n`);
    io.out(`   softmax scores sum to ${num(sum)}; the highest is class ${top} (${num(scores[top]!)})\n\n`);

    const dir = await mkdtemp(join(tmpdir(), 'tinyconv-demo-'));
    try {
      const file = join(dir, 'mnist_convnet.tcm');
      const saved = await saveModel(model, file);
      const again = await loadModel(file);
      const back = await predict(again, backend, image);
      const same = back.length === scores.length && back.every((v, i) => Object.is(v, scores[i]));
      io.out(`3. Saved to ${file} (${saved.bytes.toLocaleString('en-US')} bytes, a temporary file) and loaded back:\n`);
      if (!same) {
        throw new TinyconvError('E_VALUE', `the reloaded model predicts [${Array.from(back, num).join(', ')}], the original [${Array.from(scores, num).join(', ')}]`);
      }
      io.out(`   ${again.countParams().toLocaleString('en-US')} parameters; all ${back.length} output values are bit-for-bit identical.\n\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    io.out("Next: 'tinyconv summary <model>' for any tinyconv, Keras or TF.js model, and\n'tinyconv run <model> --input x.npy' to run one on your data.\n");
    return 0;
  },
};

async function predict(model: Model, backend: Backend, image: Float32Array): Promise<Float32Array> {
  const x = backend.upload(image, [1, 28, 28, 1]);
  const y = model.predict(x, { backend });
  const values = await y.data();
  x.dispose();
  y.dispose();
  return values;
}

/** Pixels in [0, 1) from a 32-bit linear congruential generator: the same image on every run. */
function randomImage(h: number, w: number, c: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: h * w * c }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  });
}
