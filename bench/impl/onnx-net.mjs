/**
 * A bench net as an ONNX model, the way a converter would write it: images NCHW, kernels in
 * ONNX layouts ([Cout, Cin, kh, kw]; depthwise as a grouped Conv), 'same' padding as explicit pads,
 * ReLU6 as Clip(0, 6), dense layers as Gemm (their rows permuted when they follow a Flatten, which
 * reads NCHW in C, H, W order where Keras reads H, W, C).
 */

import { OnnxGraph } from '../onnx.mjs';
import { analyze, dataInputs } from '../nets.mjs';

/** NHWC data -> NCHW. */
export function toNCHW(data, [n, h, w, c]) {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) out[((b * c + k) * h + y) * w + x] = data[((b * h + y) * w + x) * c + k];
  return out;
}

/** NCHW data (of an NHWC shape) -> NHWC. */
export function fromNCHW(data, [n, h, w, c]) {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) out[((b * h + y) * w + x) * c + k] = data[((b * c + k) * h + y) * w + x];
  return out;
}

const nchw = ([n, h, w, c]) => [n, c, h, w];
const dimsOf = (shape) => (shape.length === 4 ? nchw(shape) : shape);

/** Explicit [top, left, bottom, right] pads for a window over an NHWC input. */
function pads(padding, [, h, w], kernel, strides) {
  if (padding === 'valid') return [0, 0, 0, 0];
  const one = (size, k, s) => {
    const out = Math.ceil(size / s);
    const total = Math.max((out - 1) * s + k - size, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  const [t, b] = one(h, kernel[0], strides[0]);
  const [l, r] = one(w, kernel[1], strides[1]);
  return [t, l, b, r];
}

/** Keras conv kernel [kh, kw, cin, cout] -> ONNX [cout, cin, kh, kw]. */
function convKernel(data, [kh, kw, cin, cout]) {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = data[((y * kw + x) * cin + i) * cout + o];
  return out;
}

/** Keras depthwise kernel [kh, kw, c, 1] -> ONNX grouped-conv kernel [c, 1, kh, kw]. */
function depthwiseKernel(data, [kh, kw, c]) {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let k = 0; k < c; k++) out[(k * kh + y) * kw + x] = data[(y * kw + x) * c + k];
  return out;
}

/** Dense kernel rows in H, W, C order (Keras Flatten) -> C, H, W order (ONNX Flatten of NCHW). */
function flattenedRows(data, units, [, h, w, c]) {
  const out = new Float32Array(data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < c; k++) {
        const from = ((y * w + x) * c + k) * units, to = ((k * h + y) * w + x) * units;
        out.set(data.subarray(from, from + units), to);
      }
  return out;
}

/**
 * The ONNX model of `net` with `weights` (nets.mjs makeWeights). Returns { bytes, inputs: [{ name,
 * shape (NHWC), dims (ONNX) }], output: { name, shape (NHWC), dims } }; 4-D tensors are NCHW in the
 * model (toNCHW / fromNCHW convert).
 */
export function onnxModel(net, weights) {
  const a = analyze(net);
  const g = new OnnxGraph();
  const names = new Map();
  for (const i of net.inputs) names.set(i.name, g.input(i.name, dimsOf(i.shape)));
  /** NHWC shape a Flatten node flattened, for the Dense that reads it. */
  const flattened = new Map();
  const clip = [];
  const activate = (y, activation) => {
    if (activation === 'linear') return y;
    if (activation === 'relu') return g.node('Relu', [y]);
    if (activation === 'relu6') {
      if (clip.length === 0) clip.push(g.weight([0], [], 'zero'), g.weight([6], [], 'six'));
      return g.node('Clip', [y, ...clip]);
    }
    throw new Error(`onnx bench model: activation ${activation}`);
  };

  for (const { node, inShapes, weights: ws } of a.nodes) {
    const ins = dataInputs(node).map((n) => names.get(n));
    const x = inShapes[0];
    const w = weights.get(node.name);
    let y;
    switch (node.op) {
      case 'conv2d':
      case 'depthwise_conv2d': {
        const dw = node.op === 'depthwise_conv2d';
        const kernel = dw ? depthwiseKernel(w.kernel.data, ws.kernel) : convKernel(w.kernel.data, ws.kernel);
        const kdims = dw ? [x[3], 1, ...node.kernel] : [node.filters, x[3], ...node.kernel];
        const inputs = [ins[0], g.weight(kernel, kdims)];
        if (w.bias) inputs.push(g.weight(w.bias.data, w.bias.shape, 'b'));
        const attrs = { kernel_shape: node.kernel, strides: node.strides, pads: pads(node.padding, x, node.kernel, node.strides) };
        if (dw) attrs.group = x[3];
        y = activate(g.node('Conv', inputs, attrs), node.activation);
        break;
      }
      case 'max_pool2d':
        y = g.node('MaxPool', ins, { kernel_shape: node.pool, strides: node.strides, pads: [0, 0, 0, 0] });
        break;
      case 'matmul':
        y = g.node('MatMul', ins);
        break;
      case 'dense': {
        const from = flattened.get(dataInputs(node)[0]);
        const kernel = from ? flattenedRows(w.kernel.data, node.units, from) : w.kernel.data;
        const inputs = [ins[0], g.weight(kernel, ws.kernel)];
        if (w.bias) inputs.push(g.weight(w.bias.data, w.bias.shape, 'b'));
        y = activate(g.node('Gemm', inputs), node.activation);
        break;
      }
      case 'add':
        y = g.node('Add', ins);
        break;
      case 'global_avg_pool2d':
        y = g.node('Flatten', [g.node('GlobalAveragePool', ins)], { axis: 1 });
        break;
      case 'flatten':
        y = g.node('Flatten', ins, { axis: 1 });
        if (x.length === 4) flattened.set(node.name, x);
        break;
      case 'softmax':
        y = g.node('Softmax', ins, { axis: -1 });
        break;
      default:
        throw new Error(`onnx bench model: node kind ${node.op}`);
    }
    names.set(node.name, y);
  }
  // The graph output keeps the last node's name: rename through an Identity.
  const outShape = a.output;
  const output = g.node('Identity', [names.get(net.output)], {}, 'output');
  g.output(output, dimsOf(outShape));
  return {
    bytes: g.toBytes(),
    inputs: net.inputs.map((i) => ({ name: i.name, shape: i.shape, dims: dimsOf(i.shape) })),
    output: { name: output, shape: outShape, dims: dimsOf(outShape) },
  };
}
