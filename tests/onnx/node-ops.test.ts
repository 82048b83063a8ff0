import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/core/backend.js';
import { TinyconvError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { sizeOf } from '../../src/core/shape.js';
import { Tensor } from '../../src/core/tensor.js';
import { createReferenceBackend } from '../../src/backends/reference/index.js';
import { decodeModel, type OnnxTensor } from '../../src/io/onnx/onnx-proto.js';
import { runOnnxModel } from '../../src/io/onnx/run-graph.js';
import { testBackends } from '../util/backends.js';
import { closeReport } from '../util/close.js';
import { INT64, modelProto, nodeProto, tensorProto, valueInfo, type AttrValue } from './proto-writer.js';

/**
 * ONNX node mappings the conformance data does not reach (depthwise and grouped convolution,
 * 1-D convolution, weights as initializers, legacy opsets, N-D global pooling), checked against
 * straightforward NCHW loops written here; and the errors of unsupported or malformed nodes.
 */

const rng = new Rng(2024);

function randn(dims: readonly number[]): Float32Array {
  return Float32Array.from({ length: sizeOf(dims) }, () => rng.normal());
}

function f32(name: string, dims: readonly number[], data: ArrayLike<number>): OnnxTensor {
  return { name, dims: [...dims], dataType: 'float32', data: Float32Array.from(data) };
}

function i64(name: string, values: readonly number[]): OnnxTensor {
  return { name, dims: [values.length], dataType: 'int64', data: BigInt64Array.from(values, (v) => BigInt(v)) };
}

interface OneNode {
  op: string;
  opset?: number;
  /** Graph inputs fed with data, in node input order unless `nodeInputs` says otherwise. */
  feeds: Record<string, OnnxTensor | Tensor>;
  initializers?: OnnxTensor[];
  nodeInputs?: string[];
  attrs?: Record<string, AttrValue>;
  name?: string;
}

/** A one-node model with output "y", run on `backend`. */
function runNode(s: OneNode, backend: Backend = testBackends()[0]!): Tensor {
  const inits = s.initializers ?? [];
  const inputs = s.nodeInputs ?? [...Object.keys(s.feeds), ...inits.map((t) => t.name)];
  const bytes = modelProto({
    opset: s.opset ?? 13,
    nodes: [nodeProto(s.op, inputs, ['y'], s.attrs ?? {}, s.name ?? 'n0')],
    inputs: Object.keys(s.feeds).map((n) => valueInfo(n)),
    outputs: [valueInfo('y')],
    initializers: inits.map((t) => tensorProto(t.name, t.dims, Array.from(t.data as ArrayLike<number | bigint>, Number), t.dataType === 'int64' ? INT64 : 1)),
  });
  return runOnnxModel(decodeModel(bytes), s.feeds, backend).y!;
}

/** Reads `y` back asynchronously (every backend allows that) and compares it; then frees it. */
async function expectClose(y: Tensor, dims: readonly number[], expected: ArrayLike<number>): Promise<void> {
  expect(y.shape).toEqual(dims);
  const bad = closeReport(await y.data(), expected, { rtol: 1e-4, atol: 1e-5 });
  y.dispose();
  expect(bad).toBeNull();
}

/**
 * Runs `f`; a kernel the backend lacks (E_NO_KERNEL) skips the test, so it shows in the counts
 * as a skip and never as a pass. Returns undefined only when skipped.
 */
function orSkip<T>(ctx: { skip(note?: string): void }, f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof TinyconvError) || e.code !== 'E_NO_KERNEL') throw e;
    ctx.skip(e.message);
    return undefined;
  }
}

function expectError(f: () => unknown, code: string, ...parts: string[]): TinyconvError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TinyconvError);
    const err = e as TinyconvError;
    expect(err.code, err.message).toBe(code);
    for (const p of parts) expect(err.message).toContain(p);
    return err;
  }
  throw new Error(`expected ${code}`);
}

// Straightforward NCHW references ---------------------------------------------------------------

interface ConvSpec {
  x: Float32Array;
  xs: number[];
  w: Float32Array;
  ws: number[];
  b?: Float32Array;
  group: number;
  strides: number[];
  dilations: number[];
  /** ONNX order: [begin..., end...]. */
  pads: number[];
}

/** ONNX Conv on an NCL or NCHW input, one output element at a time. */
function convReference(c: ConvSpec): { y: Float64Array; dims: number[] } {
  const sp = c.xs.length - 2;
  // View 1-D as 2-D with height 1.
  const xs = sp === 1 ? [c.xs[0]!, c.xs[1]!, 1, c.xs[2]!] : c.xs;
  const ws = sp === 1 ? [c.ws[0]!, c.ws[1]!, 1, c.ws[2]!] : c.ws;
  const [s0, s1] = sp === 1 ? [1, c.strides[0]!] : c.strides;
  const [d0, d1] = sp === 1 ? [1, c.dilations[0]!] : c.dilations;
  const [p0, p1, e0, e1] = sp === 1 ? [0, c.pads[0]!, 0, c.pads[1]!] : c.pads;
  const [n, cin, h, w] = xs as [number, number, number, number];
  const [m, cg, kh, kw] = ws as [number, number, number, number];
  const oh = Math.floor((h + p0! + e0! - (kh - 1) * d0! - 1) / s0!) + 1;
  const ow = Math.floor((w + p1! + e1! - (kw - 1) * d1! - 1) / s1!) + 1;
  const y = new Float64Array(n * m * oh * ow);
  const mPerGroup = m / c.group;
  let k = 0;
  for (let b = 0; b < n; b++)
    for (let o = 0; o < m; o++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let acc = c.b ? c.b[o]! : 0;
          const g = Math.floor(o / mPerGroup);
          for (let ci = 0; ci < cg; ci++)
            for (let u = 0; u < kh; u++)
              for (let v = 0; v < kw; v++) {
                const r = i * s0! - p0! + u * d0!, q = j * s1! - p1! + v * d1!;
                if (r < 0 || r >= h || q < 0 || q >= w) continue;
                acc += c.x[((b * cin + g * cg + ci) * h + r) * w + q]! * c.w[((o * cg + ci) * kh + u) * kw + v]!;
              }
          y[k++] = acc;
        }
  return { y, dims: sp === 1 ? [n, m, ow] : [n, m, oh, ow] };
}

function convCase(name: string, xs: number[], ws: number[], attrs: { group?: number; strides?: number[]; dilations?: number[]; pads?: number[]; bias?: boolean }): void {
  const sp = xs.length - 2;
  const spec: ConvSpec = {
    x: randn(xs), xs, w: randn(ws), ws,
    group: attrs.group ?? 1,
    strides: attrs.strides ?? new Array(sp).fill(1),
    dilations: attrs.dilations ?? new Array(sp).fill(1),
    pads: attrs.pads ?? new Array(2 * sp).fill(0),
    ...(attrs.bias ? { b: randn([ws[0]!]) } : {}),
  };
  const { y, dims } = convReference(spec);
  const onnxAttrs: Record<string, AttrValue> = { group: { i: spec.group }, strides: { ints: spec.strides }, dilations: { ints: spec.dilations }, pads: { ints: spec.pads } };
  const bias = spec.b ? [f32('b', [ws[0]!], spec.b)] : [];
  for (const backend of testBackends()) {
    it(`${name}: weights as an initializer (${backend.name})`, async (ctx) => {
      const out = orSkip(ctx, () => runNode({ op: 'Conv', feeds: { x: f32('x', xs, spec.x) }, initializers: [f32('w', ws, spec.w), ...bias], attrs: onnxAttrs }, backend));
      if (out) await expectClose(out, dims, y);
    });
    it(`${name}: weights computed at run time (${backend.name})`, async (ctx) => {
      // A Tensor feed is not host-visible, so the weights go through the transpose op.
      const feeds: Record<string, OnnxTensor | Tensor> = { x: f32('x', xs, spec.x), w: Tensor.from(spec.w, ws) };
      if (spec.b) feeds.b = Tensor.from(spec.b, [ws[0]!]);
      const out = orSkip(ctx, () => runNode({ op: 'Conv', feeds, attrs: onnxAttrs }, backend));
      if (out) await expectClose(out, dims, y);
    });
  }
}

describe('Conv mappings beyond the conformance data', () => {
  convCase('depthwise (group = C), channel multiplier 2, strides and dilations, asymmetric pads', [2, 3, 6, 7], [6, 1, 3, 2], { group: 3, strides: [2, 1], dilations: [1, 2], pads: [1, 0, 2, 1], bias: true });
  convCase('grouped (group 2 of 4 channels)', [1, 4, 5, 5], [6, 2, 3, 3], { group: 2, pads: [1, 1, 1, 1], bias: true });
  convCase('1-D with stride, dilation and padding', [2, 3, 9], [4, 3, 3], { strides: [2], dilations: [2], pads: [2, 1] });
  convCase('1-D depthwise', [1, 2, 6], [2, 1, 2], { group: 2 });

  it('SAME_LOWER puts the odd padding first, SAME_UPPER last', async () => {
    const xs = [1, 1, 4, 4], ws = [1, 1, 2, 2];
    const x = randn(xs), w = randn(ws);
    for (const [mode, pads] of [['SAME_LOWER', [1, 1, 0, 0]], ['SAME_UPPER', [0, 0, 1, 1]]] as const) {
      const { y, dims } = convReference({ x, xs, w, ws, group: 1, strides: [1, 1], dilations: [1, 1], pads: [...pads] });
      await expectClose(runNode({ op: 'Conv', feeds: { x: f32('x', xs, x) }, initializers: [f32('w', ws, w)], attrs: { auto_pad: { s: mode } } }), dims, y);
    }
  });
});

describe('other mappings beyond the conformance data', () => {
  it('Softmax before opset 13 normalizes the flattened dimensions from axis on; from 13, one axis', async () => {
    const dims = [2, 3, 4];
    const x = randn(dims);
    const flat = new Float64Array(24);
    for (let b = 0; b < 2; b++) {
      const row = x.subarray(b * 12, b * 12 + 12);
      const m = Math.max(...row);
      const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
      for (let i = 0; i < 12; i++) flat[b * 12 + i] = Math.exp(row[i]! - m) / s;
    }
    const single = new Float64Array(24);
    for (let b = 0; b < 2; b++)
      for (let k = 0; k < 4; k++) {
        let s = 0;
        for (let j = 0; j < 3; j++) s += Math.exp(x[b * 12 + j * 4 + k]!);
        for (let j = 0; j < 3; j++) single[b * 12 + j * 4 + k] = Math.exp(x[b * 12 + j * 4 + k]!) / s;
      }
    await expectClose(runNode({ op: 'Softmax', opset: 11, feeds: { x: f32('x', dims, x) }, attrs: { axis: { i: 1 } } }), dims, flat);
    await expectClose(runNode({ op: 'Softmax', opset: 11, feeds: { x: f32('x', dims, x) } }), dims, flat); // default axis 1
    await expectClose(runNode({ op: 'Softmax', opset: 13, feeds: { x: f32('x', dims, x) }, attrs: { axis: { i: 1 } } }), dims, single);
  });

  it('MatMul with vector operands drops their axis as NumPy does', async () => {
    const a = randn([3]), b = randn([2, 3, 4]), m = randn([2, 3]), v = randn([3]);
    const ab = new Float64Array(8);
    for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) for (let j = 0; j < 3; j++) ab[i * 4 + k]! += a[j]! * b[(i * 3 + j) * 4 + k]!;
    await expectClose(runNode({ op: 'MatMul', feeds: { a: f32('a', [3], a), b: f32('b', [2, 3, 4], b) } }), [2, 4], ab);
    const mv = [0, 1].map((i) => [0, 1, 2].reduce((s, j) => s + m[i * 3 + j]! * v[j]!, 0));
    await expectClose(runNode({ op: 'MatMul', feeds: { a: f32('a', [2, 3], m), b: f32('b', [3], v) } }), [2], mv);
    await expectClose(runNode({ op: 'MatMul', feeds: { a: f32('a', [3], a), b: f32('b', [3], v) } }), [], [a.reduce((s, x, j) => s + x * v[j]!, 0)]);
  });

  it('Gemm with C computed at run time scales it by beta with a mul op', async () => {
    const a = randn([3, 2]), b = randn([3, 4]), c = randn([4]);
    const y = new Float64Array(8);
    for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) {
      let s = 0;
      for (let j = 0; j < 3; j++) s += a[j * 2 + i]! * b[j * 4 + k]!;
      y[i * 4 + k] = 2 * s + 0.5 * c[k]!;
    }
    const attrs = { alpha: { f: 2 }, beta: { f: 0.5 }, transA: { i: 1 } };
    await expectClose(runNode({ op: 'Gemm', feeds: { a: f32('a', [3, 2], a), b: f32('b', [3, 4], b), c: Tensor.from(c, [4]) }, attrs }), [2, 4], y);
    await expectClose(runNode({ op: 'Gemm', feeds: { a: f32('a', [3, 2], a), b: f32('b', [3, 4], b) }, initializers: [f32('c', [4], c)], attrs }), [2, 4], y);
  });

  it('global pooling and batch normalization over any number of spatial dimensions', async () => {
    const dims = [2, 3, 2, 2, 3];
    const x = randn(dims);
    const mean = new Float64Array(6), max = new Float64Array(6).fill(-Infinity);
    for (let i = 0; i < 6; i++) for (let s = 0; s < 12; s++) {
      mean[i]! += x[i * 12 + s]! / 12;
      max[i] = Math.max(max[i]!, x[i * 12 + s]!);
    }
    await expectClose(runNode({ op: 'GlobalAveragePool', feeds: { x: f32('x', dims, x) } }), [2, 3, 1, 1, 1], mean);
    await expectClose(runNode({ op: 'GlobalMaxPool', feeds: { x: f32('x', [2, 3, 12], x) } }), [2, 3, 1], max);

    const [g, bb, mu, v] = [randn([3]), randn([3]), randn([3]), Float32Array.from([0.5, 1, 2])];
    for (const d of [[4, 3], [2, 3, 5]]) {
      const xv = randn(d);
      const inner = sizeOf(d.slice(2));
      const y = Float64Array.from(xv, (val, i) => {
        const ch = Math.floor(i / inner) % 3;
        return ((val - mu[ch]!) / Math.sqrt(v[ch]! + 1e-3)) * g[ch]! + bb[ch]!;
      });
      const out = runNode({ op: 'BatchNormalization', feeds: { x: f32('x', d, xv) }, initializers: [f32('g', [3], g), f32('b', [3], bb), f32('m', [3], mu), f32('v', [3], v)], attrs: { epsilon: { f: 1e-3 } } });
      await expectClose(out, d, y);
    }
  });

  it('Resize of a 1-D image (NCL), by scales and by sizes', async () => {
    const x = randn([1, 2, 5]);
    // half_pixel linear, scale 2: source (o + 0.5) / 2 - 0.5, clamped to the input.
    const y = new Float64Array(20);
    for (let c = 0; c < 2; c++) for (let o = 0; o < 10; o++) {
      const s = Math.min(Math.max((o + 0.5) / 2 - 0.5, 0), 4);
      const lo = Math.floor(s), hi = Math.min(lo + 1, 4), t = s - lo;
      y[c * 10 + o] = x[c * 5 + lo]! * (1 - t) + x[c * 5 + hi]! * t;
    }
    const feeds = { x: f32('x', [1, 2, 5], x) };
    const attrs = { mode: { s: 'linear' } };
    await expectClose(runNode({ op: 'Resize', feeds, initializers: [f32('scales', [3], [1, 1, 2])], nodeInputs: ['x', '', 'scales'], attrs }), [1, 2, 10], y);
    await expectClose(runNode({ op: 'Resize', feeds, initializers: [i64('sizes', [1, 2, 10])], nodeInputs: ['x', '', '', 'sizes'], attrs }), [1, 2, 10], y);
  });

  it('legacy opsets: Upsample and Resize-10 sample asymmetric and round down; attributes instead of inputs', async () => {
    const x = randn([1, 1, 2, 3]);
    const near = new Float64Array(4 * 9);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 9; j++) near[i * 9 + j] = x[Math.floor(i / 2) * 3 + Math.floor(j / 3)]!;
    const feeds = { x: f32('x', [1, 1, 2, 3], x) };
    const scales = f32('scales', [4], [1, 1, 2, 3]);
    await expectClose(runNode({ op: 'Upsample', opset: 7, feeds, attrs: { scales: { floats: [1, 1, 2, 3] } } }), [1, 1, 4, 9], near);
    await expectClose(runNode({ op: 'Upsample', opset: 9, feeds, initializers: [scales] }), [1, 1, 4, 9], near);
    await expectClose(runNode({ op: 'Resize', opset: 10, feeds, initializers: [scales] }), [1, 1, 4, 9], near);
    // Linear, asymmetric: source o / scale.
    const lin = new Float64Array(4 * 9);
    const at = (r: number, c: number): number => x[r * 3 + c]!;
    for (let i = 0; i < 4; i++) for (let j = 0; j < 9; j++) {
      const r = Math.min(i / 2, 1), c = Math.min(j / 3, 2);
      const r0 = Math.floor(r), c0 = Math.floor(c), r1 = Math.min(r0 + 1, 1), c1 = Math.min(c0 + 1, 2);
      const tr = r - r0, tc = c - c0;
      lin[i * 9 + j] = (at(r0, c0) * (1 - tc) + at(r0, c1) * tc) * (1 - tr) + (at(r1, c0) * (1 - tc) + at(r1, c1) * tc) * tr;
    }
    await expectClose(runNode({ op: 'Resize', opset: 10, feeds, initializers: [scales], attrs: { mode: { s: 'linear' } } }), [1, 1, 4, 9], lin);

    const p = randn([2, 3]);
    const pad = runNode({ op: 'Pad', opset: 2, feeds: { x: f32('x', [2, 3], p) }, attrs: { pads: { ints: [0, 0, 1, 1] }, value: { f: 1.5 } } });
    await expectClose(pad, [3, 4], [p[0]!, p[1]!, p[2]!, 1.5, p[3]!, p[4]!, p[5]!, 1.5, 1.5, 1.5, 1.5, 1.5]);
    await expectClose(runNode({ op: 'Reshape', opset: 4, feeds: { x: f32('x', [2, 3], p) }, attrs: { shape: { ints: [3, -1] } } }), [3, 2], p);

    // Add before opset 7: B aligned at axis 1 of A.
    const a = randn([2, 3, 4]), b = randn([3]);
    const sum = Float64Array.from(a, (v, i) => v + b[Math.floor(i / 4) % 3]!);
    await expectClose(runNode({ op: 'Add', opset: 6, feeds: { a: f32('a', [2, 3, 4], a), b: f32('b', [3], b) }, attrs: { broadcast: { i: 1 }, axis: { i: 1 } } }), [2, 3, 4], sum);
  });

  it('Pad with axes (opset 18) and constant inputs from Constant nodes', async () => {
    const x = randn([2, 2]);
    const bytes = modelProto({
      opset: 18,
      nodes: [
        nodeProto('Constant', [], ['pads'], { value: { t: tensorProto('pads', [2], [1, 2], INT64) } }),
        nodeProto('Constant', [], ['axes'], { value_ints: { ints: [-1] } }),
        nodeProto('Constant', [], ['v'], { value_float: { f: -1 } }),
        nodeProto('Pad', ['x', 'pads', 'v', 'axes'], ['p']),
        nodeProto('Identity', ['p'], ['y']),
      ],
      inputs: [valueInfo('x', [2, 2])],
      outputs: [valueInfo('y')],
    });
    const y = runOnnxModel(decodeModel(bytes), { x: f32('x', [2, 2], x) }, testBackends()[0]!).y!;
    await expectClose(y, [2, 5], [-1, x[0]!, x[1]!, -1, -1, -1, x[2]!, x[3]!, -1, -1]);
  });
});

describe('unsupported and malformed nodes', () => {
  const x4 = { x: f32('x', [1, 1, 4, 4], randn([1, 1, 4, 4])) };

  it('name the node, the op, the attribute and a hint', async () => {
    const scales = f32('scales', [4], [1, 1, 2, 2]);
    const e = expectError(
      () => runNode({ op: 'Resize', name: 'up1', feeds: x4, initializers: [scales], nodeInputs: ['x', '', 'scales'], attrs: { mode: { s: 'cubic' } } }),
      'E_UNSUPPORTED', '"up1"', 'Resize', 'mode = "cubic"', 'nearest and linear',
    );
    expect(e.details).toMatchObject({ node: 'up1', op: 'Resize', attr: 'mode' });
    expect(expectError(() => runNode({ op: 'Relu', feeds: x4, attrs: { foo: { i: 1 } } }), 'E_UNSUPPORTED', 'attribute foo').details.attr).toBe('foo');
    expectError(() => runNode({ op: 'MaxPool', feeds: x4, attrs: { kernel_shape: { ints: [2, 2] }, storage_order: { i: 1 } } }), 'E_UNSUPPORTED', 'storage_order');
    expectError(() => runNode({ op: 'Conv', feeds: { x: f32('x', [1, 1, 2, 2, 2], new Float32Array(8)) }, initializers: [f32('w', [1, 1, 1, 1, 1], [1])] }), 'E_UNSUPPORTED', '3-D image');
    expectError(() => runNode({ op: 'Gelu', feeds: x4 }), 'E_UNSUPPORTED', 'Gelu', 'supported ONNX operators');
    expectError(() => runNode({ op: 'Resize', feeds: x4, initializers: [f32('scales', [4], [2, 1, 1, 1])], nodeInputs: ['x', '', 'scales'] }), 'E_UNSUPPORTED', 'batch or channel');
    // A legacy attribute where the opset expects an input.
    expectError(() => runNode({ op: 'Reshape', opset: 13, feeds: x4, initializers: [i64('s', [16])], attrs: { shape: { ints: [16] } } }), 'E_UNSUPPORTED', 'attribute shape');
  });

  it('constants the mapping needs must be known at import', async () => {
    expectError(() => runNode({ op: 'Reshape', feeds: { x: x4.x, s: Tensor.from([16], [1]) } }), 'E_UNSUPPORTED', 'target shape', 'must be a constant');
  });

  it('bad attribute types and values are E_ATTR, shapes that do not fit E_SHAPE', async () => {
    expectError(() => runNode({ op: 'MaxPool', feeds: x4, attrs: { kernel_shape: { floats: [2, 2] } } }), 'E_ATTR', 'kernel_shape must be a list of integers');
    expectError(() => runNode({ op: 'MaxPool', feeds: x4 }), 'E_ATTR', 'kernel_shape is required');
    expectError(() => runNode({ op: 'AveragePool', feeds: x4, attrs: { kernel_shape: { ints: [2] } } }), 'E_ATTR', 'kernel_shape must be 2 integers');
    expectError(() => runNode({ op: 'Conv', feeds: x4, initializers: [f32('w', [1, 1, 3, 3], new Float32Array(9))], attrs: { auto_pad: { s: 'SAME_UPPER' }, pads: { ints: [1, 1, 1, 1] } } }), 'E_ATTR', 'pads cannot be combined');
    expectError(() => runNode({ op: 'Conv', feeds: x4, initializers: [f32('w', [2, 2, 1, 1], new Float32Array(4))] }), 'E_SHAPE', 'group 1');
    // Shape errors raised by our ops name the ONNX node as well.
    expectError(() => runNode({ op: 'Add', name: 'sum7', feeds: { a: f32('a', [2], [1, 2]), b: f32('b', [3], [1, 2, 3]) } }), 'E_SHAPE', 'ONNX node "sum7" (Add)', 'cannot be broadcast');
  });

  it('graph-level errors: feeds and dangling values', async () => {
    const model = decodeModel(modelProto({ opset: 13, nodes: [nodeProto('Relu', ['x'], ['y'])], inputs: [valueInfo('x', [2])], outputs: [valueInfo('y')] }));
    const backend = testBackends()[0]!;
    expectError(() => runOnnxModel(model, {}, backend), 'E_ARG', '"x" is not fed');
    expectError(() => runOnnxModel(model, { x: f32('x', [2], [1, 2]), z: f32('z', [1], [0]) }, backend), 'E_ARG', '"z"');
    expectError(() => runOnnxModel(model, { x: f32('x', [3], [1, 2, 3]) }, backend), 'E_SHAPE', 'declared [2]');
    const dangling = decodeModel(modelProto({ opset: 13, nodes: [nodeProto('Relu', ['q'], ['y'])], inputs: [valueInfo('x')], outputs: [valueInfo('y')] }));
    expectError(() => runOnnxModel(dangling, { x: f32('x', [1], [1]) }, backend), 'E_GRAPH', '"q"');
  });

  it('frees intermediate tensors as soon as no node needs them, and never the outputs', async () => {
    const ref = createReferenceBackend();
    const released: Tensor[] = [];
    const spy: Backend = {
      name: 'spy',
      kernels: ref.kernels,
      upload: (data, shape) => new Tensor(shape, spy, Float32Array.from(data)),
      read: async (t) => Float32Array.from(t.handle as Float32Array),
      readSync: (t) => Float32Array.from(t.handle as Float32Array),
      release: (t) => void released.push(t),
    };
    const model = decodeModel(modelProto({
      opset: 13,
      nodes: [nodeProto('Relu', ['x'], ['h']), nodeProto('Sigmoid', ['h'], ['y'])],
      inputs: [valueInfo('x', [3])],
      outputs: [valueInfo('y')],
    }));
    const x = [-1, 0, 2];
    const y = runOnnxModel(model, { x: f32('x', [3], x) }, spy).y!;
    expect(released).toHaveLength(2); // the uploaded x, then h
    expect(released.every((t) => t.isDisposed)).toBe(true);
    expect(y.isDisposed).toBe(false);
    await expectClose(y, [3], x.map((v) => 1 / (1 + Math.exp(-Math.max(v, 0)))));
  });
});
