import { TinyconvError, check } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { CallContext } from './context.js';
import { SymbolicTensor, type Layer } from './layer.js';
import { InputLayer } from './layers/input.js';

/** One layer of a model and the tensors it reads and writes. */
export interface GraphNode {
  readonly layer: Layer;
  readonly inputs: readonly SymbolicTensor[];
  readonly output: SymbolicTensor;
}

/** A model's computation: nodes in topological order (inputs first), its inputs and outputs. */
export interface Graph {
  readonly inputs: readonly SymbolicTensor[];
  readonly outputs: readonly SymbolicTensor[];
  readonly nodes: readonly GraphNode[];
}

/**
 * The graph between symbolic inputs and outputs. Checks that inputs come from Input(), that every
 * input the outputs depend on is listed, and that layer names are unique.
 */
export function buildGraph(model: string, inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]): Graph {
  check(inputs.length > 0, 'E_GRAPH', () => `model ${model}: needs at least one input`);
  check(outputs.length > 0, 'E_GRAPH', () => `model ${model}: needs at least one output`);
  inputs.forEach((t, i) => {
    check(t instanceof SymbolicTensor, 'E_GRAPH', () => `model ${model}: input ${i} is not a symbolic tensor (use Input())`);
    check(t.layer instanceof InputLayer, 'E_GRAPH', () => `model ${model}: input ${i} is the output of ${t.layer.where}, not of Input()`);
  });
  check(new Set(inputs).size === inputs.length, 'E_GRAPH', () => `model ${model}: an input is listed twice`);
  outputs.forEach((t, i) => check(t instanceof SymbolicTensor, 'E_GRAPH', () => `model ${model}: output ${i} is not a symbolic tensor (the result of layer.apply())`));

  const listed = new Set(inputs);
  const seen = new Set<SymbolicTensor>(inputs);
  const stack = [...outputs];
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    if (t.layer instanceof InputLayer && !listed.has(t)) {
      throw new TinyconvError(
        'E_GRAPH',
        `model ${model}: graph disconnected: the outputs depend on input ${t.layer.name}, which is not among the model inputs (${inputs.map((x) => x.layer.name).join(', ')})`,
        { input: t.layer.name },
      );
    }
    seen.add(t);
    stack.push(...t.inputs);
  }
  // Creation order is topological: a tensor is made after the tensors it is computed from.
  const ordered = [...seen].sort((a, b) => a.id - b.id);
  const names = new Map<string, Layer>();
  for (const t of ordered) {
    const other = names.get(t.layer.name);
    if (other && other !== t.layer) {
      throw new TinyconvError('E_GRAPH', `model ${model}: two layers are named "${t.layer.name}" (${other.className} and ${t.layer.className}); layer names must be unique`, { layer: t.layer.name });
    }
    names.set(t.layer.name, t.layer);
  }
  return { inputs: [...inputs], outputs: [...outputs], nodes: ordered.map((t) => ({ layer: t.layer, inputs: t.inputs, output: t })) };
}

/** How many nodes read each tensor, and the outputs; a graph never changes, so once per graph. */
const readers = new WeakMap<Graph, { uses: ReadonlyMap<SymbolicTensor, number>; outputs: ReadonlySet<SymbolicTensor> }>();

function readersOf(graph: Graph): { uses: ReadonlyMap<SymbolicTensor, number>; outputs: ReadonlySet<SymbolicTensor> } {
  let r = readers.get(graph);
  if (!r) {
    const uses = new Map<SymbolicTensor, number>();
    for (const n of graph.nodes) for (const t of n.inputs) uses.set(t, (uses.get(t) ?? 0) + 1);
    readers.set(graph, (r = { uses, outputs: new Set(graph.outputs) }));
  }
  return r;
}

/** Tensors sharing storage (an input passed through, a reshape's view) are freed together. */
interface Storage {
  pending: number;
  pinned: boolean;
  tensors: Set<Tensor>;
}

/**
 * Runs the graph on feeds (one per input, already checked). With `eager`, intermediates are freed
 * as soon as their last reader has run; otherwise all are kept (the gradient tape reads them).
 */
export function executeGraph(graph: Graph, feeds: readonly Tensor[], ctx: CallContext, eager: boolean): Tensor[] {
  const { uses, outputs } = readersOf(graph);
  const values = new Map<SymbolicTensor, Tensor>();
  const storage = new Map<SymbolicTensor, Storage>();

  graph.inputs.forEach((t, i) => {
    values.set(t, feeds[i]!);
    storage.set(t, { pending: uses.get(t) ?? 0, pinned: true, tensors: new Set([feeds[i]!]) });
  });
  for (const node of graph.nodes) {
    if (values.has(node.output)) continue; // a model input
    const xs = node.inputs.map((t) => values.get(t)!);
    const y = node.layer.call(xs, ctx);
    values.set(node.output, y);
    const pending = uses.get(node.output) ?? 0;
    const aliasOf = node.inputs[xs.indexOf(y)] ?? (node.layer.mayAliasInput ? node.inputs[0] : undefined);
    if (aliasOf) {
      const s = storage.get(aliasOf)!;
      s.pending += pending;
      s.pinned ||= outputs.has(node.output);
      s.tensors.add(y);
      storage.set(node.output, s);
    } else {
      storage.set(node.output, { pending, pinned: outputs.has(node.output), tensors: new Set([y]) });
    }
    for (const t of node.inputs) {
      const s = storage.get(t)!;
      if (--s.pending === 0 && !s.pinned && eager) for (const x of s.tensors) x.dispose();
    }
  }
  return graph.outputs.map((t) => values.get(t)!);
}
