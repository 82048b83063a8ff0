import { TinyconvError, check, withContext } from './errors.js';
import { hasKernel, type Backend } from './backend.js';
import type { KernelRunner, Mode, OpDef } from './op.js';
import { getOp } from '../ops/registry.js';
import { shapeToString } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * Dispatches ops to a backend's kernels and records them on the active gradient tape.
 * Moving tensors between backends happens here (and in the scheduler that drives it), nowhere else.
 */

export function kernelRunner(backend: Backend): KernelRunner {
  const run = (kernel: string, inputs: readonly Tensor[], attrs: unknown = {}): Tensor[] => {
    const k = backend.kernels[kernel];
    if (!k || !hasKernel(backend, kernel)) {
      throw new TinyconvError('E_NO_KERNEL', `backend ${backend.name} has no kernel ${kernel}`, { backend: backend.name, kernel });
    }
    return k(inputs, attrs, backend);
  };
  return {
    backend: backend.name,
    run,
    run1(kernel, inputs, attrs) {
      const out = run(kernel, inputs, attrs);
      check(out.length === 1, 'E_BACKEND', `kernel ${kernel} on ${backend.name} returned ${out.length} outputs, expected 1`);
      return out[0]!;
    },
  };
}

/** A copy of `t` on backend `b` (or `t` itself when it is already there). */
export function toBackend(t: Tensor, b: Backend): Tensor {
  if (t.backend === b) return t;
  return b.upload(t.dataSync(), t.shape);
}

export interface OpCall {
  op: OpDef;
  attrs: unknown;
  inputs: (Tensor | undefined)[];
  y: Tensor;
  saved: Tensor[];
  mode: Mode;
  backend: Backend;
}

export interface RunResult {
  y: Tensor;
  /** New values of stateful inputs (batch norm running statistics in training mode). */
  state: Record<string, Tensor>;
}

const tapes: OpCall[][] = [];

/** Validates inputs against the op's definition and runs it on `backend`. */
export function runOp(name: string, inputs: readonly (Tensor | undefined)[], rawAttrs: Readonly<Record<string, unknown>>, backend: Backend, mode: Mode = 'infer'): RunResult {
  const op = getOp(name);
  return withContext(name, () => {
    const attrs = op.attrs(rawAttrs);
    checkArity(op, inputs);
    const ins = inputs.map((t) => (t ? toBackend(t, backend) : undefined));
    op.outputShape(ins.map((t) => t?.shape), attrs); // validates shapes before any kernel runs
    const k = kernelRunner(backend);
    const r = op.forward ? op.forward(k, ins, attrs, mode) : { y: k.run1(op.name, ins as Tensor[], attrs) };
    const tape = tapes[tapes.length - 1];
    if (tape) tape.push({ op, attrs, inputs: ins, y: r.y, saved: r.saved ?? [], mode, backend });
    // Nothing records gradients: what the op saved for its backward pass is garbage now, and on
    // backends with their own memory (wasm, WebGPU) it should not wait for the GC.
    else {
      for (const t of r.saved ?? []) if (t !== r.y && !ins.includes(t)) t.dispose();
      // Copies made to bring inputs to this backend are the op's own, too.
      ins.forEach((t, i) => t && t !== inputs[i] && t !== r.y && t.dispose());
    }
    return { y: r.y, state: r.state ?? {} };
  });
}

function checkArity(op: OpDef, inputs: readonly (Tensor | undefined)[]): void {
  if (op.variadic) {
    check(inputs.length >= 1 && inputs.every((t) => t), 'E_ARG', `${op.name} needs one or more inputs`);
    return;
  }
  check(inputs.length <= op.inputs.length, 'E_ARG', `${op.name} takes ${op.inputs.length} inputs (${op.inputs.join(', ')}), got ${inputs.length}`);
  op.inputs.forEach((n, i) => {
    if (!n.endsWith('?')) check(inputs[i] instanceof Tensor, 'E_ARG', `${op.name}: input ${n} is missing`);
  });
}

/** Runs `f` while recording the ops it runs, for a later backprop(). */
export function record(f: () => Tensor): { y: Tensor; tape: OpCall[] } {
  const tape: OpCall[] = [];
  tapes.push(tape);
  try {
    return { y: f(), tape };
  } finally {
    tapes.pop();
  }
}

/**
 * Runs `f` while recording ops, then back-propagates `dy` (ones by default) from its result
 * to each tensor in `wrt`. Returns the result and one gradient per `wrt` entry (zeros when the
 * result does not depend on it).
 */
export function grad(f: () => Tensor, wrt: readonly Tensor[], dy?: Tensor): { y: Tensor; grads: Tensor[] } {
  const { y, tape } = record(f);
  return { y, grads: backprop(tape, y, dy ?? Tensor.fill(y.shape, 1), wrt) };
}

/** Reverse-mode accumulation over a recorded tape. */
export function backprop(tape: readonly OpCall[], y: Tensor, dy: Tensor, wrt: readonly Tensor[]): Tensor[] {
  check(dy.size === y.size, 'E_SHAPE', `gradient seed ${shapeToString(dy.shape)} does not match output ${shapeToString(y.shape)}`);
  // Forward sweep: which tensors depend on something in `wrt`.
  const live = new Set<Tensor>(wrt);
  for (const c of tape) if (c.inputs.some((t) => t && live.has(t))) live.add(c.y);
  const g = new Map<Tensor, Tensor>([[y, dy]]);
  for (let i = tape.length - 1; i >= 0; i--) {
    const c = tape[i]!;
    const gy = g.get(c.y);
    if (!gy || !c.op.backward) continue;
    const needs = c.inputs.map((t) => !!t && live.has(t));
    if (!needs.some(Boolean)) continue;
    const k = kernelRunner(c.backend);
    const gIn = withContext(`gradient of ${c.op.name}`, () =>
      c.op.backward!(k, { dy: toBackend(gy, c.backend), inputs: c.inputs, y: c.y, saved: c.saved, attrs: c.attrs, mode: c.mode, needs }),
    );
    c.inputs.forEach((t, j) => {
      const gj = gIn[j];
      if (!t || !needs[j] || !gj) return;
      const prev = g.get(t);
      g.set(t, prev ? runOp('add', [prev, gj], {}, c.backend).y : gj);
    });
  }
  return wrt.map((t) => g.get(t) ?? Tensor.zeros(t.shape));
}
