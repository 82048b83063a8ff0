import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/core/random.js';
import type { Model } from '../../src/model/model.js';

/** The parsed JSON of tests/fixtures/keras/<name>.json. */
export function kerasFixture(name: string): unknown {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/keras/${name}.json`, import.meta.url)), 'utf8'));
}

/** Deterministic normal values. */
export function randn(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

/**
 * Gives every weight seeded random values (variances positive), so tests never rely on
 * initializer outputs such as zero biases that would hide a wrong wiring.
 */
export function randomizeWeights(model: Model, seed = 7): void {
  const rng = new Rng(seed);
  model.setWeights(
    model.weights.map((v) => ({
      shape: v.shape,
      data: Float32Array.from({ length: v.size }, () => (v.weightName === 'moving_variance' ? rng.uniform(0.5, 1.5) : 0.5 * rng.normal())),
    })),
  );
}

/** Runs f and returns the TinyconvError it throws (fails when it does not throw). */
export function thrown(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected an error');
}
