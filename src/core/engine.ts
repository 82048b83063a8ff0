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

/** A runner on `backend`; `made`, when given, collects every tensor its kernels return. */
export function kernelRunner(backend: Backend, made?: Tensor[]): KernelRunner {
  const run = (kernel: string, inputs: readonly Tensor[], attrs: unknown = {}): Tensor[] => {
    const k = backend.kernels[kernel];
    if (!k || !hasKernel(backend, kernel)) {
      throw new TinyconvError('E_NO_KERNEL', `backend ${backend.name} has no kernel ${kernel}`, { backend: backend.name, kernel });
    }
    const out = k(inputs, attrs, backend);
    made?.push(...out);
    return out;
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
  /** The inputs on the op's backend (copies where they came from elsewhere): what backward reads. */
  inputs: (Tensor | undefined)[];
  /** The inputs as the caller gave them: gradients are attributed to these. */
  sources: (Tensor | undefined)[];
  y: Tensor;
  saved: Tensor[];
  mode: Mode;
  backend: Backend;
  /** New values of stateful inputs: they outlive the step (the model keeps them). */
  state: Tensor[];
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
    const made: Tensor[] = [];
    const k = kernelRunner(backend, made);
    const r = op.forward ? op.forward(k, ins, attrs, mode) : { y: k.run1(op.name, ins as Tensor[], attrs) };
    // Intermediates of a composite forward that it neither returns nor saves.
    freeTemporaries(made, [r.y, ...(r.saved ?? []), ...Object.values(r.state ?? {}), ...ins.filter((t): t is Tensor => !!t)]);
    const tape = tapes[tapes.length - 1];
    if (tape) tape.push({ op, attrs, inputs: ins, sources: [...inputs], y: r.y, saved: r.saved ?? [], mode, backend, state: Object.values(r.state ?? {}) });
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

/** Disposes the tensors in `made` that are not in `keep` (kernels may hand an input back as it is). */
function freeTemporaries(made: readonly Tensor[], keep: Iterable<Tensor>): void {
  if (made.length === 0) return;
  const kept = new Set(keep);
  for (const t of made) if (!kept.has(t)) t.dispose();
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
 * result does not depend on it). Tensors the recorded ops made inside `f` (their outputs and what
 * they saved for backward) are disposed afterwards, except the result, `wrt` and new state
 * (batch norm's running statistics): read what you need of them inside `f`.
 */
export function grad(f: () => Tensor, wrt: readonly Tensor[], dy?: Tensor): { y: Tensor; grads: Tensor[] } {
  const { y, tape } = record(f);
  // The seed is made where y lives, so backprop does not copy it over from the host.
  const seed = dy ?? y.backend.upload(new Float32Array(y.size).fill(1), y.shape);
  let grads: Tensor[];
  try {
    grads = backprop(tape, y, seed, wrt);
  } catch (e) {
    releaseTape(tape, [y, ...wrt, seed]);
    throw e;
  }
  // A rule may hand back a tensor of the tape (or the seed) as a gradient.
  releaseTape(tape, [y, ...wrt, seed, ...grads]);
  if (!dy && !grads.includes(seed)) seed.dispose();
  return { y, grads };
}

/**
 * Disposes what the ops of a finished tape made: outputs and saved tensors, but not `keep`, the
 * tensors that came from outside the tape (an op may hand an input back as its output) nor new
 * state. Backends with their own memory (wasm, WebGPU) get it back now rather than at the next GC,
 * which on wasm otherwise grows the heap by a whole step's activations every step.
 */
function releaseTape(tape: readonly OpCall[], keep: readonly Tensor[]): void {
  const made = new Set<Tensor>();
  const outside = new Set<Tensor>(keep);
  for (const c of tape) {
    c.sources.forEach((src, j) => {
      if (src && !made.has(src)) outside.add(src);
      // A copy made to bring an input to the op's backend is the tape's own.
      const cp = c.inputs[j];
      if (cp && cp !== src) made.add(cp);
    });
    for (const t of c.state) outside.add(t);
    made.add(c.y);
    for (const t of c.saved) made.add(t);
  }
  for (const t of made) if (!outside.has(t)) t.dispose();
}

/**
 * Reverse-mode accumulation over a recorded tape. Gradients of intermediate tensors are disposed
 * as soon as the op that produced the tensor has consumed them; the tape itself, `dy` and the
 * returned gradients are left alone (the tape may be back-propagated again).
 */
export function backprop(tape: readonly OpCall[], y: Tensor, dy: Tensor, wrt: readonly Tensor[]): Tensor[] {
  check(dy.size === y.size, 'E_SHAPE', `gradient seed ${shapeToString(dy.shape)} does not match output ${shapeToString(y.shape)}`);
  // Forward sweep: which tensors depend on something in `wrt`.
  const live = new Set<Tensor>(wrt);
  for (const c of tape) if (c.sources.some((t) => t && live.has(t))) live.add(c.y);
  // Tensors a gradient rule may hand back as they are (dy, an input, y, a saved tensor): never ours to free.
  const foreign = new Set<Tensor>([dy, ...wrt]);
  for (const c of tape) {
    for (const t of [...c.inputs, ...c.sources]) if (t) foreign.add(t);
    foreign.add(c.y);
    for (const t of c.saved) foreign.add(t);
  }
  const g = new Map<Tensor, Tensor>();
  // How many entries of g hold each gradient: rules may pass one tensor on to several inputs.
  const holders = new Map<Tensor, number>();
  const put = (t: Tensor, gt: Tensor): void => {
    g.set(t, gt);
    holders.set(gt, (holders.get(gt) ?? 0) + 1);
  };
  const free = (gt: Tensor): void => {
    if (!holders.has(gt) && !foreign.has(gt)) gt.dispose();
  };
  const drop = (t: Tensor): void => {
    const gt = g.get(t);
    if (!gt) return;
    g.delete(t);
    const n = holders.get(gt)! - 1;
    if (n > 0) holders.set(gt, n);
    else holders.delete(gt);
    free(gt);
  };
  const wanted = new Set<Tensor>(wrt);
  put(y, dy);
  for (let i = tape.length - 1; i >= 0; i--) {
    const c = tape[i]!;
    const gy = g.get(c.y);
    if (!gy || !c.op.backward) continue;
    const needs = c.sources.map((t) => !!t && live.has(t));
    if (!needs.some(Boolean)) continue;
    const made: Tensor[] = [];
    const k = kernelRunner(c.backend, made);
    const gyHere = toBackend(gy, c.backend);
    const gIn = withContext(`gradient of ${c.op.name}`, () =>
      c.op.backward!(k, { dy: gyHere, inputs: c.inputs, y: c.y, saved: c.saved, attrs: c.attrs, mode: c.mode, needs }),
    );
    // Intermediates of the rule (the gradient through a fused activation, say) and gradients it
    // computed for inputs that need none.
    freeTemporaries(made, [...gIn.filter((t, j): t is Tensor => !!t && needs[j]!), gyHere, ...foreign]);
    if (gyHere !== gy && !gIn.includes(gyHere)) gyHere.dispose();
    const taken = new Set<Tensor>();
    c.sources.forEach((t, j) => {
      const gj = gIn[j];
      if (!t || !needs[j] || !gj) return;
      taken.add(gj);
      const prev = g.get(t);
      if (!prev) return put(t, gj);
      const sum = runOp('add', [prev, gj], {}, c.backend).y;
      drop(t);
      put(t, sum);
      // gj may also be the gradient of another input of this op (x + x), still to be summed.
      if (!c.sources.slice(j + 1).some((u, m) => u && needs[j + 1 + m] && gIn[j + 1 + m] === gj)) free(gj);
    });
    // Gradients the rule computed but nobody asked for.
    for (const gj of gIn) if (gj && !taken.has(gj)) free(gj);
    // c.y has no other producer on the tape: its gradient is complete and now consumed (freed
    // last, as the rule may have passed it on to the inputs as it is).
    if (!wanted.has(c.y)) drop(c.y);
  }
  const out = wrt.map((t) => g.get(t) ?? t.backend.upload(new Float32Array(t.size), t.shape));
  // Gradients of tensors that lead nowhere in `wrt` (outputs of ops without a rule, constants).
  for (const t of [...g.keys()]) if (!wanted.has(t)) drop(t);
  return out;
}
