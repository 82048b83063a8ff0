import { TinyconvError, withContext } from '../../core/errors.js';
import type { Backend } from '../../core/backend.js';
import { runOp, toBackend } from '../../core/engine.js';
import { shapeToString, type Shape } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { mapNode, type GraphSink, type OnnxValue } from './node-ops.js';
import { tensorFloat32, type OnnxModel, type OnnxTensor, type OnnxValueInfo } from './onnx-proto.js';

/**
 * Runs a decoded ONNX model eagerly on one backend: each node is mapped to our ops (node-ops.ts)
 * and the ops run as they are emitted, in the graph's (topological) node order. Meant for the
 * conformance data and small graphs; whole models go through the importer and the planner.
 *
 * Inputs fed as OnnxTensor are host-visible, so the mapping may read them as constants (a
 * Reshape target, Pad amounts, Resize scales) just like initializers.
 */
export function runOnnxModel(model: OnnxModel, feeds: Readonly<Record<string, OnnxTensor | Tensor>>, backend: Backend): Record<string, Tensor> {
  return withContext(`ONNX graph "${model.graph.name}"`, () => run(model, feeds, backend));
}

/** Version of the default operator set a model imports. */
export function defaultOpset(model: OnnxModel): number {
  const v = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version;
  if (v === undefined) throw new TinyconvError('E_UNSUPPORTED', 'ONNX model: it imports no version of the default operator set (ai.onnx)');
  return v;
}

function run(model: OnnxModel, feeds: Readonly<Record<string, OnnxTensor | Tensor>>, backend: Backend): Record<string, Tensor> {
  const g = model.graph;
  const opset = defaultOpset(model);
  const env = new Map<string, OnnxValue<Tensor>>();
  for (const t of g.initializers) env.set(t.name, { host: t });

  const graphInputs = g.inputs.filter((v) => !env.has(v.name));
  for (const name of Object.keys(feeds)) {
    if (!g.inputs.some((v) => v.name === name)) {
      throw new TinyconvError('E_ARG', `no graph input is named "${name}"; inputs: ${graphInputs.map((v) => v.name).join(', ') || 'none'}`);
    }
  }
  for (const info of graphInputs) {
    const feed = feeds[info.name];
    if (feed === undefined) throw new TinyconvError('E_ARG', `graph input "${info.name}" is not fed`, { input: info.name });
    const value: OnnxValue<Tensor> = feed instanceof Tensor ? { ref: toBackend(feed, backend) } : { host: feed };
    checkFeedShape(info, feed instanceof Tensor ? feed.shape : feed.dims);
    env.set(info.name, value);
  }

  // Every tensor created here (not the caller's) is freed once nothing needs it any more.
  const owned = new Set<Tensor>();
  const sink: GraphSink<Tensor> = {
    op: (name, inputs, attrs) => keep(owned, runOp(name, inputs, attrs, backend).y),
    constant: (data, shape) => keep(owned, backend.upload(data, shape)),
    shape: (t) => t.shape,
  };
  for (const [, v] of env) if (v.ref && !isFeed(v.ref, feeds)) owned.add(v.ref);

  const uses = new Map<string, number>();
  for (const node of g.nodes) for (const i of node.inputs) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  const outputs = new Set(g.outputs.map((o) => o.name));

  g.nodes.forEach((node, k) => {
    const inputs = node.inputs.map((name) => {
      if (name === '') return undefined;
      const v = env.get(name);
      if (!v) {
        throw new TinyconvError('E_GRAPH', `node ${node.name || k} (${node.opType}) reads "${name}", which no graph input, initializer or earlier node produces`, { node: node.name, value: name });
      }
      return v;
    });
    const produced = mapNode(node, inputs, { sink, opset });
    node.outputs.forEach((name, i) => {
      if (name !== '' && produced[i]) env.set(name, produced[i]!);
    });
    for (const name of node.inputs) if (name) uses.set(name, uses.get(name)! - 1);
    release(owned, env, uses, outputs);
  });

  const result: Record<string, Tensor> = {};
  for (const o of g.outputs) {
    const v = env.get(o.name);
    if (!v) throw new TinyconvError('E_GRAPH', `graph output "${o.name}" is never produced`, { output: o.name });
    if (!v.ref) v.ref = backend.upload(tensorFloat32(v.host!), v.host!.dims);
    result[o.name] = v.ref;
  }
  return result;
}

function keep(owned: Set<Tensor>, t: Tensor): Tensor {
  owned.add(t);
  return t;
}

function isFeed(t: Tensor, feeds: Readonly<Record<string, OnnxTensor | Tensor>>): boolean {
  return Object.values(feeds).includes(t);
}

/** Disposes the tensors this run created that no remaining node and no graph output holds. */
function release(owned: Set<Tensor>, env: Map<string, OnnxValue<Tensor>>, uses: Map<string, number>, outputs: Set<string>): void {
  const live = new Set<Tensor>();
  for (const [name, v] of env) if (v.ref && ((uses.get(name) ?? 0) > 0 || outputs.has(name))) live.add(v.ref);
  for (const t of owned) {
    if (live.has(t)) continue;
    t.dispose();
    owned.delete(t);
  }
  // Values whose tensor was freed keep their host data (if any) for a later upload.
  for (const [, v] of env) if (v.ref?.isDisposed) v.ref = undefined;
}

/** A fed tensor must match the fixed dimensions the graph declares for that input. */
function checkFeedShape(info: OnnxValueInfo, shape: Shape): void {
  if (!info.shape) return;
  const ok = info.shape.length === shape.length && info.shape.every((d, i) => typeof d !== 'number' || d === shape[i]);
  if (!ok) {
    const declared = `[${info.shape.map((d) => d ?? '?').join(', ')}]`;
    throw new TinyconvError('E_SHAPE', `graph input "${info.name}" is declared ${declared} but was fed ${shapeToString(shape)}`, { input: info.name, declared: info.shape, shape });
  }
}
