/**
 * This machine's single-core WebAssembly SIMD peak: a hand-assembled module whose loop runs K
 * independent f32x4 chains acc = acc * a + b, either as f32x4.mul + f32x4.add or as one
 * f32x4.relaxed_madd (an FMA where the CPU has one). Independent chains hide the instruction
 * latency, so the loop is bound by the floating-point units alone. Several K are tried because
 * the best one depends on the register file (x86-64 has 16 xmm registers; more chains spill).
 *
 *   node bench/peak.mjs            prints both peaks
 *   import { measurePeak } ...     the suite reports every result as a fraction of them
 */

import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { enableRelaxedSimd } from './relaxed.mjs';

/** f32x4 lanes times two flops (a multiply and an add) per chain step. */
const FLOPS_PER_STEP = 8;
/** Chain steps per chain in one loop iteration, so the counter and branch cost next to nothing. */
const UNROLL = 4;

// Opcodes (core spec, SIMD and relaxed-SIMD proposals).
const OP = {
  loop: 0x03, end: 0x0b, brIf: 0x0d, localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Const: 0x41, f32Const: 0x43, i32Sub: 0x6b, v128: 0x7b, f32: 0x7d, i32: 0x7f, void: 0x40,
};
const SIMD = { f32x4Splat: 0x13, f32x4ExtractLane: 0x1f, f32x4Add: 0xe4, f32x4Mul: 0xe6, f32x4RelaxedMadd: 0x105 };

function uleb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n) {
  const out = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return out.push(b), out;
    out.push(b | 0x80);
  }
}

const f32Bytes = (x) => [...new Uint8Array(new Float32Array([x]).buffer)];
const simd = (op, ...imm) => [0xfd, ...uleb(op), ...imm];
const section = (id, body) => [id, ...uleb(body.length), ...body];
const vec = (items) => [...uleb(items.length), ...items.flat()];
const name = (s) => vec([...new TextEncoder().encode(s)].map((b) => [b]));

/** Loop-invariant multiplier and addend: the chains converge to b / (1 - a), never to denormals or infinity. */
export const CHAIN_A = 0.999;
export const CHAIN_B = 0.001;

/**
 * The module bytes: export `run(iterations: i32) -> f32` that advances `chains` accumulators
 * `UNROLL * iterations` steps each and returns the sum of lane 0 of all of them (so no engine can
 * drop the work). Locals: param 0 (the counter), then chains + 2 v128 (accumulators, a, b).
 */
export function peakModule(chains, fused) {
  const a = chains + 1, b = chains + 2;
  const splat = (x, local) => [OP.f32Const, ...f32Bytes(x), ...simd(SIMD.f32x4Splat), OP.localSet, ...uleb(local)];
  const body = [];
  for (let i = 0; i < chains; i++) body.push(...splat(i / chains, 1 + i));
  body.push(...splat(CHAIN_A, a), ...splat(CHAIN_B, b));
  body.push(OP.loop, OP.void);
  for (let u = 0; u < UNROLL; u++) {
    for (let i = 0; i < chains; i++) {
      const acc = uleb(1 + i);
      body.push(OP.localGet, ...acc, OP.localGet, ...uleb(a));
      if (fused) body.push(OP.localGet, ...uleb(b), ...simd(SIMD.f32x4RelaxedMadd));
      else body.push(...simd(SIMD.f32x4Mul), OP.localGet, ...uleb(b), ...simd(SIMD.f32x4Add));
      body.push(OP.localSet, ...acc);
    }
  }
  body.push(OP.localGet, 0, OP.i32Const, ...sleb(1), OP.i32Sub, OP.localTee, 0, OP.brIf, 0, OP.end);
  body.push(OP.localGet, 1);
  for (let i = 1; i < chains; i++) body.push(OP.localGet, ...uleb(1 + i), ...simd(SIMD.f32x4Add));
  body.push(...simd(SIMD.f32x4ExtractLane, 0), OP.end);

  const locals = vec([[...uleb(chains + 2), OP.v128]]);
  const func = [...locals, ...body];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[OP.i32]]), ...vec([[OP.f32]])]])), // type 0: (i32) -> f32
    ...section(3, vec([[0]])), // function 0 has type 0
    ...section(7, vec([[...name('run'), 0x00, 0]])), // export "run" = func 0
    ...section(10, vec([[...uleb(func.length), ...func]])),
  ]);
}

/** What `run(iterations)` returns, computed in float32 on the host (for tests of the module). */
export function expectedSum(chains, iterations, fused) {
  const f = Math.fround;
  const a = f(CHAIN_A), b = f(CHAIN_B);
  let sum = 0;
  for (let i = 0; i < chains; i++) {
    let acc = f(i / chains);
    // relaxed_madd may or may not round the product; this host model rounds it (see the test's tolerance).
    for (let s = 0; s < UNROLL * iterations; s++) acc = fused ? f(acc * a + b) : f(f(acc * a) + b);
    sum = i === 0 ? acc : f(sum + acc);
  }
  return sum;
}

/** Compiles the module for `chains` chains; null when the engine rejects it (no relaxed SIMD). */
export function peakKernel(chains, fused) {
  const bytes = peakModule(chains, fused);
  if (!WebAssembly.validate(bytes)) return null;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  return instance.exports.run;
}

/**
 * GFLOP/s of the best of `trials` timed calls for one chain count. Calls first until the engine
 * has tiered the function up (V8 starts wasm in a baseline compiler and swaps in the optimized
 * code for later calls), then times calls of about `targetMs` each.
 */
function timeKernel(run, chains, { trials, targetMs }) {
  let iters = 1 << 12;
  for (let i = 0; i < 20; i++) run(iters); // warm-up and tier-up
  const stepFlops = chains * UNROLL * FLOPS_PER_STEP;
  // Size the call from a short measurement.
  for (;;) {
    const t0 = performance.now();
    run(iters);
    const dt = performance.now() - t0;
    if (dt > targetMs / 8 || iters >= 1 << 28) {
      iters = Math.max(1, Math.round((iters * targetMs) / Math.max(dt, 1e-3)));
      break;
    }
    iters *= 4;
  }
  let best = 0;
  for (let t = 0; t < trials; t++) {
    const t0 = performance.now();
    run(iters);
    const s = (performance.now() - t0) / 1e3;
    best = Math.max(best, (iters * stepFlops) / s / 1e9);
  }
  return best;
}

export const DEFAULT_CHAINS = [8, 12, 16, 24];

/**
 * Measures both peaks. Returns { mulAdd, fma, byChains: [{chains, mulAdd, fma}], relaxed }, GFLOP/s;
 * `fma` is null when the engine lacks relaxed SIMD. Many short trials, best taken: on a shared
 * machine some of them still get the core to themselves.
 */
export function measurePeak({ chains = DEFAULT_CHAINS, trials = 15, targetMs = 20 } = {}) {
  const relaxed = enableRelaxedSimd();
  const byChains = chains.map((k) => {
    const mulAdd = timeKernel(peakKernel(k, false), k, { trials, targetMs });
    const fused = relaxed ? peakKernel(k, true) : null;
    return { chains: k, mulAdd, fma: fused ? timeKernel(fused, k, { trials, targetMs }) : null };
  });
  const best = (key) => (byChains.some((r) => r[key] !== null) ? Math.max(...byChains.map((r) => r[key] ?? 0)) : null);
  return { mulAdd: best('mulAdd'), fma: best('fma'), byChains, relaxed };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const p = measurePeak();
  const fmt = (v) => (v === null ? 'n/a (no relaxed SIMD)' : `${v.toFixed(1)} GFLOP/s`);
  for (const r of p.byChains) console.log(`${String(r.chains).padStart(3)} chains  mul+add ${fmt(r.mulAdd)}  relaxed_madd ${fmt(r.fma)}`);
  console.log(`peak, one core: f32x4 mul+add ${fmt(p.mulAdd)}; f32x4.relaxed_madd ${fmt(p.fma)}`);
}
