import { describe, expect, it } from 'vitest';
import { fans, readInitializer, serializeInitializer } from '../../src/model/initializers.js';
import { Conv2D, Dense, Input, Model } from '../../src/model/index.js';
import { thrown } from './helpers.js';

function stats(a: Float32Array): { mean: number; std: number; min: number; max: number } {
  let s = 0, ss = 0, min = Infinity, max = -Infinity;
  for (const v of a) (s += v), (ss += v * v), (min = Math.min(min, v)), (max = Math.max(max, v));
  const mean = s / a.length;
  return { mean, std: Math.sqrt(ss / a.length - mean * mean), min, max };
}

const read = (v: unknown, def = 'zeros') => readInitializer(v, def, 'layer t (Test)', 'kernel_initializer');

describe('initializers (Keras definitions)', () => {
  it('fans: dense [in, out]; conv kernels times the receptive field', () => {
    expect(fans([30, 20])).toEqual({ fanIn: 30, fanOut: 20 });
    expect(fans([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 288 });
    expect(fans([7])).toEqual({ fanIn: 7, fanOut: 7 });
  });

  it('glorot_uniform: U(-l, l) with l = sqrt(6 / (fan_in + fan_out))', () => {
    const limit = Math.sqrt(6 / (144 + 288));
    const s = stats(read('glorot_uniform').sample([3, 3, 16, 32], 1));
    expect(s.max).toBeLessThanOrEqual(limit);
    expect(s.min).toBeGreaterThanOrEqual(-limit);
    expect(s.max).toBeGreaterThan(0.99 * limit);
    expect(s.std).toBeCloseTo(limit / Math.sqrt(3), 3);
  });

  it('he_normal: truncated normal with standard deviation sqrt(2 / fan_in), cut at 2 sigma of the untruncated one', () => {
    const target = Math.sqrt(2 / 200);
    const s = stats(read({ class_name: 'HeNormal', config: { seed: 5 } }).sample([200, 300], 0));
    expect(s.std / target).toBeGreaterThan(0.98);
    expect(s.std / target).toBeLessThan(1.02);
    expect(Math.max(-s.min, s.max)).toBeLessThanOrEqual((2 * target) / 0.8796256610342398 + 1e-6);
    expect(Math.abs(s.mean)).toBeLessThan(0.05 * target);
  });

  it('constants and distributions with their Keras defaults', () => {
    expect(Array.from(read('ones').sample([3], 0))).toEqual([1, 1, 1]);
    expect(Array.from(read({ class_name: 'Constant', config: { value: 0.25 } }).sample([2], 0))).toEqual([0.25, 0.25]);
    const u = stats(read('random_uniform').sample([10000], 3));
    expect(u.min).toBeGreaterThanOrEqual(-0.05);
    expect(u.max).toBeLessThanOrEqual(0.05);
    expect(stats(read('random_normal').sample([20000], 3)).std).toBeCloseTo(0.05, 3);
  });

  it('seeded: the config seed wins, otherwise the weight name decides', () => {
    const a = read({ class_name: 'GlorotUniform', config: { seed: 42 } });
    expect(a.sample([4, 4], 1)).toEqual(a.sample([4, 4], 2));
    expect(read('glorot_uniform').sample([4, 4], 1)).not.toEqual(read('glorot_uniform').sample([4, 4], 2));
    const build = (): Float32Array => {
      const x = Input({ shape: [3] });
      return new Model({ inputs: x, outputs: new Dense({ name: 'fixed', units: 2 }).apply(x) }).weights[0]!.read();
    };
    expect(build()).toEqual(build());
  });

  it('serialization: presets as Keras writes them; VarianceScaling in full; Keras 3 wrappers read', () => {
    expect(serializeInitializer(read('he_uniform'))).toEqual({ class_name: 'HeUniform', config: { seed: null } });
    const k3 = read({ module: 'keras.initializers', class_name: 'VarianceScaling', config: { scale: 2, mode: 'fan_out', distribution: 'normal', seed: null }, registered_name: null });
    expect(serializeInitializer(k3)).toEqual({ class_name: 'VarianceScaling', config: { seed: null, scale: 2, mode: 'fan_out', distribution: 'truncated_normal' } });
    // TF.js writes presets with their variance settings; changed settings make a VarianceScaling.
    expect(read({ class_name: 'GlorotUniform', config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null } }).className).toBe('GlorotUniform');
    expect(read({ class_name: 'GlorotUniform', config: { scale: 3, mode: 'fan_avg', distribution: 'uniform', seed: null } }).className).toBe('VarianceScaling');
  });

  it('bad settings: E_ATTR / E_UNSUPPORTED naming the layer', () => {
    expect(thrown(() => read('orthogonal'))).toMatchObject({ code: 'E_UNSUPPORTED', message: expect.stringContaining('layer t (Test): initializer "orthogonal"') });
    expect(thrown(() => read({ class_name: 'RandomUniform', config: { minval: 1, maxval: 0 } })).code).toBe('E_ATTR');
    expect(thrown(() => read({ class_name: 'VarianceScaling', config: { mode: 'fan_mid' } })).code).toBe('E_ATTR');
    expect(thrown(() => read(7)).code).toBe('E_ATTR');
    expect(thrown(() => new Conv2D({ name: 'k', filters: 1, kernel_size: 1, bias_initializer: { class_name: 'Constant', config: { value: 'x' } } })).message).toContain('layer k (Conv2D)');
  });
});
