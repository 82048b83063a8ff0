import { TinyconvError, withContext } from '../../core/errors.js';
import { shapeToString, sizeOf, stridesOf, type Shape } from '../../core/shape.js';
import { tensorFloat32, tensorNumbers, type OnnxAttribute, type OnnxAttributeType, type OnnxNode, type OnnxTensor } from './onnx-proto.js';

/**
 * The mapping from one ONNX node to tinyconv ops. ONNX images are NCHW and ours are NHWC, so
 * spatial ops are wrapped in `transpose` ops (NCHW -> NHWC -> NCHW) and convolution weights are
 * permuted from ONNX's [Cout, Cin/g, kh, kw] to ours [kh, kw, Cin/g, Cout]. 1-D images (NCL) run
 * as 2-D images of height 1. Every operator, attribute, attribute value, extra output or input
 * rank the mapping cannot honour exactly raises E_UNSUPPORTED naming the node, the op and the
 * attribute, with a hint: never a silently different result. Values are computed in float32, the
 * engine's element type: integer tensors are exact up to 2^24 (no wrap-around on overflow).
 *
 * The mapping does not run anything itself: it emits ops into a GraphSink, which may run them
 * at once (run-graph.ts) or record them as a graph (the importer).
 */

/** Where mapped ops go. `T` is the sink's value: a tensor when running, a node when building. */
export interface GraphSink<T> {
  /** Adds one of our ops (by registry name) with the given inputs and attributes; returns its output. */
  op(name: string, inputs: readonly T[], attrs: Record<string, unknown>): T;
  /** A constant tensor. */
  constant(data: Float32Array, shape: Shape, name: string): T;
  shape(t: T): Shape;
}

/**
 * An ONNX value while mapping. `host` holds values known at import time (initializers, Constant
 * outputs, inputs fed with data); `ref` is the value in the sink, created from `host` on first use.
 */
export interface OnnxValue<T> {
  ref?: T;
  host?: OnnxTensor;
}

export interface MapContext<T> {
  sink: GraphSink<T>;
  /** Version of the default ('' / 'ai.onnx') operator set the model imports. */
  opset: number;
}

/** Maps `node` with its input values (undefined for omitted optional inputs); returns one value per output. */
export function mapNode<T>(node: OnnxNode, inputs: readonly (OnnxValue<T> | undefined)[], ctx: MapContext<T>): OnnxValue<T>[] {
  const n = new NodeMapper(node, inputs, ctx);
  if (node.domain !== '' && node.domain !== 'ai.onnx') {
    n.unsupported(`operator domain "${node.domain}"`, 'only the default ONNX operator set (ai.onnx) is supported');
  }
  const rule = RULES[node.opType];
  if (!rule) n.unsupported('the operator', `supported ONNX operators: ${SUPPORTED_ONNX_OPS.join(', ')}`);
  const known = typeof rule.attrs === 'function' ? rule.attrs(ctx.opset) : rule.attrs;
  for (const name of Object.keys(node.attributes)) {
    if (!known.includes(name)) n.unsupported(`attribute ${name}`, `the attributes understood for ${node.opType} at opset ${ctx.opset} are: ${known.join(', ') || 'none'}`, name);
  }
  // Outputs beyond those the rule produces (MaxPool indices, BatchNormalization training statistics)
  // must not be consumed: they would otherwise be silently missing.
  node.outputs.forEach((o, i) => {
    if (i >= rule.outputs && o !== '') n.unsupported(`output ${i} ("${o}")`, `only the first ${rule.outputs} output(s) of ${node.opType} can be produced`);
  });
  // Errors from the ops it emits (shapes that do not fit) name the node too.
  return withContext(n.where, () => rule.map(n));
}

// --------------------------------------------------------------------------------------------
// Reading a node: attributes, inputs, host constants.

const ATTR_NAMES: Record<OnnxAttributeType, string> = {
  undefined: 'undefined', float: 'a float', int: 'an integer', string: 'a string', tensor: 'a tensor', graph: 'a graph',
  floats: 'a list of floats', ints: 'a list of integers', strings: 'a list of strings', tensors: 'a list of tensors', graphs: 'a list of graphs',
  sparse_tensor: 'a sparse tensor', sparse_tensors: 'sparse tensors', type_proto: 'a type', type_protos: 'types',
};

class NodeMapper<T> {
  readonly where: string;
  readonly sink: GraphSink<T>;
  readonly opset: number;

  constructor(
    readonly node: OnnxNode,
    readonly inputs: readonly (OnnxValue<T> | undefined)[],
    ctx: MapContext<T>,
  ) {
    this.sink = ctx.sink;
    this.opset = ctx.opset;
    const label = node.name || (node.outputs[0] ? `producing "${node.outputs[0]}"` : '(unnamed)');
    this.where = `ONNX node ${node.name ? `"${label}"` : label} (${node.opType})`;
  }

  private details(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { node: this.node.name, op: this.node.opType, ...extra };
  }

  unsupported(what: string, hint: string, attr?: string): never {
    throw new TinyconvError('E_UNSUPPORTED', `${this.where}: ${what} is not supported; ${hint}`, this.details(attr ? { attr } : {}));
  }

  fail(code: 'E_ATTR' | 'E_SHAPE' | 'E_GRAPH' | 'E_VALUE', message: string, extra: Record<string, unknown> = {}): never {
    throw new TinyconvError(code, `${this.where}: ${message}`, this.details(extra));
  }

  // Attributes ---------------------------------------------------------------------------------

  has(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.node.attributes, name);
  }

  private attr(name: string, type: OnnxAttributeType): OnnxAttribute | undefined {
    if (!this.has(name)) return undefined;
    const a = this.node.attributes[name]!;
    if (a.type !== type) this.fail('E_ATTR', `attribute ${name} must be ${ATTR_NAMES[type]}, got ${ATTR_NAMES[a.type]}`, { attr: name });
    return a;
  }

  private missing(name: string): never {
    this.fail('E_ATTR', `attribute ${name} is required`, { attr: name });
  }

  int(name: string, def?: number): number {
    const v = this.attr(name, 'int')?.i ?? def;
    return v ?? this.missing(name);
  }

  /** An integer attribute that must be 0 or 1. */
  flag(name: string, def: 0 | 1): boolean {
    const v = this.int(name, def);
    if (v !== 0 && v !== 1) this.fail('E_ATTR', `attribute ${name} must be 0 or 1, got ${v}`, { attr: name });
    return v === 1;
  }

  float(name: string, def?: number): number {
    const v = this.attr(name, 'float')?.f ?? def;
    return v ?? this.missing(name);
  }

  str(name: string, def?: string): string {
    const v = this.attr(name, 'string')?.s ?? def;
    return v ?? this.missing(name);
  }

  /** A string attribute from a fixed set; other values are unsupported with a hint. */
  choice<S extends string>(name: string, supported: readonly S[], def: S, hint: string): S {
    const v = this.str(name, def);
    if (!supported.includes(v as S)) this.unsupported(`${name} = "${v}"`, `${hint} (supported: ${supported.join(', ')})`, name);
    return v as S;
  }

  ints(name: string, def?: readonly number[]): number[] {
    const v = this.attr(name, 'ints')?.ints ?? def;
    return v ? [...v] : this.missing(name);
  }

  tensorAttr(name: string): OnnxTensor {
    return this.attr(name, 'tensor')?.t ?? this.missing(name);
  }

  floats(name: string, def?: readonly number[]): number[] {
    const v = this.attr(name, 'floats')?.floats ?? def;
    return v ? [...v] : this.missing(name);
  }

  // Inputs -------------------------------------------------------------------------------------

  /** Input `i`, which must be present. */
  value(i: number): OnnxValue<T> {
    const v = this.inputs[i];
    if (!v) this.fail('E_GRAPH', `input ${i} is required but missing`, { input: i });
    return v;
  }

  present(i: number): boolean {
    return this.inputs[i] !== undefined;
  }

  shape(i: number): Shape {
    const v = this.value(i);
    if (v.host) return v.host.dims;
    if (v.ref === undefined) this.fail('E_GRAPH', `input ${i} has no value`, { input: i });
    return this.sink.shape(v.ref);
  }

  /** Input `i` as a sink value (host constants enter the sink once, on first use). */
  tensor(i: number): T {
    const v = this.value(i);
    if (v.ref === undefined) {
      if (!v.host) this.fail('E_GRAPH', `input ${i} has no value`, { input: i });
      v.ref = this.sink.constant(tensorFloat32(v.host), v.host.dims, v.host.name || `${this.node.name}:${i}`);
    }
    return v.ref;
  }

  /** Host values of input `i`, which must be known at import time (an initializer or a constant). */
  host(i: number, role: string): OnnxTensor {
    const v = this.value(i);
    if (!v.host) {
      this.unsupported(`a computed ${role} (input ${i}, "${this.node.inputs[i]}")`, `the ${role} must be a constant: an initializer or the output of a Constant node`);
    }
    return v.host;
  }

  hostInts(i: number, role: string): number[] {
    const t = this.host(i, role);
    if (t.dataType !== 'int64' && t.dataType !== 'int32') this.fail('E_VALUE', `the ${role} (input ${i}) must hold integers, got ${t.dataType}`, { input: i });
    const out = Array.from(tensorNumbers(t));
    for (const x of out) if (!Number.isSafeInteger(x)) this.fail('E_VALUE', `the ${role} (input ${i}) holds ${x}, which is not a usable integer`, { input: i });
    return out;
  }

  hostFloats(i: number, role: string): number[] {
    return Array.from(tensorNumbers(this.host(i, role)));
  }

  // Emitting -----------------------------------------------------------------------------------

  op(name: string, inputs: readonly T[], attrs: Record<string, unknown> = {}): T {
    return this.sink.op(name, inputs, attrs);
  }

  reshape(x: T, shape: readonly number[]): T {
    return this.op('reshape', [x], { shape: [...shape] });
  }

  transpose(x: T, perm: readonly number[]): T {
    return this.op('transpose', [x], { perm: [...perm] });
  }

  scalar(v: number, what: string): T {
    return this.sink.constant(Float32Array.of(v), [], `${this.node.name}:${what}`);
  }

  out(...refs: T[]): OnnxValue<T>[] {
    return refs.map((ref) => ({ ref }));
  }
}

// --------------------------------------------------------------------------------------------
// Layout: NCHW (ONNX) <-> NHWC (ours).

/** The number of spatial dimensions of an image input: 1 (NCL) or 2 (NCHW). */
function spatialRank<T>(n: NodeMapper<T>, x: Shape): 1 | 2 {
  if (x.length === 3 || x.length === 4) return (x.length - 2) as 1 | 2;
  if (x.length > 4) n.unsupported(`a ${x.length - 2}-D image (input ${shapeToString(x)})`, 'only 1-D and 2-D images (3-D [N, C, L] or 4-D [N, C, H, W] inputs) are supported');
  return n.fail('E_SHAPE', `input ${shapeToString(x)} must be [N, C, L] or [N, C, H, W]`, { shape: x });
}

/** NCL / NCHW -> NHWC (an NCL image becomes height 1). */
function toNHWC<T>(n: NodeMapper<T>, x: T, shape: Shape): T {
  if (shape.length === 4) return n.transpose(x, [0, 2, 3, 1]);
  const [b, c, l] = shape as [number, number, number];
  return n.reshape(n.transpose(x, [0, 2, 1]), [b, 1, l, c]);
}

/** NHWC -> NCHW, or NCL when the ONNX input was 1-D. */
function fromNHWC<T>(n: NodeMapper<T>, y: T, onnxRank: number): T {
  if (onnxRank === 4) return n.transpose(y, [0, 3, 1, 2]);
  const [b, , l, c] = n.sink.shape(y) as [number, number, number, number];
  return n.transpose(n.reshape(y, [b, l, c]), [0, 2, 1]);
}

/** Permutes a row-major host array: out.shape[i] = shape[perm[i]]. */
function permuteHost(data: Float32Array, shape: Shape, perm: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  const src = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]!);
  const step = perm.map((p) => src[p]!);
  const idx = new Array<number>(perm.length).fill(0);
  let off = 0;
  for (let k = 0; k < out.length; k++) {
    out[k] = data[off]!;
    for (let d = perm.length - 1; d >= 0; d--) {
      idx[d]!++;
      off += step[d]!;
      if (idx[d]! < outShape[d]!) break;
      off -= step[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

// --------------------------------------------------------------------------------------------
// Window geometry of Conv and the pools.

interface Window2d {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  /** [top, bottom, left, right]. */
  pads: [number, number, number, number];
}

const AUTO_PADS = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'] as const;

/**
 * Reads kernel_shape (or takes `kernel` from the weights), strides, dilations, pads and auto_pad
 * for an input with spatial sizes `sizes`, and returns them as 2-D window attributes.
 */
function readWindow<T>(n: NodeMapper<T>, sizes: readonly number[], kernel: readonly number[] | undefined): Window2d {
  const sp = sizes.length;
  const list = (name: string, def: number[] | undefined, min: number, len = sp): number[] => {
    const v = n.ints(name, def);
    if (v.length !== len || v.some((d) => !Number.isInteger(d) || d < min)) {
      n.fail('E_ATTR', `attribute ${name} must be ${len} integers >= ${min} for a ${sp}-D image, got [${v.join(', ')}]`, { attr: name });
    }
    return v;
  };
  let k: number[];
  if (kernel) {
    k = [...kernel];
    if (n.has('kernel_shape')) {
      const ks = list('kernel_shape', undefined, 1);
      if (ks.some((d, i) => d !== k[i])) n.fail('E_SHAPE', `attribute kernel_shape [${ks.join(', ')}] does not match the weights' kernel [${k.join(', ')}]`, { attr: 'kernel_shape' });
    }
  } else {
    k = list('kernel_shape', undefined, 1);
  }
  const ones = new Array<number>(sp).fill(1);
  const strides = list('strides', ones, 1);
  const dilations = list('dilations', ones, 1);
  const autoPad = n.str('auto_pad', 'NOTSET');
  if (!(AUTO_PADS as readonly string[]).includes(autoPad)) n.fail('E_ATTR', `attribute auto_pad must be one of ${AUTO_PADS.join(', ')}, got "${autoPad}"`, { attr: 'auto_pad' });
  let pads = list('pads', new Array<number>(2 * sp).fill(0), 0, 2 * sp);
  if (autoPad !== 'NOTSET') {
    if (pads.some((p) => p !== 0)) n.fail('E_ATTR', `attribute pads cannot be combined with auto_pad ${autoPad}`, { attr: 'pads' });
    if (autoPad === 'VALID') pads = new Array<number>(2 * sp).fill(0);
    else {
      // SAME: output = ceil(input / stride); the odd pixel of padding goes at the end (UPPER) or the beginning (LOWER).
      for (let a = 0; a < sp; a++) {
        const out = Math.ceil(sizes[a]! / strides[a]!);
        const total = Math.max(0, (out - 1) * strides[a]! + (k[a]! - 1) * dilations[a]! + 1 - sizes[a]!);
        const begin = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
        pads[a] = begin;
        pads[a + sp] = total - begin;
      }
    }
  }
  // ONNX pads are [x1_begin, x2_begin, x1_end, x2_end]; ours [top, bottom, left, right].
  if (sp === 1) return { kernel: [1, k[0]!], strides: [1, strides[0]!], dilations: [1, dilations[0]!], pads: [0, 0, pads[0]!, pads[1]!] };
  return {
    kernel: [k[0]!, k[1]!],
    strides: [strides[0]!, strides[1]!],
    dilations: [dilations[0]!, dilations[1]!],
    pads: [pads[0]!, pads[2]!, pads[1]!, pads[3]!],
  };
}

// --------------------------------------------------------------------------------------------
// The rules, one per ONNX operator.

interface Rule {
  /** Attribute names the rule understands (at an opset); any other attribute is unsupported. */
  attrs: readonly string[] | ((opset: number) => readonly string[]);
  /** How many outputs the rule produces. */
  outputs: number;
  map<T>(n: NodeMapper<T>): OnnxValue<T>[];
}

function conv<T>(n: NodeMapper<T>): OnnxValue<T>[] {
  const xs = n.shape(0), ws = n.shape(1);
  const sp = spatialRank(n, xs);
  if (ws.length !== xs.length) n.fail('E_SHAPE', `weights W ${shapeToString(ws)} must have the rank of input X ${shapeToString(xs)}`);
  const group = n.int('group', 1);
  const [cout, cinPerGroup] = ws as [number, number];
  const cin = xs[1]!;
  if (group < 1 || cin % group !== 0 || cout % group !== 0 || cinPerGroup * group !== cin) {
    n.fail('E_SHAPE', `X ${shapeToString(xs)} and W ${shapeToString(ws)} do not fit group ${group} (W must be [Cout, Cin/group, ...] with group dividing Cin and Cout)`, { attr: 'group' });
  }
  const win = readWindow(n, xs.slice(2), ws.slice(2));
  // Each input channel convolved on its own: the depthwise op, whose weights are [kh, kw, C, mult].
  const depthwise = group === cin && group > 1;
  const [kh, kw] = win.kernel;
  const w4: Shape = [cout, cinPerGroup, kh, kw];
  const wShape = depthwise ? [kh, kw, cin, cout / cin] : [kh, kw, cinPerGroup, cout];
  let w: T;
  const W = n.value(1);
  if (W.host) {
    w = n.sink.constant(permuteHost(tensorFloat32(W.host), w4, [2, 3, 1, 0]), wShape, `${W.host.name || n.node.inputs[1]}:hwio`);
  } else {
    const wt = n.transpose(sp === 1 ? n.reshape(n.tensor(1), w4) : n.tensor(1), [2, 3, 1, 0]);
    w = depthwise ? n.reshape(wt, wShape) : wt;
  }
  const inputs = [toNHWC(n, n.tensor(0), xs), w];
  if (n.present(2)) inputs.push(n.tensor(2));
  const attrs: Record<string, unknown> = { strides: win.strides, padding: win.pads, dilations: win.dilations };
  const y = depthwise ? n.op('depthwise_conv2d', inputs, attrs) : n.op('conv2d', inputs, { ...attrs, groups: group });
  return n.out(fromNHWC(n, y, xs.length));
}

function maxPool<T>(n: NodeMapper<T>): OnnxValue<T>[] {
  if (n.flag('storage_order', 0)) n.unsupported('storage_order = 1', 'column-major indices are not produced; remove the attribute', 'storage_order');
  return pool(n, 'max_pool2d', {});
}

function averagePool<T>(n: NodeMapper<T>): OnnxValue<T>[] {
  return pool(n, 'avg_pool2d', { countIncludePad: n.flag('count_include_pad', 0) });
}

function pool<T>(n: NodeMapper<T>, op: string, extra: Record<string, unknown>): OnnxValue<T>[] {
  const xs = n.shape(0);
  spatialRank(n, xs);
  const win = readWindow(n, xs.slice(2), undefined);
  const y = n.op(op, [toNHWC(n, n.tensor(0), xs)], {
    poolSize: win.kernel, strides: win.strides, padding: win.pads, dilations: win.dilations, ceilMode: n.flag('ceil_mode', 0), ...extra,
  });
  return n.out(fromNHWC(n, y, xs.length));
}

/** Global pools average / max over every spatial dimension, so any image rank maps exactly. */
function globalPool<T>(n: NodeMapper<T>, op: string): OnnxValue<T>[] {
  const xs = n.shape(0);
  if (xs.length < 3) n.fail('E_SHAPE', `input ${shapeToString(xs)} must be [N, C, spatial...]`);
  const [b, c] = xs as [number, number];
  const spatial = sizeOf(xs.slice(2));
  const perm = [0, ...xs.slice(2).map((_, i) => i + 2), 1];
  let x = n.transpose(n.tensor(0), perm);
  if (xs.length !== 4) x = n.reshape(x, [b, 1, spatial, c]);
  const y = n.op(op, [x], { keepDims: false });
  return n.out(n.reshape(y, [b, c, ...xs.slice(2).map(() => 1)]));
}

function batchNormalization<T>(n: NodeMapper<T>): OnnxValue<T>[] {
  if (n.int('training_mode', 0) !== 0) n.unsupported('training_mode = 1', 'batch statistics are not computed at import; export the model in inference mode (model.eval())', 'training_mode');
  if (n.int('spatial', 1) !== 1) n.unsupported('spatial = 0', 'per-activation statistics are not supported; only per-channel statistics are', 'spatial');
  const xs = n.shape(0);
  if (xs.length < 2) n.fail('E_SHAPE', `input ${shapeToString(xs)} must be [N, C, ...]`);
  const c = xs[1]!;
  for (let i = 1; i <= 4; i++) {
    const s = n.shape(i);
    if (s.length !== 1 || s[0] !== c) n.fail('E_SHAPE', `input ${i} must be [${c}] (the channels of X ${shapeToString(xs)}), got ${shapeToString(s)}`, { input: i });
  }
  // Channels last for our batch_norm: [N, C, d1..dk] -> [N, d1..dk, C] and back.
  const toLast = [0, ...xs.slice(2).map((_, i) => i + 2), 1];
  const back = [0, xs.length - 1, ...xs.slice(2).map((_, i) => i + 1)];
  const x = xs.length > 2 ? n.transpose(n.tensor(0), toLast) : n.tensor(0);
  // momentum only matters in training.
  n.float('momentum', 0.9);
  const y = n.op('batch_norm', [x, n.tensor(1), n.tensor(2), n.tensor(3), n.tensor(4)], { epsilon: n.float('epsilon', 1e-5) });
  return n.out(xs.length > 2 ? n.transpose(y, back) : y);
}

function gemm<T>(n: NodeMapper<T>): OnnxValue<T>[] {
  const as = n.shape(0), bs = n.shape(1);
  if (as.length !== 2 || bs.length !== 2) n.fail('E_SHAPE', `A ${shapeToString(as)} and B ${shapeToString(bs)} must be matrices`);
  const alpha = n.float('alpha', 1), beta = n.float('beta', 1);
  n.flag('broadcast', 0); // opset < 7: NumPy broadcasting of C covers the old rules
  let y = n.op('matmul', [n.tensor(0), n.tensor(1)], { transposeA: n.flag('transA', 0), transposeB: n.flag('transB', 0) });
  if (alpha !== 1) y = n.op('mul', [y, n.scalar(alpha, 'alpha')]);
  // beta * C; with beta = 0 the term vanishes, as in every ONNX runtime.
  if (n.present(2) && beta !== 0) {
    const C = n.value(2);
    let c: T;
    if (beta === 1) c = n.tensor(2);
    else if (C.host) c = n.sink.constant(tensorFloat32(C.host).map((v) => v * beta), C.host.dims, `${C.host.name}:beta`);
    else c = n.op('mul', [n.tensor(2), n.scalar(beta, 'beta')]);
    y = n.op('add', [y, c]);
  }
  return n.out(y);
}

function matMul<T>(n: NodeMapper<T>): OnnxValue<T>[] {
  const as = n.shape(0), bs = n.shape(1);
  if (as.length === 0 || bs.length === 0) n.fail('E_SHAPE', `operands must have rank >= 1, got ${shapeToString(as)} and ${shapeToString(bs)}`);
  // NumPy matmul: a vector operand is a 1-row (a) or 1-column (b) matrix whose extra axis is dropped.
  const a = as.length === 1 ? n.reshape(n.tensor(0), [1, as[0]!]) : n.tensor(0);
  const b = bs.length === 1 ? n.reshape(n.tensor(1), [bs[0]!, 1]) : n.tensor(1);
  let y = n.op('matmul', [a, b], { transposeA: false, transposeB: false });
  if (as.length === 1 || bs.length === 1) {
    const ys = n.sink.shape(y);
    const keep = ys.filter((_, i) => !((as.length === 1 && i === ys.length - 2) || (bs.length === 1 && i === ys.length - 1)));
    y = n.reshape(y, keep);
  }
  return n.out(y);
}

function activation(kind: string, params: (n: NodeMapper<unknown>) => Record<string, number> = () => ({})) {
  return <T>(n: NodeMapper<T>): OnnxValue<T>[] => n.out(n.op('activation', [n.tensor(0)], { kind, ...params(n as NodeMapper<unknown>) }));
}

function softmax<T>(n: NodeMapper<T>): OnnxValue<T>[] {
  const xs = n.shape(0);
  const r = xs.length;
  const legacy = n.opset < 13;
  const axis = n.int('axis', legacy ? 1 : -1);
  if (axis < -r || axis >= r) n.fail('E_ATTR', `attribute axis ${axis} is out of range for input ${shapeToString(xs)}`, { attr: 'axis' });
  const ax = axis < 0 ? axis + r : axis;
  // Before opset 13, softmax normalizes over all dimensions from `axis` on, as one flattened row.
  if (!legacy || ax === r - 1) return n.out(n.op('softmax', [n.tensor(0)], { axis: ax - r }));
  const flat = n.reshape(n.tensor(0), [sizeOf(xs.slice(0, ax)), sizeOf(xs.slice(ax))]);
  return n.out(n.reshape(n.op('softmax', [flat], { axis: -1 }), xs));
}

function binary(op: 'add' | 'mul') {
  return <T>(n: NodeMapper<T>): OnnxValue<T>[] => {
    let b = n.tensor(1);
    // Before opset 7, B broadcast only when `broadcast` = 1, aligned at `axis` of A (default: trailing).
    if (n.has('broadcast') || n.has('axis')) {
      const as = n.shape(0), bs = n.shape(1);
      if (!n.flag('broadcast', 0)) {
        if (as.length !== bs.length || as.some((d, i) => d !== bs[i])) n.fail('E_SHAPE', `without broadcast = 1, A ${shapeToString(as)} and B ${shapeToString(bs)} must have the same shape`);
      } else if (n.has('axis')) {
        const axis = n.int('axis');
        const ax = axis < 0 ? axis + as.length : axis;
        if (ax < 0 || ax + bs.length > as.length) n.fail('E_ATTR', `axis ${axis} cannot align B ${shapeToString(bs)} with A ${shapeToString(as)}`, { attr: 'axis' });
        b = n.reshape(b, [...bs, ...new Array<number>(as.length - ax - bs.length).fill(1)]);
      }
    }
    return n.out(n.op(op, [n.tensor(0), b]));
  };
}

function concat<T>(n: NodeMapper<T>): OnnxValue<T>[] {
  const axis = n.int('axis', n.opset < 4 ? 1 : undefined);
  const xs = n.node.inputs.map((_, i) => n.tensor(i));
  return n.out(n.op('concat', xs, { axis }));
}

function flatten<T>(n: NodeMapper<T>): OnnxValue<T>[] {
  return n.out(n.op('flatten', [n.tensor(0)], { axis: n.int('axis', 1) }));
}

function reshape<T>(n: NodeMapper<T>): OnnxValue<T>[] {
  const xs = n.shape(0);
  const target = n.opset < 5 ? n.ints('shape') : n.hostInts(1, 'target shape');
  if (n.flag('allowzero', 0) && target.includes(0)) {
    // allowzero: a 0 is a real empty dimension, so the result has no elements at all.
    if (target.includes(-1)) n.fail('E_SHAPE', `target shape [${target.join(', ')}] may not hold both -1 and 0 when allowzero = 1`);
    if (target.some((d) => d < 0)) n.fail('E_SHAPE', `target shape [${target.join(', ')}] holds a negative dimension`);
    if (sizeOf(xs) !== 0) n.fail('E_SHAPE', `input ${shapeToString(xs)} has ${sizeOf(xs)} elements; the empty target shape [${target.join(', ')}] holds none`);
    return n.out(n.sink.constant(new Float32Array(0), target, `${n.node.name}:empty`));
  }
  return n.out(n.reshape(n.tensor(0), target));
}

const PAD_MODES = ['constant', 'reflect', 'edge'] as const;

function pad<T>(n: NodeMapper<T>): OnnxValue<T>[] {
  const xs = n.shape(0);
  const r = xs.length;
  const mode = n.choice('mode', PAD_MODES, 'constant', 'pad modes');
  let pads: number[];
  let value = 0;
  if (n.opset < 11) {
    pads = n.ints('pads');
    value = n.float('value', 0);
  } else {
    pads = n.hostInts(1, 'pads');
    if (n.present(2)) {
      const v = n.hostFloats(2, 'constant_value');
      if (v.length !== 1) n.fail('E_SHAPE', `constant_value must hold one value, got ${v.length}`);
      value = v[0]!;
    }
    if (n.present(3)) {
      // Pads given for some axes only: spread them over all axes.
      const axes = n.hostInts(3, 'axes').map((a) => (a < 0 ? a + r : a));
      if (axes.some((a) => a < 0 || a >= r) || new Set(axes).size !== axes.length) n.fail('E_VALUE', `axes [${axes.join(', ')}] are not distinct axes of input ${shapeToString(xs)}`);
      if (pads.length !== 2 * axes.length) n.fail('E_SHAPE', `pads has ${pads.length} values for ${axes.length} axes (expected ${2 * axes.length})`);
      const full = new Array<number>(2 * r).fill(0);
      axes.forEach((a, i) => {
        full[a] = pads[i]!;
        full[a + r] = pads[i + axes.length]!;
      });
      pads = full;
    }
  }
  if (pads.length !== 2 * r) n.fail('E_SHAPE', `pads has ${pads.length} values; input ${shapeToString(xs)} needs ${2 * r}`);
  const attrs: Record<string, unknown> = { pads, mode };
  if (mode === 'constant') attrs.value = value;
  return n.out(n.op('pad', [n.tensor(0)], attrs));
}

// Resize / Upsample -----------------------------------------------------------------------------

const COORD_MODES = ['half_pixel', 'asymmetric', 'align_corners', 'pytorch_half_pixel'] as const;
const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;

interface ResizePlan {
  mode: 'nearest' | 'bilinear';
  coordinateTransform: (typeof COORD_MODES)[number];
  nearestMode: (typeof NEAREST_MODES)[number];
  scales?: number[];
  sizes?: number[];
}

function resize<T>(n: NodeMapper<T>): OnnxValue<T>[] {
  const xs = n.shape(0);
  const r = xs.length;
  const mode = n.str('mode', 'nearest');
  if (mode === 'cubic') n.unsupported('mode = "cubic"', 'only nearest and linear (bilinear) resizing are implemented', 'mode');
  if (mode !== 'nearest' && mode !== 'linear') n.fail('E_ATTR', `attribute mode must be nearest, linear or cubic, got "${mode}"`, { attr: 'mode' });
  if (n.int('antialias', 0) !== 0) n.unsupported('antialias = 1', 'antialiased downsampling is not implemented', 'antialias');
  if (n.int('exclude_outside', 0) !== 0) n.unsupported('exclude_outside = 1', 'renormalized weights at the border are not implemented', 'exclude_outside');
  const policy = n.str('keep_aspect_ratio_policy', 'stretch');
  if (policy !== 'stretch') n.unsupported(`keep_aspect_ratio_policy = "${policy}"`, 'give sizes for every resized axis instead', 'keep_aspect_ratio_policy');
  // Only the cubic and crop-and-resize modes read these.
  n.float('cubic_coeff_a', -0.75);
  n.float('extrapolation_value', 0);
  let plan: ResizePlan;
  if (n.opset < 11) {
    // Resize-10 samples like Upsample: asymmetric coordinates, nearest rounds down.
    plan = { mode: mode === 'linear' ? 'bilinear' : 'nearest', coordinateTransform: 'asymmetric', nearestMode: 'floor', scales: n.hostFloats(1, 'scales') };
  } else {
    const ct = n.str('coordinate_transformation_mode', 'half_pixel');
    if (ct === 'tf_crop_and_resize' || ct === 'tf_half_pixel_for_nn' || ct === 'half_pixel_symmetric') {
      n.unsupported(`coordinate_transformation_mode = "${ct}"`, `supported: ${COORD_MODES.join(', ')}`, 'coordinate_transformation_mode');
    }
    const coordinateTransform = n.choice('coordinate_transformation_mode', COORD_MODES, 'half_pixel', 'coordinate transformations');
    const nearestMode = n.choice('nearest_mode', NEAREST_MODES, 'round_prefer_floor', 'nearest modes');
    // scales (input 2) and sizes (input 3): exactly one, an empty tensor counting as absent.
    const scales = n.present(2) && sizeOf(n.shape(2)) > 0 ? n.hostFloats(2, 'scales') : undefined;
    const sizes = n.present(3) && sizeOf(n.shape(3)) > 0 ? n.hostInts(3, 'sizes') : undefined;
    if (!!scales === !!sizes) n.fail('E_GRAPH', 'exactly one of scales and sizes must be given');
    plan = { mode: mode === 'linear' ? 'bilinear' : 'nearest', coordinateTransform, nearestMode, ...(scales ? { scales } : { sizes: sizes! }) };
    if (n.has('axes')) expandAxes(n, plan, r);
  }
  return n.out(resize2d(n, plan));
}

/** opset 18 `axes`: scales / sizes given for some axes only; the others keep their size. */
function expandAxes<T>(n: NodeMapper<T>, plan: ResizePlan, r: number): void {
  const axes = n.ints('axes').map((a) => (a < 0 ? a + r : a));
  if (axes.some((a) => a < 0 || a >= r) || new Set(axes).size !== axes.length) n.fail('E_ATTR', `attribute axes [${axes.join(', ')}] must be distinct axes of a rank-${r} input`, { attr: 'axes' });
  const given = plan.scales ?? plan.sizes!;
  if (given.length !== axes.length) n.fail('E_SHAPE', `${plan.scales ? 'scales' : 'sizes'} has ${given.length} values for ${axes.length} axes`);
  const xs = n.shape(0);
  const full = plan.scales ? new Array<number>(r).fill(1) : [...xs];
  axes.forEach((a, i) => (full[a] = given[i]!));
  if (plan.scales) plan.scales = full;
  else plan.sizes = full;
}

function upsample<T>(n: NodeMapper<T>): OnnxValue<T>[] {
  const mode = n.str('mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'bilinear') n.fail('E_ATTR', `attribute mode must be nearest or linear, got "${mode}"`, { attr: 'mode' });
  const scales = n.opset < 9 ? n.floats('scales') : n.hostFloats(1, 'scales');
  return n.out(resize2d(n, { mode: mode === 'nearest' ? 'nearest' : 'bilinear', coordinateTransform: 'asymmetric', nearestMode: 'floor', scales }));
}

/** Resizes the spatial axes of an NCL / NCHW input with our NHWC resize2d. */
function resize2d<T>(n: NodeMapper<T>, plan: ResizePlan): T {
  const xs = n.shape(0);
  const r = xs.length;
  const given = plan.scales ?? plan.sizes!;
  const what = plan.scales ? 'scales' : 'sizes';
  if (given.length !== r) n.fail('E_SHAPE', `${what} has ${given.length} values; input ${shapeToString(xs)} needs ${r}`);
  if (r !== 3 && r !== 4) n.unsupported(`resizing a rank-${r} input ${shapeToString(xs)}`, 'only [N, C, L] and [N, C, H, W] inputs are supported');
  const keeps = plan.scales ? (i: number) => given[i] === 1 : (i: number) => given[i] === xs[i];
  if (!keeps(0) || !keeps(1)) n.unsupported(`resizing the batch or channel axis (${what} [${given.join(', ')}])`, 'only the spatial axes (2 and up) of an NCHW input can be resized');
  if (plan.scales && plan.scales.some((s) => !(s > 0) || !Number.isFinite(s))) n.fail('E_VALUE', `scales [${plan.scales.join(', ')}] must be positive`);
  // A 1-D image is a 2-D image of height 1, which every coordinate transform maps onto itself.
  const hw = r === 4 ? given.slice(2) : [1, given[2]!];
  const attrs: Record<string, unknown> = { mode: plan.mode, coordinateTransform: plan.coordinateTransform, nearestMode: plan.nearestMode };
  if (plan.scales) attrs.scale = hw;
  else attrs.size = hw;
  return fromNHWC(n, n.op('resize2d', [toNHWC(n, n.tensor(0), xs)], attrs), r);
}

// Constant, Identity ------------------------------------------------------------------------

function constant<T>(n: NodeMapper<T>): OnnxValue<T>[] {
  const name = n.node.outputs[0] ?? '';
  const given = Object.keys(n.node.attributes);
  if (given.length !== 1) n.fail('E_ATTR', `a Constant node needs exactly one value attribute, got ${given.length ? given.join(', ') : 'none'}`);
  const host = (dims: number[], dataType: OnnxTensor['dataType'], data: OnnxTensor['data']): OnnxValue<T>[] => [{ host: { name, dims, dataType, data } }];
  switch (given[0]) {
    case 'value': {
      const t = n.tensorAttr('value');
      return host(t.dims, t.dataType, t.data);
    }
    case 'value_float': return host([], 'float32', Float32Array.of(n.float('value_float')));
    case 'value_floats': {
      const v = n.floats('value_floats');
      return host([v.length], 'float32', Float32Array.from(v));
    }
    case 'value_int': return host([], 'int64', BigInt64Array.of(BigInt(n.int('value_int'))));
    case 'value_ints': {
      const v = n.ints('value_ints');
      return host([v.length], 'int64', BigInt64Array.from(v, (x) => BigInt(x)));
    }
    default:
      return n.unsupported(`a constant given as ${given[0]}`, 'constants must be dense numeric tensors (value, value_float(s), value_int(s))', given[0]);
  }
}

function identity<T>(n: NodeMapper<T>): OnnxValue<T>[] {
  const v = n.value(0);
  return [{ ...v }];
}

const WINDOW = ['auto_pad', 'kernel_shape', 'pads', 'strides', 'dilations'];
/** Before opset 7, Add and Mul broadcast only on request. */
const LEGACY_BROADCAST = (v: number): string[] => (v < 7 ? ['broadcast', 'axis'] : []);

const RULES: Record<string, Rule> = {
  Conv: { attrs: [...WINDOW, 'group'], outputs: 1, map: conv },
  MaxPool: { attrs: [...WINDOW, 'ceil_mode', 'storage_order'], outputs: 1, map: maxPool },
  AveragePool: { attrs: [...WINDOW, 'ceil_mode', 'count_include_pad'], outputs: 1, map: averagePool },
  GlobalAveragePool: { attrs: [], outputs: 1, map: (n) => globalPool(n, 'global_avg_pool2d') },
  GlobalMaxPool: { attrs: [], outputs: 1, map: (n) => globalPool(n, 'global_max_pool2d') },
  BatchNormalization: { attrs: (v) => ['epsilon', 'momentum', ...(v < 9 ? ['spatial'] : []), ...(v >= 14 ? ['training_mode'] : [])], outputs: 1, map: batchNormalization },
  Gemm: { attrs: (v) => ['alpha', 'beta', 'transA', 'transB', ...(v < 7 ? ['broadcast'] : [])], outputs: 1, map: gemm },
  MatMul: { attrs: [], outputs: 1, map: matMul },
  Relu: { attrs: [], outputs: 1, map: activation('relu') },
  LeakyRelu: { attrs: ['alpha'], outputs: 1, map: activation('leaky_relu', (m) => ({ alpha: m.float('alpha', 0.01) })) },
  Sigmoid: { attrs: [], outputs: 1, map: activation('sigmoid') },
  HardSigmoid: { attrs: ['alpha', 'beta'], outputs: 1, map: activation('hard_sigmoid', (m) => ({ alpha: m.float('alpha', 0.2), beta: m.float('beta', 0.5) })) },
  Tanh: { attrs: [], outputs: 1, map: activation('tanh') },
  Softmax: { attrs: ['axis'], outputs: 1, map: softmax },
  Add: { attrs: LEGACY_BROADCAST, outputs: 1, map: binary('add') },
  Mul: { attrs: LEGACY_BROADCAST, outputs: 1, map: binary('mul') },
  Concat: { attrs: ['axis'], outputs: 1, map: concat },
  Flatten: { attrs: ['axis'], outputs: 1, map: flatten },
  Reshape: { attrs: (v) => (v < 5 ? ['shape'] : ['allowzero']), outputs: 1, map: reshape },
  Pad: { attrs: (v) => (v < 11 ? ['mode', 'pads', 'value'] : ['mode']), outputs: 1, map: pad },
  Resize: {
    attrs: (v) => (v < 11 ? ['mode'] : ['mode', 'coordinate_transformation_mode', 'nearest_mode', 'cubic_coeff_a', 'exclude_outside', 'extrapolation_value', 'antialias', 'axes', 'keep_aspect_ratio_policy']),
    outputs: 1,
    map: resize,
  },
  Upsample: { attrs: (v) => (v < 9 ? ['mode', 'scales'] : ['mode']), outputs: 1, map: upsample },
  Constant: { attrs: ['value', 'value_float', 'value_floats', 'value_int', 'value_ints', 'value_string', 'value_strings', 'sparse_value'], outputs: 1, map: constant },
  Identity: { attrs: [], outputs: 1, map: identity },
};

/** The ONNX operators the mapping knows. */
export const SUPPORTED_ONNX_OPS: readonly string[] = Object.keys(RULES).sort();
