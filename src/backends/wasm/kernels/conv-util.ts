import { TinyconvError } from '../../../core/errors.js';
import { shapeToString, shapesEqual, type Shape } from '../../../core/shape.js';
import type { WasmRuntime } from '../runtime.js';

/** Helpers shared by the convolution bindings (conv.ts, depthwise.ts). */

/** Multiply-adds per chunk worth a worker's wake-up (about 20 microseconds of work). */
export const MIN_CHUNK_MACS = 1 << 19;

/** Items per chunk so that a chunk holds at least MIN_CHUNK_MACS multiply-adds. */
export function grainFor(macsPerItem: number): number {
  return Math.max(1, Math.ceil(MIN_CHUNK_MACS / Math.max(1, macsPerItem)));
}

/** Per-worker scratch of `bytes`: the base address and the stride between workers. */
export function scratchFor(rt: WasmRuntime, bytes: number): { base: number; stride: number } {
  const stride = Math.ceil(Math.max(bytes, 16) / 16) * 16;
  return { base: rt.scratch(stride), stride };
}

/** An export's i32 answer (sizes the kernels compute for their own layouts). */
export function callInt(rt: WasmRuntime, name: string, args: readonly number[]): number {
  return (rt.call(name, args) as number) >>> 0;
}

/** Sizes along one axis after the window slides: as the op resolved them. */
export function outputExtent(size: number, k: number, stride: number, dilation: number, padBegin: number, padEnd: number): number {
  return Math.floor((size + padBegin + padEnd - (k - 1) * dilation - 1) / stride) + 1;
}

/** A backward kernel's dy must have the shape the forward produced; anything else is a bug upstream. */
export function expectShape(kernel: string, what: string, got: Shape, want: Shape): void {
  if (!shapesEqual(got, want)) {
    throw new TinyconvError('E_SHAPE', `${kernel}: ${what} ${shapeToString(got)} does not match the expected ${shapeToString(want)}`, { got, want });
  }
}
