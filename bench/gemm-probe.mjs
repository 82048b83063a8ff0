#!/usr/bin/env node
/**
 * A quick GEMM probe for tuning the wasm matmul kernel (assembly/gemm*.ts): single-threaded
 * GFLOP/s of tinyconv's plain-SIMD and relaxed-SIMD (FMA) builds, side by side with TF.js wasm
 * (XNNPACK, SIMD, 1 thread) when it is installed. Imports the built package (dist/): run
 * `npm run build` first.
 *
 *   node bench/gemm-probe.mjs                       default shapes, 15 rounds
 *   node bench/gemm-probe.mjs --rounds 31 --shapes 512x512x512,64x1024x1000 --no-tfjs
 *
 * Shapes are MxKxN (A is M x K, B is K x N). Contenders run in turn within each round, so a
 * machine shared with other work slows them alike; medians over rounds are reported, as wall
 * time and as process CPU time (which excludes time spent descheduled), plus the median of the
 * per-round speed ratios against TF.js.
 */

import { performance } from 'node:perf_hooks';
import { createWasmBackend } from '../dist/tinyconv.js';
import { loadTfjs } from './backends.mjs';


function parseArgs(argv) {
  const opts = { rounds: 15, shapes: '512x512x512,1024x1024x1000,32x1024x1000,3136x576x64', tfjs: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rounds') opts.rounds = Number(argv[++i]);
    else if (a === '--shapes') opts.shapes = argv[++i];
    else if (a === '--no-tfjs') opts.tfjs = false;
    else throw new Error(`gemm-probe: unknown argument ${a} (expected --rounds N, --shapes MxKxN,..., --no-tfjs)`);
  }
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error('gemm-probe: --rounds must be a positive integer');
  opts.shapes = opts.shapes.split(',').map((s) => {
    const dims = s.split('x').map(Number);
    if (dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`gemm-probe: bad shape ${s} (expected MxKxN)`);
    return dims;
  });
  return opts;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function randomValues(n, seed) {
  const v = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s / 2 ** 31 - 1;
  }
  return v;
}

/** One timed call: wall and process CPU milliseconds. */
function timeOnce(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

/** Calls per timing so that one timing lasts at least ~20 ms (short kernels are timed in batches). */
function callsPerTiming(fn) {
  const t = timeOnce(fn).wall;
  return Math.max(1, Math.ceil(20 / Math.max(t, 1e-3)));
}

async function tinyconvContender(relaxed) {
  const be = await createWasmBackend({ threads: 1, relaxed });
  return {
    name: `tinyconv wasm ${relaxed ? 'relaxed (FMA)' : 'SIMD'}`,
    build: be.diagnostics.build,
    prepare(m, k, n, A, B) {
      const a = be.upload(A, [m, k]), b = be.upload(B, [k, n]);
      return () => {
        const [y] = be.kernels.matmul([a, b], { transposeA: false, transposeB: false }, be);
        y.dispose();
      };
    },
    close: () => be.dispose(),
  };
}

async function tfjsContender() {
  let tf;
  try {
    tf = loadTfjs();
  } catch {
    return null;
  }
  if (!(await tf.setBackend('wasm'))) return null;
  await tf.ready();
  return {
    name: 'TF.js wasm (XNNPACK)',
    build: `@tensorflow/tfjs ${tf.version.tfjs}, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}`,
    prepare(m, k, n, A, B) {
      const a = tf.tensor2d(A, [m, k]), b = tf.tensor2d(B, [k, n]);
      return () => tf.matMul(a, b).dispose();
    },
    close() {},
  };
}

const opts = parseArgs(process.argv.slice(2));
const contenders = [await tinyconvContender(false), await tinyconvContender(true)];
const peer = opts.tfjs ? await tfjsContender() : null;
if (peer) contenders.push(peer);
else if (opts.tfjs) console.log('TF.js wasm is not installed: measuring tinyconv only');

console.log(`single thread, ${opts.rounds} rounds per shape, medians; Node ${process.version}`);
for (const c of contenders) console.log(`  ${c.name}: ${c.build}`);

for (const [m, k, n] of opts.shapes) {
  const flops = 2 * m * k * n;
  const A = randomValues(m * k, 1), B = randomValues(k * n, 2);
  const runs = contenders.map((c) => {
    const fn = c.prepare(m, k, n, A, B);
    // Warm-up: V8 tiers wasm up from its baseline compiler, and reused weights get packed.
    for (let i = 0; i < 5; i++) fn();
    return { c, fn, calls: callsPerTiming(fn), wall: [], cpu: [] };
  });
  for (let r = 0; r < opts.rounds; r++) {
    for (const run of runs) {
      const t = timeOnce(() => {
        for (let i = 0; i < run.calls; i++) run.fn();
      });
      run.wall.push(t.wall / run.calls);
      run.cpu.push(t.cpu / run.calls);
    }
  }
  console.log(`\nM=${m} K=${k} N=${n} (${(flops / 1e6).toFixed(1)} MFLOP)`);
  const ref = peer ? runs[runs.length - 1] : null;
  for (const run of runs) {
    const wall = median(run.wall), cpu = median(run.cpu);
    let line = `  ${run.c.name.padEnd(26)} ${wall.toFixed(3).padStart(9)} ms  ${(flops / wall / 1e6).toFixed(1).padStart(5)} GFLOP/s  (CPU time: ${(flops / cpu / 1e6).toFixed(1)} GFLOP/s)`;
    if (ref && run !== ref) line += `  x${median(run.wall.map((w, i) => ref.wall[i] / w)).toFixed(2)} vs TF.js`;
    console.log(line);
  }
}
for (const c of contenders) c.close();
