import type { Backend } from '../../src/core/backend.js';
import { backprop, record, runOp } from '../../src/core/engine.js';
import { Tensor } from '../../src/core/tensor.js';
import { Rng } from '../../src/core/random.js';
import { sizeOf, type Shape } from '../../src/core/shape.js';
import { createReferenceBackend } from '../../src/backends/reference/index.js';
import type { Gen, OpCase } from './case.js';

export const ref64 = createReferenceBackend('float64');

/** Deterministic float32 input values for a case (the same on every backend). */
export function caseInputs(c: OpCase, seed = 1234): (Float32Array | null)[] {
  const rng = new Rng(seed);
  return c.inputs.map((shape, i) => (shape ? generate(genOf(c, i), shape, rng) : null));
}

function genOf(c: OpCase, i: number): Gen {
  if (!c.gen) return 'normal';
  return typeof c.gen === 'string' ? c.gen : (c.gen[i] ?? 'normal');
}

export function generate(gen: Gen, shape: Shape, rng: Rng): Float32Array {
  const n = sizeOf(shape);
  const out = new Float32Array(n);
  switch (gen) {
    case 'normal': for (let i = 0; i < n; i++) out[i] = rng.normal(); break;
    case 'positive': for (let i = 0; i < n; i++) out[i] = rng.uniform(0.5, 1.5); break;
    case 'uniform01': for (let i = 0; i < n; i++) out[i] = rng.next(); break;
    case 'distinct': {
      for (let i = 0; i < n; i++) out[i] = (i - n / 2) * (4 / Math.max(n, 1)) + 0.01 * Math.sign(i - n / 2 + 0.5);
      for (let i = n - 1; i > 0; i--) { const j = rng.int(i + 1); const t = out[i]!; out[i] = out[j]!; out[j] = t; }
      break;
    }
  }
  return out;
}

function upload(b: Backend, values: (Float32Array | null)[], shapes: OpCase['inputs']): (Tensor | undefined)[] {
  return values.map((v, i) => (v ? b.upload(v, shapes[i]!) : undefined));
}

/** Forward on `b`: the output values on the host (read back asynchronously, as GPU backends need). */
export async function forward(b: Backend, c: OpCase, values: (Float32Array | null)[]): Promise<{ y: Float32Array; shape: Shape }> {
  const { y } = runOp(c.op, upload(b, values, c.inputs), c.attrs ?? {}, b, c.mode ?? 'infer');
  return { y: await y.data(), shape: y.shape };
}

/** Forward on the float64 reference: the ground truth. */
export function forward64(c: OpCase, values: (Float32Array | null)[]): { y: Float64Array; shape: Shape } {
  const ins = values.map((v, i) => (v ? new Tensor(c.inputs[i]!, ref64, Float64Array.from(v)) : undefined));
  const { y } = runOp(c.op, ins, c.attrs ?? {}, ref64, c.mode ?? 'infer');
  return { y: y.handle as Float64Array, shape: y.shape };
}

/** Which inputs a case checks gradients for. */
export function gradInputs(c: OpCase): number[] {
  return c.grad ? [...c.grad] : c.inputs.flatMap((s, i) => (s ? [i] : []));
}

/** Backward on `b`: the gradient of sum(y * dy) for each checked input, on the host. */
export async function backward(b: Backend, c: OpCase, values: (Float32Array | null)[], dy: Float32Array): Promise<Float32Array[]> {
  const ins = upload(b, values, c.inputs);
  const { y, tape } = record(() => runOp(c.op, ins, c.attrs ?? {}, b, c.mode ?? 'infer').y);
  const wrt = gradInputs(c).map((i) => ins[i]!);
  return Promise.all(backprop(tape, y, b.upload(dy, y.shape), wrt).map((g) => g.data()));
}


/**
 * Central finite differences of L = sum(f(x) * dy) in float64 on the reference backend, for up to
 * `maxCoords` coordinates of each checked input (all of them for small inputs).
 */
export function numericGrads(c: OpCase, values: (Float32Array | null)[], dy: Float32Array, maxCoords = 40, eps = 1e-5): { coords: number[]; g: number[] }[] {
  const base = values.map((v) => (v ? Float64Array.from(v) : null));
  const loss = (vals: (Float64Array | null)[]): number => {
    const ins = vals.map((v, i) => (v ? new Tensor(c.inputs[i]!, ref64, v) : undefined));
    const y = runOp(c.op, ins, c.attrs ?? {}, ref64, c.mode ?? 'infer').y.handle as Float64Array;
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i]! * dy[i]!;
    return s;
  };
  const rng = new Rng(99);
  return gradInputs(c).map((j) => {
    const n = base[j]!.length;
    const coords = n <= maxCoords ? [...Array(n).keys()] : Array.from({ length: maxCoords }, () => rng.int(n));
    const g = coords.map((i) => {
      const plus = base.map((v) => (v ? v.slice() : null));
      const minus = base.map((v) => (v ? v.slice() : null));
      plus[j]![i]! += eps;
      minus[j]![i]! -= eps;
      return (loss(plus) - loss(minus)) / (2 * eps);
    });
    return { coords, g };
  });
}

/** Analytic gradients in float64 on the reference backend. */
export function analyticGrads64(c: OpCase, values: (Float32Array | null)[], dy: Float32Array): Float64Array[] {
  const ins = values.map((v, i) => (v ? new Tensor(c.inputs[i]!, ref64, Float64Array.from(v)) : undefined));
  const { y, tape } = record(() => runOp(c.op, ins, c.attrs ?? {}, ref64, c.mode ?? 'infer').y);
  const wrt = gradInputs(c).map((i) => ins[i]!);
  return backprop(tape, y, new Tensor(y.shape, ref64, Float64Array.from(dy)), wrt).map((g) => g.handle as Float64Array);
}
