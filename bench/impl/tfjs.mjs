/**
 * TF.js's side of each workload, written with its ops as its graph models run (fused conv / matmul
 * with bias and activation, as its converter emits them), on whichever TF.js backend is active.
 */

import { analyze, dataInputs } from '../nets.mjs';

/** A function from input tensors (by name) to the net's output, over the given weight tensors. */
function netFunction(tf, net, params) {
  const { nodes } = analyze(net);
  return (feeds) => {
    const vals = new Map(feeds);
    for (const { node } of nodes) {
      const ins = dataInputs(node).map((n) => vals.get(n));
      const p = params.get(node.name);
      const x = ins[0];
      let y;
      switch (node.op) {
        case 'conv2d':
          y = tf.fused.conv2d({ x, filter: p.kernel, bias: p.bias, strides: node.strides, pad: node.padding, activation: node.activation });
          break;
        case 'depthwise_conv2d':
          y = tf.fused.depthwiseConv2d({ x, filter: p.kernel, bias: p.bias, strides: node.strides, pad: node.padding, activation: node.activation });
          break;
        case 'max_pool2d':
          y = tf.maxPool(x, node.pool, node.strides, 'valid');
          break;
        case 'matmul':
          y = tf.matMul(ins[0], ins[1]);
          break;
        case 'dense':
          y = tf.fused.matMul({ a: x, b: p.kernel, bias: p.bias, activation: node.activation });
          break;
        case 'add':
          y = tf.add(ins[0], ins[1]);
          break;
        case 'global_avg_pool2d':
          y = tf.mean(x, [1, 2]);
          break;
        case 'flatten':
          y = tf.reshape(x, [x.shape[0], -1]);
          break;
        case 'softmax':
          y = tf.softmax(x);
          break;
        default:
          throw new Error(`no TF.js op for net node kind ${node.op}`);
      }
      vals.set(node.name, y);
    }
    return vals.get(net.output);
  };
}

/** Weight tensors (or variables, for training) by node name. */
function makeParams(tf, weights, variables) {
  const make = (w) => (variables ? tf.variable(tf.tensor(w.data, w.shape)) : tf.tensor(w.data, w.shape));
  return new Map([...weights].map(([name, w]) => [name, { kernel: make(w.kernel), bias: w.bias ? make(w.bias) : undefined }]));
}

const disposeParams = (params) => {
  for (const p of params.values()) {
    p.kernel.dispose();
    p.bias?.dispose();
  }
};

function inferRunner(tf, { net, weights, inputs }) {
  const params = makeParams(tf, weights, false);
  const f = netFunction(tf, net, params);
  const feeds = new Map(inputs.map((i) => [i.name, tf.tensor(i.data, i.shape)]));
  return {
    run() {
      const y = tf.tidy(() => f(feeds));
      const out = y.dataSync();
      y.dispose();
      return out;
    },
    dispose() {
      disposeParams(params);
      for (const t of feeds.values()) t.dispose();
    },
  };
}

/** One SGD step: tf.train.sgd minimizing tf.losses.softmaxCrossEntropy (mean over the batch). */
function trainRunner(tf, { net, weights, inputs, labels, lr }) {
  const params = makeParams(tf, weights, true);
  const f = netFunction(tf, net, params);
  const feeds = new Map(inputs.map((i) => [i.name, tf.tensor(i.data, i.shape)]));
  const classes = analyze(net).output[1];
  const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
  const varList = [...params.values()].flatMap((p) => (p.bias ? [p.kernel, p.bias] : [p.kernel]));
  const optimizer = tf.train.sgd(lr);
  return {
    run() {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(onehot, f(feeds)), true, varList);
      loss.dispose();
      const parts = varList.map((v) => v.dataSync());
      const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let off = 0;
      for (const p of parts) out.set(p, off), (off += p.length);
      return out;
    },
    dispose() {
      disposeParams(params);
      for (const t of feeds.values()) t.dispose();
      onehot.dispose();
      optimizer.dispose();
    },
  };
}

/** The runner of a workload's data on the active TF.js backend. */
export function tfjsRunner(tf, workload, data) {
  return workload.task === 'train' ? trainRunner(tf, data) : inferRunner(tf, data);
}
