import { TinyconvError } from '../core/errors.js';
import { Rng } from '../core/random.js';
import { sizeOf, type Shape } from '../core/shape.js';

/**
 * Weight initializers with Keras names, defaults and fan rules. Each draws from a seeded Rng: the
 * configured seed, or one derived from the weight's name, so a model built twice starts the same.
 */
export interface Initializer {
  /** Keras class name ("GlorotUniform"...). */
  readonly className: string;
  /** Keras config, complete with defaults. */
  readonly config: Readonly<Record<string, unknown>>;
  sample(shape: Shape, fallbackSeed: number): Float32Array;
}

const VS_KEYS = ['scale', 'mode', 'distribution'] as const;

type Distribution = 'truncated_normal' | 'untruncated_normal' | 'uniform';
type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';

/** Keras' fans: dense [in, out]; conv kernels [..., in, out] times the receptive field. */
export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  const receptive = sizeOf(shape.slice(0, -2));
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}

/** Standard deviation of a unit normal truncated to [-2, 2]: rescales truncated draws to the target. */
const TRUNCATED_STD = 0.8796256610342398;

function truncatedNormal(rng: Rng, mean: number, std: number): number {
  for (;;) {
    const z = rng.normal();
    if (z >= -2 && z <= 2) return mean + std * z;
  }
}

function seedOf(config: Record<string, unknown>, fallback: number): number {
  const s = config.seed;
  return typeof s === 'number' && Number.isInteger(s) ? s >>> 0 : fallback;
}

function fill(shape: Shape, f: () => number): Float32Array {
  const out = new Float32Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = f();
  return out;
}

function varianceScaling(className: string, config: Record<string, unknown>): Initializer {
  const scale = config.scale as number, mode = config.mode as FanMode, dist = config.distribution as Distribution;
  return {
    className,
    config,
    sample(shape, fallback) {
      const { fanIn, fanOut } = fans(shape);
      const n = Math.max(1, mode === 'fan_in' ? fanIn : mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2);
      const rng = new Rng(seedOf(config, fallback));
      if (dist === 'uniform') {
        const limit = Math.sqrt((3 * scale) / n);
        return fill(shape, () => rng.uniform(-limit, limit));
      }
      const std = Math.sqrt(scale / n);
      return dist === 'truncated_normal' ? fill(shape, () => truncatedNormal(rng, 0, std / TRUNCATED_STD)) : fill(shape, () => std * rng.normal());
    },
  };
}

interface Preset {
  defaults: Record<string, unknown>;
  make(className: string, config: Record<string, unknown>): Initializer;
}

const vs = (scale: number, mode: FanMode, distribution: Distribution): Preset => ({
  defaults: { seed: null, scale, mode, distribution },
  make: varianceScaling,
});

const PRESETS: Record<string, Preset> = {
  Zeros: { defaults: {}, make: (className, config) => ({ className, config, sample: (shape) => new Float32Array(sizeOf(shape)) }) },
  Ones: { defaults: {}, make: (className, config) => ({ className, config, sample: (shape) => new Float32Array(sizeOf(shape)).fill(1) }) },
  Constant: {
    defaults: { value: 0 },
    make: (className, config) => ({ className, config, sample: (shape) => new Float32Array(sizeOf(shape)).fill(config.value as number) }),
  },
  RandomNormal: {
    defaults: { mean: 0, stddev: 0.05, seed: null },
    make: (className, config) => ({
      className,
      config,
      sample(shape, fallback) {
        const rng = new Rng(seedOf(config, fallback));
        return fill(shape, () => (config.mean as number) + (config.stddev as number) * rng.normal());
      },
    }),
  },
  TruncatedNormal: {
    defaults: { mean: 0, stddev: 0.05, seed: null },
    make: (className, config) => ({
      className,
      config,
      sample(shape, fallback) {
        const rng = new Rng(seedOf(config, fallback));
        return fill(shape, () => truncatedNormal(rng, config.mean as number, config.stddev as number));
      },
    }),
  },
  RandomUniform: {
    defaults: { minval: -0.05, maxval: 0.05, seed: null },
    make: (className, config) => ({
      className,
      config,
      sample(shape, fallback) {
        const rng = new Rng(seedOf(config, fallback));
        return fill(shape, () => rng.uniform(config.minval as number, config.maxval as number));
      },
    }),
  },
  VarianceScaling: vs(1, 'fan_in', 'truncated_normal'),
  GlorotUniform: vs(1, 'fan_avg', 'uniform'),
  GlorotNormal: vs(1, 'fan_avg', 'truncated_normal'),
  HeUniform: vs(2, 'fan_in', 'uniform'),
  HeNormal: vs(2, 'fan_in', 'truncated_normal'),
  LecunUniform: vs(1, 'fan_in', 'uniform'),
  LecunNormal: vs(1, 'fan_in', 'truncated_normal'),
};

export const SUPPORTED_INITIALIZERS: readonly string[] = Object.keys(PRESETS);

/** "glorot_uniform" -> "GlorotUniform"; class names pass through. */
function className(name: string): string {
  if (PRESETS[name]) return name;
  const camel = name.split('_').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
  return camel === 'Zero' ? 'Zeros' : camel === 'One' ? 'Ones' : camel;
}

/**
 * Reads an initializer setting: a name ("he_normal"), or a serialized object {class_name, config}
 * (Keras 3 adds module and registered_name, which are ignored). `where` names the layer.
 */
export function readInitializer(value: unknown, def: string, where: string, attr: string): Initializer {
  const fail = (why: string): never => {
    throw new TinyconvError('E_ATTR', `${where}: attribute ${attr} ${why}, got ${JSON.stringify(value)}`, { attr, value });
  };
  let name: string;
  let given: Record<string, unknown> = {};
  if (value === undefined || value === null) name = def;
  else if (typeof value === 'string') name = value;
  else if (typeof value === 'object' && !Array.isArray(value) && typeof (value as { class_name?: unknown }).class_name === 'string') {
    name = (value as { class_name: string }).class_name;
    const c = (value as { config?: unknown }).config ?? {};
    if (typeof c !== 'object' || c === null || Array.isArray(c)) fail('must have an object config');
    given = c as Record<string, unknown>;
  } else return fail('must be an initializer name or {class_name, config}');
  const cls = className(name);
  const preset = PRESETS[cls];
  if (!preset) {
    throw new TinyconvError('E_UNSUPPORTED', `${where}: initializer "${name}" (attribute ${attr}) is not supported; supported: ${SUPPORTED_INITIALIZERS.join(', ')}`, { attr, value });
  }
  const config: Record<string, unknown> = { ...preset.defaults };
  for (const [k, v] of Object.entries(given)) {
    if (!(k in preset.defaults)) fail(`(${cls}) has an unknown config key "${k}"; known: ${Object.keys(preset.defaults).join(', ') || 'none'}`);
    if (v !== null && v !== undefined) config[k] = v;
  }
  checkInitConfig(cls, config, fail);
  // A preset whose variance settings were changed is a plain VarianceScaling (TF.js writes them out).
  const isPreset = cls !== 'VarianceScaling' && 'scale' in preset.defaults;
  const changed = isPreset && VS_KEYS.some((k) => config[k] !== preset.defaults[k]);
  return preset.make(changed ? 'VarianceScaling' : cls, Object.freeze(config));
}

function checkInitConfig(cls: string, c: Record<string, unknown>, fail: (why: string) => never): void {
  const finite = (k: string, min = -Infinity): void => {
    if (typeof c[k] !== 'number' || !Number.isFinite(c[k]) || (c[k] as number) < min) fail(`(${cls}) needs ${k} to be a finite number${min > -Infinity ? ` >= ${min}` : ''}`);
  };
  if ('seed' in c && c.seed !== null && !Number.isInteger(c.seed)) fail(`(${cls}) needs seed to be an integer or null`);
  if ('value' in c) finite('value');
  if ('mean' in c) finite('mean');
  if ('stddev' in c) finite('stddev', 0);
  if ('minval' in c) {
    finite('minval');
    finite('maxval');
    if ((c.minval as number) > (c.maxval as number)) fail(`(${cls}) needs minval <= maxval`);
  }
  if ('scale' in c) {
    finite('scale');
    if ((c.scale as number) <= 0) fail(`(${cls}) needs scale > 0`);
    if (!['fan_in', 'fan_out', 'fan_avg'].includes(c.mode as string)) fail(`(${cls}) needs mode fan_in, fan_out or fan_avg`);
    // Keras 2 wrote "normal" for what is now "truncated_normal".
    if (c.distribution === 'normal') c.distribution = 'truncated_normal';
    if (!['truncated_normal', 'untruncated_normal', 'uniform'].includes(c.distribution as string)) {
      fail(`(${cls}) needs distribution truncated_normal, untruncated_normal or uniform`);
    }
  }
}

/** The Keras serialized form, as written into layer configs. */
export function serializeInitializer(init: Initializer): { class_name: string; config: Record<string, unknown> } {
  // Presets of VarianceScaling serialize like Keras: only their seed.
  const keep = (k: string): boolean => init.className === 'VarianceScaling' || !(VS_KEYS as readonly string[]).includes(k);
  return { class_name: init.className, config: Object.fromEntries(Object.entries(init.config).filter(([k]) => keep(k))) };
}
