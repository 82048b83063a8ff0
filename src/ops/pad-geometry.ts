import { TinyconvError, check } from '../core/errors.js';
import { shapeToString, type Shape } from '../core/shape.js';

/**
 * Index geometry of padding, shared by every backend. Negative pads crop (as ONNX allows): an axis
 * is first cropped by its negative pads, then padded by its positive ones, so 'reflect' and 'edge'
 * mirror or repeat the borders of what is left.
 */

export type PadMode = 'constant' | 'reflect' | 'edge';
export const PAD_MODES: readonly PadMode[] = ['constant', 'reflect', 'edge'];

/** The output shape of padding `x` by `pads` ([begin_0..begin_{r-1}, end_0..end_{r-1}]), checked. */
export function padShape(x: Shape, pads: readonly number[], mode: PadMode): number[] {
  const r = x.length;
  check(pads.length === 2 * r, 'E_ATTR', () => `pad: attribute pads has ${pads.length} values; input ${shapeToString(x)} of rank ${r} needs ${2 * r} ([begin_0..begin_${r - 1}, end_0..end_${r - 1}])`, { pads, shape: x });
  return x.map((d, a) => {
    const begin = pads[a]!, end = pads[a + r]!;
    const kept = d - Math.max(0, -begin) - Math.max(0, -end);
    if (kept < 0) {
      throw new TinyconvError('E_SHAPE', `pad: pads ${begin} and ${end} on axis ${a} crop more than the ${d} elements of input ${shapeToString(x)}`, { pads, shape: x, axis: a });
    }
    const grow = Math.max(begin, end, 0);
    if (mode === 'reflect' && grow > 0 && grow >= kept) {
      throw new TinyconvError('E_SHAPE', `pad: reflect padding of ${grow} on axis ${a} must be smaller than that axis' size ${kept} (input ${shapeToString(x)}, pads ${shapeToString(pads)})`, { pads, shape: x, axis: a });
    }
    if (mode === 'edge' && grow > 0 && kept === 0) {
      throw new TinyconvError('E_SHAPE', `pad: edge padding on axis ${a} has no element to repeat (input ${shapeToString(x)}, pads ${shapeToString(pads)})`, { pads, shape: x, axis: a });
    }
    return d + begin + end;
  });
}

/**
 * For each output coordinate along an axis of `d` input elements, the input coordinate it reads,
 * or -1 where the constant fill goes. Pads must have passed padShape().
 */
export function padSourceIndex(d: number, begin: number, end: number, mode: PadMode): Int32Array {
  const lo = Math.max(0, -begin); // first input coordinate kept
  const kept = d - lo - Math.max(0, -end);
  const before = Math.max(0, begin);
  const out = new Int32Array(d + begin + end);
  for (let o = 0; o < out.length; o++) {
    let c = o - before; // coordinate in the cropped axis
    if (c < 0 || c >= kept) {
      if (mode === 'constant') {
        out[o] = -1;
        continue;
      }
      if (mode === 'edge') c = c < 0 ? 0 : kept - 1;
      else c = c < 0 ? -c : 2 * (kept - 1) - c; // reflect about the border element, not repeating it
    }
    out[o] = lo + c;
  }
  return out;
}
