import { TinyconvError, check } from '../core/errors.js';
import type { GraphJSON, LayerJSON } from '../io/artifacts.js';
import type { Graph } from './graph.js';
import type { SymbolicTensor } from './layer.js';
import { InputLayer } from './layers/input.js';
import { canonicalClassName, layerFromConfig } from './layers/index.js';

/**
 * Conversion between a model graph and GraphJSON (src/io/artifacts.ts), the topology part of the
 * model format. Reading validates everything: malformed entries are E_CONFIG, connections that do
 * not form a proper graph are E_GRAPH, both naming the layer.
 */

export function graphToJSON(name: string, graph: Graph): GraphJSON {
  return {
    name,
    inputs: graph.inputs.map((t) => t.layer.name),
    outputs: graph.outputs.map((t) => t.layer.name),
    layers: graph.nodes.map(
      (n): LayerJSON => ({ name: n.layer.name, className: n.layer.className, config: n.layer.getConfig(), inbound: n.inputs.map((t) => t.layer.name) }),
    ),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkLayerEntry(l: unknown, i: number): LayerJSON {
  check(isObject(l), 'E_CONFIG', () => `graph: layers[${i}] must be an object {name, className, config, inbound}`);
  const where = typeof l.name === 'string' ? `layer ${l.name}` : `graph: layers[${i}]`;
  check(typeof l.name === 'string' && l.name.length > 0, 'E_CONFIG', () => `${where}: name must be a non-empty string`);
  check(typeof l.className === 'string' && l.className.length > 0, 'E_CONFIG', () => `${where}: className must be a non-empty string`);
  check(l.config === undefined || isObject(l.config), 'E_CONFIG', () => `${where}: config must be an object`);
  check(Array.isArray(l.inbound) && l.inbound.every((s) => typeof s === 'string'), 'E_CONFIG', () => `${where}: inbound must be a list of layer names`);
  return { name: l.name, className: l.className, config: (l.config ?? {}) as Record<string, unknown>, inbound: l.inbound as string[] };
}

/** Builds the symbolic graph a GraphJSON describes: new layers, connected as listed. */
export function graphFromJSON(json: unknown): { name: string; inputs: SymbolicTensor[]; outputs: SymbolicTensor[] } {
  check(isObject(json), 'E_CONFIG', 'graph: expected an object {name, inputs, outputs, layers}');
  const g = json as Partial<GraphJSON>;
  check(typeof g.name === 'string', 'E_CONFIG', 'graph: name must be a string');
  for (const k of ['inputs', 'outputs'] as const) {
    check(Array.isArray(g[k]) && g[k]!.length > 0 && g[k]!.every((s) => typeof s === 'string'), 'E_CONFIG', () => `graph ${g.name}: ${k} must be a non-empty list of layer names`);
  }
  check(Array.isArray(g.layers) && g.layers.length > 0, 'E_CONFIG', () => `graph ${g.name}: layers must be a non-empty list`);
  const entries = g.layers.map(checkLayerEntry);
  const [inputNames, outputNames] = [g.inputs as string[], g.outputs as string[]];

  const tensors = new Map<string, SymbolicTensor>();
  for (const e of entries) {
    check(!tensors.has(e.name), 'E_GRAPH', () => `graph ${g.name}: two layers are named "${e.name}"`, { layer: e.name });
    const config = { ...e.config, name: e.name };
    const isInput = canonicalClassName(e.className) === 'InputLayer';
    if (isInput) {
      check(e.inbound.length === 0, 'E_GRAPH', () => `layer ${e.name} (InputLayer): an input has no inbound layers, got ${e.inbound.join(', ')}`, { layer: e.name });
      tensors.set(e.name, (layerFromConfig(e.className, config, e.name) as InputLayer).output);
      continue;
    }
    check(e.inbound.length > 0, 'E_GRAPH', () => `layer ${e.name} (${e.className}): has no inbound layers`, { layer: e.name });
    const ins = e.inbound.map((ref) => {
      const m = /^(.*?)(?::(\d+))?$/.exec(ref)!;
      const [src, k] = [m[1]!, Number(m[2] ?? 0)];
      const t = tensors.get(src);
      if (!t) {
        const later = entries.some((x) => x.name === src);
        throw new TinyconvError('E_GRAPH', `layer ${e.name} (${e.className}): inbound layer "${src}" ${later ? 'comes after it (layers must be in topological order)' : 'does not exist'}`, { layer: e.name, inbound: src });
      }
      check(k === 0, 'E_GRAPH', () => `layer ${e.name} (${e.className}): inbound "${ref}" names output ${k} of ${t.layer.where}, which has one output`, { layer: e.name, inbound: ref });
      return t;
    });
    const layer = layerFromConfig(e.className, config, e.name);
    if (layer.arity === 'one') check(ins.length === 1, 'E_GRAPH', () => `${layer.where}: takes one input, got inbound ${e.inbound.join(', ')}`, { layer: e.name });
    tensors.set(e.name, layer.apply(layer.arity === 'many' ? ins : ins[0]!));
  }

  const find = (name: string, role: string): SymbolicTensor => {
    const t = tensors.get(name);
    check(t, 'E_GRAPH', () => `graph ${g.name}: ${role} "${name}" is not a layer of the graph`, { layer: name });
    return t;
  };
  const inputs = inputNames.map((n) => find(n, 'input'));
  inputs.forEach((t) => check(t.layer instanceof InputLayer, 'E_GRAPH', () => `graph ${g.name}: input "${t.layer.name}" is a ${t.layer.className}, not an InputLayer`));
  const outputs = outputNames.map((n) => find(n, 'output'));

  // Every layer must contribute to an output: a model file with dead layers is suspect.
  const reached = new Set<SymbolicTensor>();
  const stack = [...outputs];
  while (stack.length) {
    const t = stack.pop()!;
    if (reached.has(t)) continue;
    reached.add(t);
    stack.push(...t.inputs);
  }
  for (const [name, t] of tensors) {
    if (!reached.has(t) && !inputs.includes(t)) {
      throw new TinyconvError('E_GRAPH', `graph ${g.name}: ${t.layer.where} does not lead to any output (${outputNames.join(', ')})`, { layer: name });
    }
  }
  return { name: g.name, inputs, outputs };
}
