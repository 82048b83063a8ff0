import { TinyconvError } from '../../../core/errors.js';
import { shapeToString, shapesEqual, type Shape } from '../../../core/shape.js';

/** Backward kernels get dy (and saved tensors) from the engine; a wrong shape is a bug upstream, reported as such. */
export function expectShape(kernel: string, what: string, got: Shape, want: Shape): void {
  if (!shapesEqual(got, want)) {
    throw new TinyconvError('E_SHAPE', `${kernel}: ${what} ${shapeToString(got)} does not match the expected ${shapeToString(want)}`, { kernel, got, want });
  }
}
