/**
 * Networks in one neutral form that every backend's builder reads (bench/impl/*.mjs), so that
 * tinyconv and its peers run exactly the same computation with the same weights.
 *
 * A net is { inputs: [{ name, shape }], nodes: [...], output }, NHWC, weights in Keras layouts.
 * Node kinds (`op`) and their fields:
 *   conv2d            input, filters, kernel [kh, kw], strides, padding, activation, bias
 *   depthwise_conv2d  input, kernel, strides, padding, activation, bias (depth multiplier 1)
 *   max_pool2d        input, pool [ph, pw], strides
 *   matmul            inputs [a, b] (both data)
 *   dense             input, units, activation, bias
 *   add               inputs [a, b]
 *   global_avg_pool2d input (-> [N, C])
 *   flatten           input (-> [N, rest], row-major over H, W, C)
 *   softmax           input (last axis)
 * padding: 'same' (TensorFlow's, extra row/column at the bottom/right) or 'valid';
 * activation: 'linear', 'relu' or 'relu6'.
 */

import { tc } from './lib.mjs';

/** The tinyconv op and attributes of a node, and which inputs are weights. */
function opOf(node) {
  switch (node.op) {
    case 'conv2d':
      return { name: 'conv2d', attrs: { strides: node.strides, padding: node.padding, activation: node.activation } };
    case 'depthwise_conv2d':
      return { name: 'depthwise_conv2d', attrs: { strides: node.strides, padding: node.padding, activation: node.activation } };
    case 'max_pool2d':
      return { name: 'max_pool2d', attrs: { poolSize: node.pool, strides: node.strides } };
    case 'dense':
      return { name: 'dense', attrs: { activation: node.activation } };
    case 'matmul':
    case 'add':
    case 'global_avg_pool2d':
    case 'flatten':
    case 'softmax':
      return { name: node.op, attrs: {} };
    default:
      throw new Error(`bench net: unknown node kind ${node.op}`);
  }
}

/** Data inputs of a node (names of net inputs or earlier nodes). */
export const dataInputs = (node) => node.inputs ?? [node.input];

/** Weight shapes of a node, from its data input shape (Keras layouts). */
function weightShapes(node, x) {
  const c = x[x.length - 1];
  if (node.op === 'conv2d') return { kernel: [...node.kernel, c, node.filters], ...(node.bias ? { bias: [node.filters] } : {}) };
  if (node.op === 'depthwise_conv2d') return { kernel: [...node.kernel, c, 1], ...(node.bias ? { bias: [c] } : {}) };
  if (node.op === 'dense') return { kernel: [c, node.units], ...(node.bias ? { bias: [node.units] } : {}) };
  return {};
}

/**
 * Shapes, weight shapes, the tinyconv op and its cost for every node, from tinyconv's own op
 * definitions (shape inference and FLOP counts): { shapes: Map name -> shape, nodes: [{ node,
 * op, attrs, inShapes, weights, y, flops }], flops }.
 */
export function analyze(net) {
  const shapes = new Map(net.inputs.map((i) => [i.name, i.shape]));
  let flops = 0;
  const nodes = net.nodes.map((node) => {
    const inShapes = dataInputs(node).map((n) => {
      const s = shapes.get(n);
      if (!s) throw new Error(`bench net: node ${node.name} reads ${n}, which is not defined before it`);
      return s;
    });
    const weights = weightShapes(node, inShapes[0]);
    const { name, attrs: raw } = opOf(node);
    const def = tc.getOp(name);
    const attrs = def.attrs(raw);
    const opInputs = [...inShapes, ...(weights.kernel ? [weights.kernel, weights.bias] : [])];
    const y = def.outputShape(opInputs, attrs);
    const cost = def.cost(opInputs, attrs, y);
    shapes.set(node.name, y);
    flops += cost.flops;
    return { node, op: name, attrs, inShapes, weights, y, flops: cost.flops };
  });
  return { shapes, nodes, flops, output: shapes.get(net.output) };
}

// Deterministic data ------------------------------------------------------------------------

/** A small, fast, seeded generator (mulberry32) so every backend gets identical values. */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** `n` values uniform in [lo, hi), from a seed and a name. */
export function uniform(n, lo, hi, seed, name) {
  const r = rng(seed ^ hash(name));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

const sizeOf = (shape) => shape.reduce((a, d) => a * d, 1);

/**
 * Weights for every node: He-uniform kernels (variance 2 / fan-in, which keeps activations of
 * deep ReLU nets at a steady scale) and small biases. Map node name -> { kernel, bias? } with
 * { shape, data }.
 */
export function makeWeights(net, seed = 1) {
  const { nodes } = analyze(net);
  const out = new Map();
  for (const { node, weights } of nodes) {
    if (!weights.kernel) continue;
    const k = weights.kernel;
    const fanIn = node.op === 'dense' ? k[0] : k[0] * k[1] * (node.op === 'depthwise_conv2d' ? 1 : k[2]);
    const limit = Math.sqrt(6 / fanIn);
    const entry = { kernel: { shape: k, data: uniform(sizeOf(k), -limit, limit, seed, `${node.name}/kernel`) } };
    if (weights.bias) entry.bias = { shape: weights.bias, data: uniform(sizeOf(weights.bias), -0.1, 0.1, seed, `${node.name}/bias`) };
    out.set(node.name, entry);
  }
  return out;
}

/** Input values in [0, 1) (image-like), one { name, shape, data } per net input. */
export function makeInputs(net, seed = 2) {
  return net.inputs.map((i) => ({ ...i, data: uniform(sizeOf(i.shape), 0, 1, seed, i.name) }));
}

// The networks --------------------------------------------------------------------------------

/** A one-node net: the op workloads. */
export function single(inputs, node) {
  return { inputs, nodes: [{ name: 'y', ...node }], output: 'y' };
}

/**
 * MobileNetV2 (Sandler et al. 2018) for inference: batch norm folded into the convolutions
 * (so each conv has a bias, as after conversion), ReLU6 fused as the conv activation. `alpha` is
 * the width multiplier, channel counts rounded to multiples of 8 as in the reference models.
 */
export function mobilenetV2({ batch = 1, size = 224, alpha = 1, classes = 1000 } = {}) {
  // Keras's _make_divisible: the nearest multiple of 8, at least 8, never 10% below v.
  const div8 = (v) => {
    const r = Math.max(8, Math.floor((v + 4) / 8) * 8);
    return r < 0.9 * v ? r + 8 : r;
  };
  const nodes = [];
  let n = 0;
  const add = (node) => (nodes.push({ name: `${node.op}_${n++}`, ...node }), nodes[nodes.length - 1].name);
  const conv = (input, filters, k, s, activation) =>
    add({ op: 'conv2d', input, filters, kernel: [k, k], strides: [s, s], padding: 'same', activation, bias: true });

  let x = conv('input', div8(32 * alpha), 3, 2, 'relu6');
  let c = div8(32 * alpha);
  const settings = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
  for (const [t, ch, reps, stride] of settings) {
    const out = div8(ch * alpha);
    for (let i = 0; i < reps; i++) {
      const s = i === 0 ? stride : 1;
      let h = x;
      if (t !== 1) h = conv(h, c * t, 1, 1, 'relu6');
      h = add({ op: 'depthwise_conv2d', input: h, kernel: [3, 3], strides: [s, s], padding: 'same', activation: 'relu6', bias: true });
      h = conv(h, out, 1, 1, 'linear');
      x = s === 1 && c === out ? add({ op: 'add', inputs: [x, h] }) : h;
      c = out;
    }
  }
  // The last conv keeps 1280 channels for alpha <= 1, as the reference models do.
  x = conv(x, alpha > 1 ? div8(1280 * alpha) : 1280, 1, 1, 'relu6');
  x = add({ op: 'global_avg_pool2d', input: x });
  x = add({ op: 'dense', input: x, units: classes, activation: 'linear', bias: true });
  x = add({ op: 'softmax', input: x });
  return { inputs: [{ name: 'input', shape: [batch, size, size, 3] }], nodes, output: x };
}

/**
 * The MNIST convnet of "Deep Learning with Python" (first edition, section 5.1): 93,322
 * parameters. `logits` drops the final softmax (training takes the cross-entropy of the logits).
 */
export function mnistConvnet({ batch = 1, logits = false } = {}) {
  const conv = (name, input, filters) => ({ name, op: 'conv2d', input, filters, kernel: [3, 3], strides: [1, 1], padding: 'valid', activation: 'relu', bias: true });
  const pool = (name, input) => ({ name, op: 'max_pool2d', input, pool: [2, 2], strides: [2, 2] });
  const nodes = [
    conv('conv2d', 'input', 32),
    pool('max_pooling2d', 'conv2d'),
    conv('conv2d_1', 'max_pooling2d', 64),
    pool('max_pooling2d_1', 'conv2d_1'),
    conv('conv2d_2', 'max_pooling2d_1', 64),
    { name: 'flatten', op: 'flatten', input: 'conv2d_2' },
    { name: 'dense', op: 'dense', input: 'flatten', units: 64, activation: 'relu', bias: true },
    { name: 'dense_1', op: 'dense', input: 'dense', units: 10, activation: 'linear', bias: true },
  ];
  if (!logits) nodes.push({ name: 'softmax', op: 'softmax', input: 'dense_1' });
  return { inputs: [{ name: 'input', shape: [batch, 28, 28, 1] }], nodes, output: nodes[nodes.length - 1].name };
}
