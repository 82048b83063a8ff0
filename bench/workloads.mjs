/**
 * Every workload the suite measures, in one table: adding a workload is adding an entry.
 *
 * An entry: name (for --filter), title, task ('infer' or 'train'), level ('op': one op through
 * runOp; 'model': the layers API), net(size) (a bench net, nets.mjs; `size` is 'bench' for the
 * measured sizes or 'test' for the small ones the consistency test runs), and for training the
 * learning rate. workload() adds flops(size), from tinyconv's op cost() over the net. Each
 * backend builds its implementation from the same net, weights and inputs (workloadData).
 */

import { analyze, makeInputs, makeWeights, mnistConvnet, mobilenetV2, single } from './nets.mjs';

/** A value for the measured size or for the small test size. */
const sized = (size) => (bench, test) => (size === 'test' ? test : bench);

const image = (s, h, w, c, testH, testW, testC) => [{ name: 'x', shape: [1, s(h, testH), s(w, testW), s(c, testC)] }];

/**
 * An entry with its FLOPs per run: the sum of tinyconv's op costs over the net; a training step
 * counts three forward passes (the backward pass computes a gradient for each layer's input and
 * one for its weights, each about as costly as the forward op).
 */
function workload(def) {
  return {
    ...def,
    flops(size = 'bench') {
      const f = analyze(def.net(size)).flops;
      return def.task === 'train' ? 3 * f : f;
    },
  };
}

export const WORKLOADS = [
  workload({
    name: 'conv3x3',
    title: 'conv 3x3 56x56x64->64 +bias+relu',
    task: 'infer',
    level: 'op',
    net: (size) => {
      const s = sized(size);
      return single(image(s, 56, 56, 64, 7, 9, 5), { op: 'conv2d', input: 'x', filters: s(64, 6), kernel: [3, 3], strides: [1, 1], padding: 'same', activation: 'relu', bias: true });
    },
  }),
  workload({
    name: 'pointwise',
    title: 'pointwise conv 1x1 56x56x128->128',
    task: 'infer',
    level: 'op',
    net: (size) => {
      const s = sized(size);
      return single(image(s, 56, 56, 128, 5, 6, 9), { op: 'conv2d', input: 'x', filters: s(128, 7), kernel: [1, 1], strides: [1, 1], padding: 'valid', activation: 'linear', bias: false });
    },
  }),
  workload({
    name: 'depthwise',
    title: 'depthwise 3x3 112x112x32',
    task: 'infer',
    level: 'op',
    net: (size) => {
      const s = sized(size);
      return single(image(s, 112, 112, 32, 8, 7, 6), { op: 'depthwise_conv2d', input: 'x', kernel: [3, 3], strides: [1, 1], padding: 'same', activation: 'linear', bias: false });
    },
  }),
  workload({
    name: 'maxpool',
    title: 'max-pool 2x2 112x112x64',
    task: 'infer',
    level: 'op',
    net: (size) => {
      const s = sized(size);
      return single(image(s, 112, 112, 64, 8, 6, 5), { op: 'max_pool2d', input: 'x', pool: [2, 2], strides: [2, 2] });
    },
  }),
  workload({
    name: 'gemm',
    title: 'GEMM 512x512 @ 512x512',
    task: 'infer',
    level: 'op',
    net: (size) => {
      const s = sized(size);
      return single([{ name: 'a', shape: [s(512, 7), s(512, 9)] }, { name: 'b', shape: [s(512, 9), s(512, 5)] }], { op: 'matmul', inputs: ['a', 'b'] });
    },
  }),
  workload({
    name: 'dense',
    title: 'dense 1x1024 @ 1024x1000 +bias',
    task: 'infer',
    level: 'op',
    net: (size) => {
      const s = sized(size);
      return single([{ name: 'x', shape: [1, s(1024, 13)] }], { op: 'dense', input: 'x', units: s(1000, 11), activation: 'linear', bias: true });
    },
  }),
  workload({
    name: 'mobilenetv2',
    title: 'MobileNetV2-224, batch 1',
    task: 'infer',
    level: 'model',
    net: (size) => {
      const s = sized(size);
      return mobilenetV2({ batch: 1, size: s(224, 32), alpha: s(1, 0.35), classes: s(1000, 10) });
    },
  }),
  workload({
    name: 'mnist-b1',
    title: 'MNIST CNN (Keras book), batch 1',
    task: 'infer',
    level: 'model',
    net: () => mnistConvnet({ batch: 1 }),
  }),
  workload({
    name: 'mnist-b64',
    title: 'MNIST CNN (Keras book), batch 64',
    task: 'infer',
    level: 'model',
    net: (size) => mnistConvnet({ batch: sized(size)(64, 3) }),
  }),
  workload({
    name: 'mnist-train-b32',
    title: 'MNIST CNN training step (fwd+bwd+SGD), batch 32',
    task: 'train',
    level: 'model',
    net: (size) => mnistConvnet({ batch: sized(size)(32, 2), logits: true }),
    lr: 0.05,
  }),
];

export function findWorkload(name) {
  const w = WORKLOADS.find((x) => x.name === name);
  if (!w) throw new Error(`no workload ${name}; workloads: ${WORKLOADS.map((x) => x.name).join(', ')}`);
  return w;
}

/** Workloads whose name contains any of `filters` (all when none). */
export function selectWorkloads(filters = []) {
  if (filters.length === 0) return WORKLOADS;
  return WORKLOADS.filter((w) => filters.some((f) => w.name.includes(f)));
}

const dataCache = new Map();

/**
 * The net, weights, inputs (and for training labels and learning rate) of a workload at a size,
 * identical for every backend: { net, weights, inputs, labels?, lr? }.
 */
export function workloadData(w, size = 'bench') {
  const key = `${w.name}@${size}`;
  let d = dataCache.get(key);
  if (!d) {
    const net = w.net(size);
    d = { net, weights: makeWeights(net), inputs: makeInputs(net) };
    if (w.task === 'train') {
      const n = net.inputs[0].shape[0];
      d.labels = Array.from({ length: n }, (_, i) => (i * 7) % 10);
      d.lr = w.lr;
    }
    dataCache.set(key, d);
  }
  return d;
}

/** The trainable weights of a workload's initial state, flattened in model order (kernel, bias per layer). */
export function initialWeights(data) {
  const parts = [];
  for (const w of data.weights.values()) {
    parts.push(w.kernel.data);
    if (w.bias) parts.push(w.bias.data);
  }
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) out.set(p, off), (off += p.length);
  return out;
}
