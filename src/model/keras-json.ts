import { TinyconvError, check } from '../core/errors.js';
import type { GraphJSON, LayerJSON } from '../io/artifacts.js';
import { canonicalClassName, supportedLayers } from './layers/index.js';

/**
 * Reads Keras model configs into GraphJSON: the model_config of a Keras 2 / tf.keras model
 * (HDF5 attribute or JSON), the modelTopology of a TF.js layers model.json, and Keras 3 configs
 * (config.json of a .keras file). Sequential, Functional and Model classes are understood; layers
 * must be of the classes in LAYER_CLASSES (src/model/layers/index.ts).
 *
 * Keras 2 connections: inbound_nodes [[["conv2d", 0, 0, {}], ...]]; Keras 3: inbound_nodes
 * [{args: [keras tensors], kwargs: {}}] with each tensor's keras_history [layer, node, index].
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const MODEL_CLASSES = ['Sequential', 'Functional', 'Model'];

function parse(v: unknown, what: string): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch (e) {
    throw new TinyconvError('E_CONFIG', `${what} is not valid JSON: ${(e as Error).message}`, {}, { cause: e });
  }
}

/** The {class_name, config} object of the model, found inside the wrappers the formats put around it. */
function modelConfig(json: unknown): Obj {
  let v = parse(json, 'Keras model config');
  check(isObj(v), 'E_CONFIG', 'Keras model config: expected a JSON object');
  if ('modelTopology' in v) v = parse(v.modelTopology, 'modelTopology'); // TF.js model.json
  check(isObj(v), 'E_CONFIG', 'Keras model config: modelTopology must be an object');
  if ('model_config' in v) v = parse(v.model_config, 'model_config'); // Keras 2 / converter wrapper
  check(isObj(v) && typeof v.class_name === 'string', 'E_CONFIG', 'Keras model config: expected {class_name, config} (or a TF.js model.json with modelTopology)');
  return v;
}

/** Keras 3 wraps serialized objects with module / registered_name; dtype may be a DTypePolicy. */
function normalizeConfig(config: Obj): Obj {
  const out: Obj = { ...config };
  const dt = out.dtype;
  if (isObj(dt) && isObj(dt.config) && typeof dt.config.name === 'string') out.dtype = dt.config.name;
  return out;
}

interface Entry {
  name: string;
  className: string;
  config: Obj;
  inbound: string[];
}

/** Checks the class, converts the config; E_CONFIG naming layer and class when unknown. */
function entry(raw: unknown, i: number, keras3: boolean): Omit<Entry, 'inbound'> & { raw: Obj } {
  check(isObj(raw), 'E_CONFIG', () => `Keras model config: layers[${i}] must be an object {class_name, config}`);
  const config = raw.config;
  check(isObj(config), 'E_CONFIG', () => `Keras model config: layers[${i}] has no config object`);
  const name = (typeof raw.name === 'string' ? raw.name : undefined) ?? config.name;
  check(typeof name === 'string' && name.length > 0, 'E_CONFIG', () => `Keras model config: layers[${i}] has no name`);
  const cls = raw.class_name;
  check(typeof cls === 'string', 'E_CONFIG', () => `layer ${name}: class_name must be a string`);
  if (MODEL_CLASSES.includes(cls)) {
    throw new TinyconvError('E_UNSUPPORTED', `layer ${name}: a nested ${cls} model used as a layer is not supported; flatten it into one model`, { layer: name, className: cls });
  }
  const canonical = canonicalClassName(cls);
  if (!canonical) {
    throw new TinyconvError('E_CONFIG', `layer ${name}: unknown layer class "${cls}"; supported: ${supportedLayers().join(', ')}`, { layer: name, className: cls });
  }
  // keras.activations.hard_sigmoid became relu6(x + 3) / 6 in Keras 3; ours is Keras 2's 0.2 x + 0.5.
  if (keras3 && config.activation === 'hard_sigmoid') {
    throw new TinyconvError('E_UNSUPPORTED', `layer ${name} (${cls}): the Keras 3 hard_sigmoid activation (relu6(x + 3) / 6) is not supported; only the Keras 2 one (0.2 x + 0.5)`, { layer: name });
  }
  return { name, className: canonical, config: { ...normalizeConfig(config), name }, raw };
}

function isKeras3(topo: Obj, layers: unknown[]): boolean {
  return 'module' in topo || layers.some((l) => isObj(l) && ('module' in l || 'registered_name' in l || (Array.isArray(l.inbound_nodes) && isObj(l.inbound_nodes[0]))));
}

const INPUT_SHAPE_KEYS = ['batch_input_shape', 'batch_shape', 'input_shape', 'batch_size'];

/** Sequential: a chain; the input is an InputLayer entry, the first layer's input shape, or Keras 3's build_config. */
function readSequential(topo: Obj): GraphJSON {
  const cfg = topo.config;
  // Keras <= 2.2 wrote the layer list itself as the config.
  const layers = Array.isArray(cfg) ? cfg : isObj(cfg) ? cfg.layers : undefined;
  check(Array.isArray(layers) && layers.length > 0, 'E_CONFIG', 'Keras Sequential config: config.layers must be a non-empty list');
  const name = isObj(cfg) && typeof cfg.name === 'string' ? cfg.name : 'sequential';
  const keras3 = isKeras3(topo, layers);
  const entries = layers.map((l, i) => entry(l, i, keras3));
  const out: LayerJSON[] = [];
  if (entries[0]!.className !== 'InputLayer') {
    const first = entries[0]!;
    const c = first.config;
    const build = isObj(topo.build_config) ? topo.build_config.input_shape : undefined;
    let shape: unknown = c.batch_input_shape ?? c.batch_shape;
    if (!shape && Array.isArray(c.input_shape)) shape = [c.batch_size ?? null, ...c.input_shape];
    shape ??= build;
    check(Array.isArray(shape), 'E_CONFIG', () => `Keras Sequential ${name}: no input shape (no InputLayer, no batch_input_shape on layer ${first.name}, no build_config)`);
    out.push({ name: `${first.name}_input`, className: 'InputLayer', config: { batch_input_shape: shape, name: `${first.name}_input` }, inbound: [] });
  }
  for (const e of entries) {
    const config = { ...e.config };
    if (e.className !== 'InputLayer') for (const k of INPUT_SHAPE_KEYS) delete config[k];
    const prev = out[out.length - 1];
    check(e.className !== 'InputLayer' || !prev, 'E_CONFIG', () => `Keras Sequential ${name}: InputLayer ${e.name} must come first`);
    out.push({ name: e.name, className: e.className, config, inbound: prev ? [prev.name] : [] });
  }
  return { name, inputs: [out[0]!.name], outputs: [out[out.length - 1]!.name], layers: out };
}

/** A reference to a layer output: "name", or "name:k" for output k. Node indices above 0 mean a shared layer. */
function ref(layer: string, from: unknown, node: unknown, index: unknown): string {
  check(typeof from === 'string', 'E_CONFIG', () => `layer ${layer}: an inbound entry does not name a layer`);
  check(node === 0 || node === undefined, 'E_UNSUPPORTED', () => `layer ${layer}: reads node ${String(node)} of layer ${from}, which means a shared layer (called more than once); shared layers are not supported`, { layer });
  return index === 0 || index === undefined ? from : `${from}:${String(index)}`;
}

/** Keras 3 tensors in call arguments, in order: {class_name: "__keras_tensor__", config: {keras_history}}. */
function kerasTensors(v: unknown, found: unknown[][] = []): unknown[][] {
  if (Array.isArray(v)) for (const x of v) kerasTensors(x, found);
  else if (isObj(v)) {
    if (v.class_name === '__keras_tensor__' && isObj(v.config) && Array.isArray(v.config.keras_history)) found.push(v.config.keras_history);
    else for (const x of Object.values(v)) kerasTensors(x, found);
  }
  return found;
}

function inboundOf(name: string, nodes: unknown): string[] {
  if (nodes === undefined || (Array.isArray(nodes) && nodes.length === 0)) return [];
  check(Array.isArray(nodes), 'E_CONFIG', () => `layer ${name}: inbound_nodes must be a list`);
  if (nodes.length > 1) {
    throw new TinyconvError('E_UNSUPPORTED', `layer ${name} is called ${nodes.length} times (a shared layer); shared layers are not supported`, { layer: name });
  }
  const node = nodes[0];
  if (isObj(node)) {
    // Keras 3: tensors in args; tensors passed as keyword arguments (masks, states) are not supported.
    if (kerasTensors(node.kwargs).length) throw new TinyconvError('E_UNSUPPORTED', `layer ${name}: tensors passed as keyword arguments are not supported`, { layer: name });
    return kerasTensors(node.args).map(([from, n, k]) => ref(name, from, n, k));
  }
  check(Array.isArray(node), 'E_CONFIG', () => `layer ${name}: an inbound node must be a list of [layer, node, tensor, kwargs]`);
  return node.map((x) => {
    check(Array.isArray(x), 'E_CONFIG', () => `layer ${name}: an inbound entry must be [layer, node, tensor, kwargs]`);
    return ref(name, x[0], x[1], x[2]);
  });
}

/** [["input_1", 0, 0], ...] or, for one tensor, ["input_1", 0, 0]. */
function endpoints(v: unknown, what: string, model: string): string[] {
  check(Array.isArray(v) && v.length > 0, 'E_CONFIG', () => `Keras model ${model}: ${what} must be a non-empty list`);
  const list = typeof v[0] === 'string' ? [v] : v;
  return list.map((x) => {
    check(Array.isArray(x) && typeof x[0] === 'string', 'E_CONFIG', () => `Keras model ${model}: ${what} entries must be [layer, node, tensor]`);
    return ref(`${model} ${what}`, x[0], x[1], x[2]);
  });
}

/** Stable topological order (Keras writes layers in one already; this tolerates configs that do not). */
function topoSort(model: string, layers: LayerJSON[]): LayerJSON[] {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const done = new Set<string>();
  const out: LayerJSON[] = [];
  const base = (r: string): string => r.replace(/:\d+$/, '');
  while (out.length < layers.length) {
    const next = layers.find((l) => !done.has(l.name) && l.inbound.every((r) => done.has(base(r)) || !byName.has(base(r))));
    if (!next) {
      const stuck = layers.filter((l) => !done.has(l.name)).map((l) => l.name);
      throw new TinyconvError('E_GRAPH', `Keras model ${model}: the connections of layers ${stuck.join(', ')} form a cycle`, { layers: stuck });
    }
    done.add(next.name);
    out.push(next);
  }
  return out;
}

function readFunctional(topo: Obj): GraphJSON {
  const cfg = topo.config;
  check(isObj(cfg) && Array.isArray(cfg.layers) && cfg.layers.length > 0, 'E_CONFIG', () => `Keras ${String(topo.class_name)} config: config.layers must be a non-empty list`);
  const name = typeof cfg.name === 'string' ? cfg.name : 'model';
  const keras3 = isKeras3(topo, cfg.layers);
  const layers = cfg.layers.map((l, i) => {
    const e = entry(l, i, keras3);
    return { name: e.name, className: e.className, config: e.config, inbound: inboundOf(e.name, e.raw.inbound_nodes) };
  });
  const seen = new Set<string>();
  for (const l of layers) {
    check(!seen.has(l.name), 'E_CONFIG', () => `Keras model ${name}: two layers are named "${l.name}"`, { layer: l.name });
    seen.add(l.name);
  }
  return { name, inputs: endpoints(cfg.input_layers, 'input_layers', name), outputs: endpoints(cfg.output_layers, 'output_layers', name), layers: topoSort(name, layers) };
}

/**
 * A Keras model config as GraphJSON. Accepts the parsed JSON or its text: a TF.js model.json
 * ({modelTopology}), a Keras 2 model_config ({class_name, config}, possibly wrapped in
 * {model_config}), or a Keras 3 config.json.
 */
export function readKerasConfig(json: unknown): GraphJSON {
  const topo = modelConfig(json);
  const cls = topo.class_name as string;
  if (cls === 'Sequential') return readSequential(topo);
  if (cls === 'Functional' || cls === 'Model') return readFunctional(topo);
  throw new TinyconvError('E_CONFIG', `Keras model config: unknown model class "${cls}"; expected one of ${MODEL_CLASSES.join(', ')}`, { className: cls });
}
