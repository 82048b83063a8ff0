/**
 * tinyconv's side of each workload, on a given backend: single ops through runOp, whole models
 * through the layers API (a functional Model built from the net and run with predict), and a
 * training step (forward under grad, softmax cross-entropy, SGD) on a Model.
 */

import { tc } from '../lib.mjs';
import { analyze, dataInputs } from '../nets.mjs';
import { collectGarbage } from '../gc.mjs';
import { crossEntropyGrad } from './loss.mjs';

/** A layer for a net node, named after it, so weights load by "<node>/<weight>". */
function layerOf(node) {
  const name = node.name;
  switch (node.op) {
    case 'conv2d':
      return new tc.Conv2D({ name, filters: node.filters, kernel_size: node.kernel, strides: node.strides, padding: node.padding, activation: node.activation, use_bias: node.bias });
    case 'depthwise_conv2d':
      return new tc.DepthwiseConv2D({ name, kernel_size: node.kernel, strides: node.strides, padding: node.padding, activation: node.activation, use_bias: node.bias, depth_multiplier: 1 });
    case 'max_pool2d':
      return new tc.MaxPooling2D({ name, pool_size: node.pool, strides: node.strides });
    case 'dense':
      return new tc.Dense({ name, units: node.units, activation: node.activation, use_bias: node.bias });
    case 'add':
      return new tc.Add({ name });
    case 'global_avg_pool2d':
      return new tc.GlobalAveragePooling2D({ name });
    case 'flatten':
      return new tc.Flatten({ name });
    case 'softmax':
      return new tc.Softmax({ name });
    default:
      throw new Error(`no tinyconv layer for net node kind ${node.op}`);
  }
}

/** The net as a functional Model with the given weights. */
export function buildModel(net, weights, name = 'bench') {
  const syms = new Map(net.inputs.map((i) => [i.name, tc.Input({ shape: i.shape.slice(1), name: i.name })]));
  for (const node of net.nodes) {
    const ins = dataInputs(node).map((n) => syms.get(n));
    syms.set(node.name, layerOf(node).apply(ins.length === 1 ? ins[0] : ins));
  }
  const model = new tc.Model({ name, inputs: net.inputs.map((i) => syms.get(i.name)), outputs: syms.get(net.output) });
  const list = [];
  for (const node of net.nodes) {
    const w = weights.get(node.name);
    if (!w) continue;
    list.push({ name: `${node.name}/${node.op === 'depthwise_conv2d' ? 'depthwise_kernel' : 'kernel'}`, shape: w.kernel.shape, data: w.kernel.data });
    if (w.bias) list.push({ name: `${node.name}/bias`, shape: w.bias.shape, data: w.bias.data });
  }
  model.loadWeights(list);
  return model;
}

/** One op of a single-node net through runOp: the op as a user calls it. */
function opRunner({ net, weights, inputs }, backend) {
  if (net.nodes.length !== 1) throw new Error(`op workloads have one node, this net has ${net.nodes.length}`);
  const [{ node, op, attrs }] = analyze(net).nodes;
  const tensors = inputs.map((i) => backend.upload(i.data, i.shape));
  const w = weights.get(node.name);
  if (w) {
    tensors.push(backend.upload(w.kernel.data, w.kernel.shape));
    if (w.bias) tensors.push(backend.upload(w.bias.data, w.bias.shape));
  }
  return {
    run() {
      const y = tc.runOp(op, tensors, attrs, backend).y;
      const out = y.dataSync();
      y.dispose();
      return out;
    },
    dispose() {
      for (const t of tensors) t.dispose();
    },
  };
}

/** A whole model through the layers API: Model.predict on the backend (weights move there once). */
function modelRunner({ net, weights, inputs }, backend) {
  const model = buildModel(net, weights);
  const feeds = inputs.map((i) => backend.upload(i.data, i.shape));
  return {
    run() {
      const y = model.predict(feeds.length === 1 ? feeds[0] : feeds, { backend });
      const out = y.dataSync();
      y.dispose();
      return out;
    },
    dispose() {
      for (const t of feeds) t.dispose();
      for (const v of model.weights) if (v.initialized) v.value.dispose();
    },
  };
}

/**
 * One SGD step on a batch: logits = model(x) in training mode under grad(), the gradient of the
 * mean softmax cross-entropy seeded through logits * g (g = (softmax - onehot) / N, computed on the
 * host from the logits, a constant on the tape), then w -= lr * dw for every trainable weight.
 * run() returns the updated weights, flattened in model order.
 */
function trainRunner({ net, weights, inputs, labels, lr }, backend) {
  const model = buildModel(net, weights);
  const x = backend.upload(inputs[0].data, inputs[0].shape);
  const vars = model.trainableWeights;
  const negLr = backend.upload(Float32Array.of(-lr), [1]);
  let heapAfterFirst = 0;
  return {
    run() {
      const params = vars.map((v) => v.valueOn(backend));
      const { grads, y } = tc.grad(() => {
        const z = model.forward(x, { backend, mode: 'train' });
        const seed = backend.upload(crossEntropyGrad(z.dataSync(), labels, z.shape[1]), z.shape);
        return tc.runOp('mul', [z, seed], {}, backend).y;
      }, params);
      y.dispose();
      vars.forEach((v, i) => {
        const step = tc.runOp('mul', [grads[i], negLr], {}, backend).y;
        v.assign(tc.runOp('add', [params[i], step], {}, backend).y);
        step.dispose();
        grads[i].dispose();
      });
      // The tape's intermediates are dropped, not disposed: collect them before wasm memory
      // grows without bound (collection is driven by the JS heap, which barely moves here).
      const used = backend.diagnostics?.memory?.usedBytes ?? 0;
      if (heapAfterFirst === 0) heapAfterFirst = used;
      else if (used > 2 * heapAfterFirst) collectGarbage();
      return flatWeights(vars);
    },
    dispose() {
      x.dispose();
      negLr.dispose();
      for (const v of model.weights) if (v.initialized) v.value.dispose();
    },
  };
}

function flatWeights(vars) {
  const parts = vars.map((v) => v.value.dataSync());
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) out.set(p, off), (off += p.length);
  return out;
}

/** The runner of a workload's data on a tinyconv backend. */
export function tinyconvRunner(workload, data, backend) {
  if (workload.task === 'train') return trainRunner(data, backend);
  return workload.level === 'op' ? opRunner(data, backend) : modelRunner(data, backend);
}
