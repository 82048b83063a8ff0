import { TinyconvError, check } from '../core/errors.js';
import { defineOp } from '../core/op.js';
import { shapeToString, sizeOf, type Shape } from '../core/shape.js';
import { AttrReader } from './attrs.js';
import {
  LINEAR, activationAttrs, checkBias, checkImage, epilogueFlops, readFusedActivation, readKernelSize, readWindowAttrs, slideWindow, throughActivation,
  type FusedActivation, type KernelWindow, type WindowAttrs,
} from './conv2d.js';

export interface DepthwiseConv2dAttrs extends WindowAttrs, FusedActivation {
  /** [kh, kw]; optional: checked against w when given, required by paramShapes. */
  kernelSize?: [number, number];
  /** Outputs per input channel; optional: checked against w when given, 1 for paramShapes if absent. */
  depthMultiplier?: number;
}

/** depthwise_conv2d kernel: (x, w, b?) -> y, bias and activation fused. */
export type DepthwiseConv2dKernelAttrs = KernelWindow & FusedActivation;

/** depthwise_conv2d_grad_input kernel: (dy, w) -> dx of shape `inputShape`. */
export interface DepthwiseConv2dGradInputAttrs extends KernelWindow {
  inputShape: number[];
}

/** depthwise_conv2d_grad_filter kernel: (x, dy) -> dw of shape `filterShape`. */
export interface DepthwiseConv2dGradFilterAttrs extends KernelWindow {
  filterShape: number[];
}

export interface DepthwiseGeometry {
  y: [number, number, number, number];
  kernel: DepthwiseConv2dKernelAttrs;
}

export function depthwiseGeometry(x: Shape, w: Shape, b: Shape | undefined, a: DepthwiseConv2dAttrs): DepthwiseGeometry {
  const [n, , , c] = checkImage('depthwise_conv2d', x);
  check(w.length === 4, 'E_SHAPE', () => `depthwise_conv2d: weights w must have rank 4 [kh, kw, C, depthMultiplier], got ${shapeToString(w)}`, { w });
  const [kh, kw, wc, mult] = w as [number, number, number, number];
  check(kh > 0 && kw > 0 && mult > 0, 'E_SHAPE', () => `depthwise_conv2d: weights w ${shapeToString(w)} have an empty dimension`, { w });
  if (wc !== c) {
    throw new TinyconvError('E_SHAPE', `depthwise_conv2d: x ${shapeToString(x)} has C = ${c} channels, so w must have ${c} in its third dimension, got w ${shapeToString(w)}`, { x, w });
  }
  const ks = a.kernelSize;
  if (ks) {
    check(ks[0] === kh && ks[1] === kw, 'E_SHAPE', () => `depthwise_conv2d: weights w ${shapeToString(w)} do not match kernelSize [${ks.join(', ')}]`, { w });
  }
  if (a.depthMultiplier !== undefined) {
    check(a.depthMultiplier === mult, 'E_SHAPE', () => `depthwise_conv2d: weights w ${shapeToString(w)} have depth multiplier ${mult}, depthMultiplier is ${a.depthMultiplier}`, { w });
  }
  checkBias('depthwise_conv2d', b, c * mult, w);
  const { window, ho, wo } = slideWindow('depthwise_conv2d', x, w, kh, kw, a);
  return { y: [n, ho, wo, c * mult], kernel: { ...window, activation: a.activation, alpha: a.alpha, beta: a.beta } };
}

/**
 * Depthwise 2-D convolution, NHWC: each input channel c is convolved with its own `mult` filters
 * w [kh, kw, C, mult]; output channel c*mult + m holds filter m of channel c (TensorFlow order),
 * b? [C*mult]. Fused activation as in conv2d.
 */
export const depthwiseConv2d = defineOp<DepthwiseConv2dAttrs>({
  name: 'depthwise_conv2d',
  inputs: ['x', 'w', 'b?'],
  params: ['w', 'b'],
  kernels: {
    forward: ['depthwise_conv2d', 'activation'],
    backward: ['depthwise_conv2d', 'activation_grad', 'depthwise_conv2d_grad_input', 'depthwise_conv2d_grad_filter', 'bias_grad'],
  },
  attrs(raw) {
    const r = new AttrReader('depthwise_conv2d', raw);
    const win = readWindowAttrs(r);
    const act = readFusedActivation(r);
    const kernelSize = readKernelSize(r);
    const depthMultiplier = r.any('depthMultiplier') === undefined ? undefined : r.int('depthMultiplier', undefined, 1);
    r.done();
    return { ...win, ...act, kernelSize, depthMultiplier };
  },
  outputShape: ([x, w, b], a) => depthwiseGeometry(x!, w!, b, a).y,
  paramShapes(x, a) {
    if (!a.kernelSize) throw new TinyconvError('E_ATTR', 'depthwise_conv2d: parameter shapes need the attribute kernelSize', { kernelSize: a.kernelSize });
    const [, , , c] = checkImage('depthwise_conv2d', x);
    const mult = a.depthMultiplier ?? 1;
    return { w: [a.kernelSize[0], a.kernelSize[1], c, mult], b: [c * mult] };
  },
  cost([x, w, b], a, y) {
    const [kh, kw] = w!;
    const outN = sizeOf(y);
    return {
      flops: 2 * outN * kh! * kw! + epilogueFlops(outN, !!b, a.activation),
      bytes: 4 * (sizeOf(x!) + sizeOf(w!) + (b ? sizeOf(b) : 0) + outN),
    };
  },
  forward(k, [x, w, b], a, mode) {
    const { kernel } = depthwiseGeometry(x!.shape, w!.shape, b?.shape, a);
    const ins = b ? [x!, w!, b] : [x!, w!];
    if (mode === 'infer' || a.activation === 'linear') return { y: k.run1('depthwise_conv2d', ins, kernel) };
    const z = k.run1('depthwise_conv2d', ins, { ...kernel, ...LINEAR });
    return { y: k.run1('activation', [z], activationAttrs(a)), saved: [z] };
  },
  backward(k, { dy, inputs: [x, w, b], y, saved, attrs: a, needs }) {
    const { kernel } = depthwiseGeometry(x!.shape, w!.shape, b?.shape, a);
    const dz = throughActivation(k, a, dy, y, saved, () => k.run1('depthwise_conv2d', b ? [x!, w!, b] : [x!, w!], { ...kernel, ...LINEAR }));
    const win: KernelWindow = { strides: kernel.strides, pads: kernel.pads, dilations: kernel.dilations };
    return [
      needs[0] ? k.run1('depthwise_conv2d_grad_input', [dz, w!], { ...win, inputShape: [...x!.shape] } satisfies DepthwiseConv2dGradInputAttrs) : null,
      needs[1] ? k.run1('depthwise_conv2d_grad_filter', [x!, dz], { ...win, filterShape: [...w!.shape] } satisfies DepthwiseConv2dGradFilterAttrs) : null,
      needs[2] ? k.run1('bias_grad', [dz]) : null,
    ];
  },
});
