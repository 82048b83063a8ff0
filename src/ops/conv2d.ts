import { TinyconvError, check } from '../core/errors.js';
import { defineOp, type KernelRunner } from '../core/op.js';
import { shapeToString, shapesEqual, sizeOf, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { AttrReader } from './attrs.js';
import { ACTIVATIONS, ACTIVATION_DEFAULT_ALPHA, type Activation, type ActivationAttrs } from './activation-math.js';
import { outputSize, readPadding, resolvePadding, type Padding } from './conv-geometry.js';

/** An activation fused into a convolution: the activation op's kinds and parameters. */
export interface FusedActivation {
  activation: Activation;
  alpha: number;
  beta: number;
}

/** Sliding-window attributes shared by conv2d and depthwise_conv2d. */
export interface WindowAttrs {
  strides: [number, number];
  padding: Padding;
  dilations: [number, number];
}

export interface Conv2dAttrs extends WindowAttrs, FusedActivation {
  groups: number;
  /** [kh, kw]; optional: checked against w when given, required by paramShapes. */
  kernelSize?: [number, number];
  /** Cout; optional: checked against w when given, required by paramShapes. */
  filters?: number;
}

/**
 * Window geometry as the kernels receive it: padding already resolved for the actual input size,
 * so no backend interprets 'same' on its own.
 */
export interface KernelWindow {
  strides: [number, number];
  pads: [top: number, bottom: number, left: number, right: number];
  dilations: [number, number];
}

/** conv2d kernel: (x, w, b?) -> y, bias and activation fused. */
export interface Conv2dKernelAttrs extends KernelWindow, FusedActivation {
  groups: number;
}

/** conv2d_grad_input kernel: (dy, w) -> dx of shape `inputShape`. */
export interface Conv2dGradInputAttrs extends KernelWindow {
  groups: number;
  inputShape: number[];
}

/** conv2d_grad_filter kernel: (x, dy) -> dw of shape `filterShape`. */
export interface Conv2dGradFilterAttrs extends KernelWindow {
  groups: number;
  filterShape: number[];
}

/** Reads strides, padding and dilations (each stride and dilation >= 1). */
export function readWindowAttrs(r: AttrReader): WindowAttrs {
  const strides = r.ints('strides', 2, [1, 1], 1) as [number, number];
  const padding = readPadding(r);
  const dilations = r.ints('dilations', 2, [1, 1], 1) as [number, number];
  return { strides, padding, dilations };
}

/** Reads activation, alpha and beta with the activation op's defaults. */
export function readFusedActivation(r: AttrReader): FusedActivation {
  const activation = r.oneOf('activation', ACTIVATIONS, 'linear');
  const alpha = r.num('alpha', ACTIVATION_DEFAULT_ALPHA[activation]);
  const beta = r.num('beta', activation === 'hard_sigmoid' ? 0.5 : 0);
  return { activation, alpha, beta };
}

/** Reads an optional [kh, kw] attribute (undefined when absent). */
export function readKernelSize(r: AttrReader): [number, number] | undefined {
  return r.any('kernelSize') === undefined ? undefined : (r.ints('kernelSize', 2, undefined, 1) as [number, number]);
}

/** The activation op's attributes for a fused activation. */
export function activationAttrs(a: FusedActivation): ActivationAttrs {
  return { kind: a.activation, alpha: a.alpha, beta: a.beta };
}

export const LINEAR: FusedActivation = Object.freeze({ activation: 'linear', alpha: 0, beta: 0 });

/** Checks an NHWC image input and returns its dimensions. */
export function checkImage(op: string, x: Shape): [n: number, h: number, w: number, c: number] {
  check(x.length === 4, 'E_SHAPE', () => `${op}: input x must have rank 4 [N, H, W, C], got ${shapeToString(x)}`, { x });
  const [n, h, w, c] = x as [number, number, number, number];
  check(h > 0 && w > 0 && c > 0, 'E_SHAPE', () => `${op}: input x ${shapeToString(x)} has an empty height, width or channel dimension`, { x });
  return [n, h, w, c];
}

/** Resolves padding and the output size of a kh x kw window sliding over x (E_SHAPE if it does not fit). */
export function slideWindow(op: string, x: Shape, w: Shape, kh: number, kw: number, a: WindowAttrs): { window: KernelWindow; ho: number; wo: number } {
  const [, h, wd] = x as [number, number, number];
  const [sh, sw] = a.strides, [dh, dw] = a.dilations;
  const pads = resolvePadding(a.padding, h, wd, kh, kw, sh, sw, dh, dw);
  // Built only when the window does not fit: this runs on every call.
  const where = (side: string) => () => `${op}: x ${shapeToString(x)} with w ${shapeToString(w)}, dilations [${dh}, ${dw}]: the window ${side}`;
  const ho = outputSize(h, kh, sh, dh, pads[0], pads[1], false, where('height'));
  const wo = outputSize(wd, kw, sw, dw, pads[2], pads[3], false, where('width'));
  return { window: { strides: [sh, sw], pads, dilations: [dh, dw] }, ho, wo };
}

/** Checks an optional bias against the number of output channels. */
export function checkBias(op: string, b: Shape | undefined, cout: number, w: Shape): void {
  if (!b) return;
  check(b.length === 1 && b[0] === cout, 'E_SHAPE', () => `${op}: bias b must have shape [${cout}] (the output channels of w ${shapeToString(w)}), got ${shapeToString(b)}`, { b, w });
}

/** Everything conv2d knows once the shapes are checked. */
export interface Conv2dGeometry {
  y: [number, number, number, number];
  kernel: Conv2dKernelAttrs;
}

/**
 * The last geometry per attrs object. runOp asks for it twice per call (output shape, then
 * forward), and a layer that keeps its normalised attrs asks again on every call with the same
 * shapes; the shapes are compared by value, so a different input size computes afresh.
 */
const geometryMemo = new WeakMap<Conv2dAttrs, { x: Shape; w: Shape; b: Shape | undefined; geometry: Conv2dGeometry }>();

export function conv2dGeometry(x: Shape, w: Shape, b: Shape | undefined, a: Conv2dAttrs): Conv2dGeometry {
  const hit = geometryMemo.get(a);
  if (hit && shapesEqual(hit.x, x) && shapesEqual(hit.w, w) && sameOptionalShape(hit.b, b)) return hit.geometry;
  const geometry = freezeGeometry(computeConv2dGeometry(x, w, b, a));
  geometryMemo.set(a, { x: [...x], w: [...w], b: b && [...b], geometry });
  return geometry;
}

function sameOptionalShape(a: Shape | undefined, b: Shape | undefined): boolean {
  return a === undefined || b === undefined ? a === b : shapesEqual(a, b);
}

/** A memoized geometry is shared between calls, so nobody may change it. */
function freezeGeometry(g: Conv2dGeometry): Conv2dGeometry {
  const k = g.kernel;
  Object.freeze(k.strides);
  Object.freeze(k.pads);
  Object.freeze(k.dilations);
  Object.freeze(k);
  Object.freeze(g.y);
  return Object.freeze(g);
}

function computeConv2dGeometry(x: Shape, w: Shape, b: Shape | undefined, a: Conv2dAttrs): Conv2dGeometry {
  const [n, , , cin] = checkImage('conv2d', x);
  check(w.length === 4, 'E_SHAPE', () => `conv2d: weights w must have rank 4 [kh, kw, Cin/groups, Cout], got ${shapeToString(w)}`, { w });
  const [kh, kw, cinPerGroup, cout] = w as [number, number, number, number];
  check(kh > 0 && kw > 0 && cout > 0, 'E_SHAPE', () => `conv2d: weights w ${shapeToString(w)} have an empty dimension`, { w });
  const g = a.groups;
  if (cin % g !== 0 || cout % g !== 0) {
    throw new TinyconvError('E_SHAPE', `conv2d: groups ${g} must divide both the input channels (Cin = ${cin} of x ${shapeToString(x)}) and the output channels (Cout = ${cout} of w ${shapeToString(w)})`, { x, w, groups: g });
  }
  if (cinPerGroup * g !== cin) {
    throw new TinyconvError('E_SHAPE', `conv2d: x ${shapeToString(x)} has Cin = ${cin} channels, so w must have Cin/groups = ${cin / g} (groups ${g}) in its third dimension, got w ${shapeToString(w)}`, { x, w, groups: g });
  }
  const ks = a.kernelSize;
  if (ks) {
    check(ks[0] === kh && ks[1] === kw, 'E_SHAPE', () => `conv2d: weights w ${shapeToString(w)} do not match kernelSize [${ks.join(', ')}]`, { w });
  }
  if (a.filters !== undefined) {
    check(a.filters === cout, 'E_SHAPE', () => `conv2d: weights w ${shapeToString(w)} have ${cout} output channels, filters is ${a.filters}`, { w });
  }
  checkBias('conv2d', b, cout, w);
  const { window, ho, wo } = slideWindow('conv2d', x, w, kh, kw, a);
  return { y: [n, ho, wo, cout], kernel: { ...window, groups: g, activation: a.activation, alpha: a.alpha, beta: a.beta } };
}

/** Extra flops of a fused bias and activation over an output of `outN` values. */
export function epilogueFlops(outN: number, hasBias: boolean, activation: Activation): number {
  // The activation op counts 4 flops per element; a bias add counts 1.
  return (hasBias ? outN : 0) + (activation === 'linear' ? 0 : 4 * outN);
}

/**
 * Gradient of a fused activation: dy -> d(pre-activation). Training-mode forwards save the
 * pre-activation z; an inference-mode tape has none, so it is recomputed (`preActivation`),
 * which keeps the gradient exact for every activation, including those not invertible from y.
 */
export function throughActivation(k: KernelRunner, a: FusedActivation, dy: Tensor, y: Tensor, saved: readonly Tensor[], preActivation: () => Tensor): Tensor {
  if (a.activation === 'linear') return dy;
  const z = saved[0] ?? preActivation();
  return k.run1('activation_grad', [dy, z, y], activationAttrs(a));
}

/**
 * 2-D convolution, NHWC: x [N, H, W, Cin], w [kh, kw, Cin/groups, Cout] (Keras HWIO), b? [Cout],
 * with a fused activation. Group g reads input channels [g*Cin/groups, (g+1)*Cin/groups) and
 * writes output channels [g*Cout/groups, (g+1)*Cout/groups). In inference one fused kernel runs;
 * in training the activation runs apart so its input is saved for the gradient.
 */
export const conv2d = defineOp<Conv2dAttrs>({
  name: 'conv2d',
  inputs: ['x', 'w', 'b?'],
  params: ['w', 'b'],
  kernels: {
    forward: ['conv2d', 'activation'],
    backward: ['conv2d', 'activation_grad', 'conv2d_grad_input', 'conv2d_grad_filter', 'bias_grad'],
  },
  attrs(raw) {
    const r = new AttrReader('conv2d', raw);
    const win = readWindowAttrs(r);
    const groups = r.int('groups', 1, 1);
    const act = readFusedActivation(r);
    const kernelSize = readKernelSize(r);
    const filters = r.any('filters') === undefined ? undefined : r.int('filters', undefined, 1);
    r.done();
    return { ...win, groups, ...act, kernelSize, filters };
  },
  outputShape: ([x, w, b], a) => [...conv2dGeometry(x!, w!, b, a).y],
  paramShapes(x, a) {
    if (!a.kernelSize || a.filters === undefined) {
      throw new TinyconvError('E_ATTR', 'conv2d: parameter shapes need the attributes kernelSize and filters', { kernelSize: a.kernelSize, filters: a.filters });
    }
    const [, , , cin] = checkImage('conv2d', x);
    const g = a.groups;
    check(cin % g === 0 && a.filters % g === 0, 'E_SHAPE', () => `conv2d: groups ${g} must divide both the input channels (Cin = ${cin} of x ${shapeToString(x)}) and filters (${a.filters})`, { x, groups: g });
    return { w: [a.kernelSize[0], a.kernelSize[1], cin / g, a.filters], b: [a.filters] };
  },
  cost([x, w, b], a, y) {
    const [kh, kw, cinPerGroup] = w!;
    const outN = sizeOf(y);
    return {
      flops: 2 * outN * kh! * kw! * cinPerGroup! + epilogueFlops(outN, !!b, a.activation),
      bytes: 4 * (sizeOf(x!) + sizeOf(w!) + (b ? sizeOf(b) : 0) + outN),
    };
  },
  forward(k, [x, w, b], a, mode) {
    const { kernel } = conv2dGeometry(x!.shape, w!.shape, b?.shape, a);
    const ins = b ? [x!, w!, b] : [x!, w!];
    if (mode === 'infer' || a.activation === 'linear') return { y: k.run1('conv2d', ins, kernel) };
    const z = k.run1('conv2d', ins, { ...kernel, ...LINEAR });
    return { y: k.run1('activation', [z], activationAttrs(a)), saved: [z] };
  },
  backward(k, { dy, inputs: [x, w, b], y, saved, attrs: a, needs }) {
    const { kernel } = conv2dGeometry(x!.shape, w!.shape, b?.shape, a);
    const dz = throughActivation(k, a, dy, y, saved, () => k.run1('conv2d', b ? [x!, w!, b] : [x!, w!], { ...kernel, ...LINEAR }));
    const { strides, pads, dilations, groups } = kernel;
    const win = { strides, pads, dilations, groups };
    return [
      needs[0] ? k.run1('conv2d_grad_input', [dz, w!], { ...win, inputShape: [...x!.shape] } satisfies Conv2dGradInputAttrs) : null,
      needs[1] ? k.run1('conv2d_grad_filter', [x!, dz], { ...win, filterShape: [...w!.shape] } satisfies Conv2dGradFilterAttrs) : null,
      needs[2] ? k.run1('bias_grad', [dz]) : null,
    ];
  },
});
