#!/usr/bin/env node
/**
 * A probe for tuning the wasm convolution kernels (assembly/conv*.ts, assembly/depthwise*.ts):
 * milliseconds and GFLOP/s of each kernel on typical CNN layers, forward and backward, for
 * tinyconv's plain-SIMD and relaxed-SIMD (FMA) builds on one thread (and on two with --mt), side
 * by side with TF.js wasm (XNNPACK, SIMD, one thread) where it has the kernel and is installed.
 * Imports the built package (dist/): run `npm run build` first.
 *
 *   node bench/conv-probe.mjs                         every workload, 15 rounds
 *   node bench/conv-probe.mjs --rounds 31 --only dw3x3,conv3x3 --mt --no-tfjs
 *
 * Contenders run in turn within each round, so a machine shared with other work slows them
 * alike; the report gives medians over rounds (wall time, and GFLOP/s from process CPU time,
 * which leaves out time spent descheduled) and the median per-round ratio against TF.js.
 * GFLOP/s count 2 flops per multiply-add of the direct algorithm, whatever algorithm runs.
 */

import { performance } from 'node:perf_hooks';
import { createWasmBackend } from '../dist/tinyconv.js';
import { loadTfjs } from './backends.mjs';
import { enableRelaxedSimd } from './relaxed.mjs';


/**
 * Workloads: [id, kernel, x shape, w shape, attrs]. conv2d weights are [kh, kw, Cin/groups, Cout],
 * depthwise ones [kh, kw, C, mult]; backward kernels get dy of the forward output's shape.
 */
const WORKLOADS = [
  ['conv3x3', 'conv2d', [1, 56, 56, 64], [3, 3, 64, 64], { pads: [1, 1, 1, 1], activation: 'relu', bias: true }],
  ['conv3x3-28', 'conv2d', [1, 28, 28, 128], [3, 3, 128, 128], { pads: [1, 1, 1, 1], activation: 'relu', bias: true }],
  ['conv3x3-s2', 'conv2d', [1, 112, 112, 32], [3, 3, 32, 64], { strides: [2, 2], pads: [0, 1, 0, 1], activation: 'relu', bias: true }],
  ['conv-rgb', 'conv2d', [1, 224, 224, 3], [3, 3, 3, 32], { strides: [2, 2], pads: [0, 1, 0, 1], activation: 'relu6', bias: true }],
  ['conv1x1', 'conv2d', [1, 56, 56, 64], [1, 1, 64, 256], { bias: true }],
  ['conv1x1-14', 'conv2d', [1, 14, 14, 96], [1, 1, 96, 576], { activation: 'relu6', bias: true }],
  ['conv5x5-mnist', 'conv2d', [32, 14, 14, 32], [5, 5, 32, 64], { pads: [2, 2, 2, 2], activation: 'relu', bias: true }],
  ['dx3x3', 'conv2d_grad_input', [1, 56, 56, 64], [3, 3, 64, 64], { pads: [1, 1, 1, 1] }],
  ['dx3x3-s2', 'conv2d_grad_input', [1, 112, 112, 32], [3, 3, 32, 64], { strides: [2, 2], pads: [0, 1, 0, 1] }],
  ['dw3x3', 'conv2d_grad_filter', [1, 56, 56, 64], [3, 3, 64, 64], { pads: [1, 1, 1, 1] }],
  ['dw5x5-mnist', 'conv2d_grad_filter', [32, 14, 14, 32], [5, 5, 32, 64], { pads: [2, 2, 2, 2] }],
  ['dwc3x3', 'depthwise_conv2d', [1, 112, 112, 32], [3, 3, 32, 1], { pads: [1, 1, 1, 1], activation: 'relu6', bias: true }],
  ['dwc3x3-s2', 'depthwise_conv2d', [1, 112, 112, 96], [3, 3, 96, 1], { strides: [2, 2], pads: [0, 1, 0, 1], activation: 'relu6', bias: true }],
  ['dwc3x3-14', 'depthwise_conv2d', [1, 14, 14, 576], [3, 3, 576, 1], { pads: [1, 1, 1, 1], activation: 'relu6', bias: true }],
  ['dwc5x5', 'depthwise_conv2d', [1, 28, 28, 240], [5, 5, 240, 1], { pads: [2, 2, 2, 2], bias: true }],
  ['dwc-dx3x3', 'depthwise_conv2d_grad_input', [1, 112, 112, 32], [3, 3, 32, 1], { pads: [1, 1, 1, 1] }],
  ['dwc-dw3x3', 'depthwise_conv2d_grad_filter', [1, 112, 112, 32], [3, 3, 32, 1], { pads: [1, 1, 1, 1] }],
];

function parseArgs(argv) {
  const opts = { rounds: 15, only: null, tfjs: true, mt: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rounds') opts.rounds = Number(argv[++i]);
    else if (a === '--only') opts.only = new Set(argv[++i].split(','));
    else if (a === '--no-tfjs') opts.tfjs = false;
    else if (a === '--mt') opts.mt = true;
    else throw new Error(`conv-probe: unknown argument ${a} (expected --rounds N, --only id,id, --no-tfjs, --mt)`);
  }
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error('conv-probe: --rounds must be a positive integer');
  if (opts.only) {
    const known = new Set(WORKLOADS.map((w) => w[0]));
    for (const id of opts.only) if (!known.has(id)) throw new Error(`conv-probe: unknown workload ${id} (known: ${[...known].join(', ')})`);
  }
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

/** The geometry of a workload: output size, and flops of the direct algorithm. */
function geometry([, kernel, x, w, a]) {
  const [n, h, wd, c] = x;
  const [kh, kw, wc, last] = w;
  const [sh, sw] = a.strides ?? [1, 1];
  const [pt, pb, pl, pr] = a.pads ?? [0, 0, 0, 0];
  const ho = Math.floor((h + pt + pb - kh) / sh) + 1, wo = Math.floor((wd + pl + pr - kw) / sw) + 1;
  const depthwise = kernel.startsWith('depthwise');
  const cout = depthwise ? c * last : last;
  const macsPerOutput = depthwise ? kh * kw : kh * kw * wc;
  return { y: [n, ho, wo, cout], flops: 2 * n * ho * wo * cout * macsPerOutput, depthwise };
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

/** Calls per timing so that one timing lasts at least ~20 ms. */
function callsPerTiming(fn) {
  const t = timeOnce(fn).wall;
  return Math.max(1, Math.ceil(20 / Math.max(t, 1e-3)));
}

async function tinyconvContender(relaxed, threads) {
  const be = await createWasmBackend({ threads, relaxed });
  return {
    name: `tinyconv ${relaxed ? 'relaxed' : 'SIMD'}${threads > 1 ? ` ${threads}T` : ''}`,
    build: be.diagnostics.build,
    prepare(wl) {
      const [, kernel, xs, ws, a] = wl;
      const g = geometry(wl);
      const win = { strides: a.strides ?? [1, 1], pads: a.pads ?? [0, 0, 0, 0], dilations: [1, 1] };
      const act = { activation: a.activation ?? 'linear', alpha: 0, beta: 0 };
      const w = be.upload(randomValues(ws.reduce((p, d) => p * d), 2), ws);
      const b = a.bias ? be.upload(randomValues(g.y[3], 3), [g.y[3]]) : null;
      const x = be.upload(randomValues(xs.reduce((p, d) => p * d), 1), xs);
      const dy = be.upload(randomValues(g.y.reduce((p, d) => p * d), 4), g.y);
      const groups = g.depthwise ? {} : { groups: 1 };
      const call = {
        conv2d: () => be.kernels.conv2d(b ? [x, w, b] : [x, w], { ...win, ...act, groups: 1 }, be),
        depthwise_conv2d: () => be.kernels.depthwise_conv2d(b ? [x, w, b] : [x, w], { ...win, ...act }, be),
        conv2d_grad_input: () => be.kernels.conv2d_grad_input([dy, w], { ...win, ...groups, inputShape: xs }, be),
        depthwise_conv2d_grad_input: () => be.kernels.depthwise_conv2d_grad_input([dy, w], { ...win, inputShape: xs }, be),
        conv2d_grad_filter: () => be.kernels.conv2d_grad_filter([x, dy], { ...win, ...groups, filterShape: ws }, be),
        depthwise_conv2d_grad_filter: () => be.kernels.depthwise_conv2d_grad_filter([x, dy], { ...win, filterShape: ws }, be),
      }[kernel];
      return () => call()[0].dispose();
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
    name: 'TF.js wasm',
    build: `@tensorflow/tfjs ${tf.version.tfjs}, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}`,
    prepare(wl) {
      const [, kernel, xs, ws, a] = wl;
      // TF.js wasm has the forward kernels only (no Conv2DBackpropFilter, for one).
      if (kernel !== 'conv2d' && kernel !== 'depthwise_conv2d') return null;
      const g = geometry(wl);
      const x = tf.tensor(randomValues(xs.reduce((p, d) => p * d), 1), xs);
      const w = tf.tensor(randomValues(ws.reduce((p, d) => p * d), 2), ws);
      const b = a.bias ? tf.tensor(randomValues(g.y[3], 3), [g.y[3]]) : undefined;
      const p = a.pads ?? [0, 0, 0, 0];
      const pad = [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]];
      const args = { x, filter: w, strides: a.strides ?? [1, 1], pad, bias: b, activation: a.activation ?? 'linear' };
      const op = kernel === 'conv2d' ? tf.fused.conv2d : tf.fused.depthwiseConv2d;
      return () => op(args).dispose();
    },
    close() {},
  };
}

const opts = parseArgs(process.argv.slice(2));
enableRelaxedSimd();
const contenders = [await tinyconvContender(false, 1), await tinyconvContender(true, 1)];
if (opts.mt) contenders.push(await tinyconvContender(true, 2));
const peer = opts.tfjs ? await tfjsContender() : null;
if (peer) contenders.push(peer);
else if (opts.tfjs) console.log('TF.js wasm is not installed: measuring tinyconv only');

console.log(`${opts.rounds} rounds per workload, medians; Node ${process.version}`);
for (const c of contenders) console.log(`  ${c.name}: ${c.build}`);

for (const wl of WORKLOADS) {
  if (opts.only && !opts.only.has(wl[0])) continue;
  const { flops } = geometry(wl);
  const runs = [];
  for (const c of contenders) {
    const fn = c.prepare(wl);
    if (!fn) continue;
    // Warm-up: V8 tiers wasm up from its baseline compiler, and weights get packed once.
    for (let i = 0; i < 5; i++) fn();
    runs.push({ c, fn, calls: callsPerTiming(fn), wall: [], cpu: [] });
  }
  for (let r = 0; r < opts.rounds; r++) {
    for (const run of runs) {
      const t = timeOnce(() => {
        for (let i = 0; i < run.calls; i++) run.fn();
      });
      run.wall.push(t.wall / run.calls);
      run.cpu.push(t.cpu / run.calls);
    }
  }
  const [id, kernel, xs, ws] = wl;
  console.log(`\n${id}: ${kernel} x [${xs}] w [${ws}] (${(flops / 1e6).toFixed(1)} MFLOP)`);
  const ref = runs.find((r) => r.c === peer);
  for (const run of runs) {
    const wall = median(run.wall), cpu = median(run.cpu);
    let line = `  ${run.c.name.padEnd(20)} ${wall.toFixed(3).padStart(9)} ms  ${(flops / wall / 1e6).toFixed(1).padStart(6)} GFLOP/s  (CPU time: ${(flops / cpu / 1e6).toFixed(1)})`;
    if (ref && run !== ref) line += `  x${median(run.wall.map((w, i) => ref.wall[i] / w)).toFixed(2)} vs TF.js`;
    console.log(line);
  }
}
for (const c of contenders) c.close();
