/**
 * Turns a suite result (suite.mjs) into the console table and bench/RESULTS.md. Pure functions of
 * the result object, which is also what `--json` prints.
 */

/** Three significant digits (at least the units): 1234, 123, 12.3, 1.23, 0.123, 0.0123. */
const sig3 = (v) => (v >= 100 ? v.toFixed(0) : v > 0 ? v.toPrecision(3) : '0');
export const ms = sig3;
const gf = sig3;
export const mflop = (gflop) => sig3(gflop * 1e3);
const pct = (v) => (v < 0.01 ? '<1%' : `${(v * 100).toFixed(0)}%`);

/** A mark for results whose output check failed (their time measures a wrong result). */
const flag = (...rs) => (rs.some((r) => r?.status === 'ok' && r.check && r.check !== 'ok') ? ' ⚠' : '');

/** Peer time over tinyconv time: above 1, tinyconv is faster. */
export function ratio(peer, tinyconv) {
  return peer?.status === 'ok' && tinyconv?.status === 'ok' ? peer.medianMs / tinyconv.medianMs : null;
}

function cellText(r) {
  if (!r) return '';
  if (r.status === 'skip') return `— (${r.reason})`;
  if (r.status === 'na') return `n/a (${r.reason})`;
  return `${ms(r.medianMs)} ms`;
}

/** The tinyconv backends (the reference columns of the ratios) and the peers. */
function split(result) {
  const tinyconv = result.backends.filter((b) => b.group === 'tinyconv');
  return { tinyconv, peers: result.backends.filter((b) => b.group !== 'tinyconv'), one: tinyconv[0], all: tinyconv[1] ?? tinyconv[0] };
}

function peakNote(result) {
  const p = result.peak;
  const parts = [`f32x4 mul+add ${gf(p.mulAdd)} GFLOP/s`];
  parts.push(p.fma === null ? 'relaxed_madd unavailable' : `f32x4.relaxed_madd ${gf(p.fma)} GFLOP/s`);
  return parts.join(', ');
}

/** Plain-text table for the terminal: one row per workload and backend. */
export function formatConsole(result) {
  const { one, all } = split(result);
  const rows = [['workload', 'MFLOP', 'backend', 'median', '±%', 'GFLOP/s', '% peak', `vs ${one.id}`, all !== one ? `vs ${all.id}` : '', 'note']];
  for (const w of result.workloads) {
    result.backends.forEach((b, i) => {
      const r = w.results[b.id];
      const ok = r?.status === 'ok';
      rows.push([
        i === 0 ? w.name : '',
        i === 0 ? mflop(w.gflop) : '',
        b.id,
        ok ? `${ms(r.medianMs)} ms` : r?.status === 'skip' ? '—' : 'n/a',
        ok ? r.rme.toFixed(1) : '',
        ok ? gf(r.gflops) : '',
        ok && r.peakFraction !== null ? pct(r.peakFraction) : '',
        ok && b.group !== 'tinyconv' && ratio(r, w.results[one.id]) ? `${sig3(ratio(r, w.results[one.id]))}x` : '',
        ok && all !== one && b.group !== 'tinyconv' && ratio(r, w.results[all.id]) ? `${sig3(ratio(r, w.results[all.id]))}x` : '',
        ok ? (r.check === 'ok' ? (r.method === 'manual' ? `${r.runs} runs` : '') : `⚠ ${r.check}`) : (r?.reason ?? ''),
      ]);
    });
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const right = new Set([1, 3, 4, 5, 6, 7, 8]);
  const line = (r) => r.map((v, c) => (right.has(c) ? String(v).padStart(widths[c]) : String(v).padEnd(widths[c]))).join('  ').trimEnd();
  const out = [line(rows[0]), widths.map((n) => '-'.repeat(n)).join('  ')];
  let first = true;
  for (const r of rows.slice(1)) {
    if (r[0] && !first) out.push('');
    first = false;
    out.push(line(r));
  }
  const head = `single-core wasm SIMD peak: ${peakNote(result)}`;
  const legend = `vs X: the peer's median time over X's (above 1: tinyconv is faster). % peak: of the single-core peak of the instructions the backend's build can use, times its threads.`;
  return [head, '', ...out, '', legend].join('\n');
}

const mdEscape = (s) => String(s).replace(/\|/g, '\\|');

/** bench/RESULTS.md. */
export function formatMarkdown(result) {
  const { peers, one, all } = split(result);
  const m = result.machine;
  const L = [];
  L.push('# Benchmark results', '');
  L.push('Written by `npm run bench` (bench/suite.mjs); rerun it to refresh. Side by side in one process: tinyconv\'s wasm backend and its peers, on the workloads of bench/workloads.mjs.', '');
  L.push(`- Date: ${result.date}`);
  L.push(`- Machine: ${m.cpu}, ${m.cores} core${m.cores > 1 ? 's' : ''} available, ${m.platform}`);
  L.push(`- Node ${m.node} (V8 ${m.v8})`);
  L.push(`- Command: \`${result.command}\``);
  L.push(`- Load average (1 min) at the start / end of the run: ${m.loadStart.toFixed(2)} / ${m.loadEnd.toFixed(2)}`);
  if (result.loaded) {
    L.push('', `> **Noisy numbers.** This run shared the machine with other work (load average ${m.loadStart.toFixed(2)} before it started, on ${m.cores} cores)${result.note ? `: ${result.note}` : ''}. Timings and especially the multi-thread columns are unreliable; rerun on a quiet machine before quoting them.`);
  } else if (result.note) {
    L.push('', `> ${result.note}`);
  }
  if (result.quick) L.push('', '> `--quick` run: short measurements that check the harness; the numbers are rough.');
  L.push('', '## Peak', '');
  L.push(`Single-core WebAssembly SIMD peak of this machine (bench/peak.mjs: independent f32x4 chains, best of ${result.peak.byChains.map((r) => r.chains).join('/')} chains): ${peakNote(result)}.`);
  L.push('', '| chains | mul+add GFLOP/s | relaxed_madd GFLOP/s |', '|---:|---:|---:|');
  for (const r of result.peak.byChains) L.push(`| ${r.chains} | ${gf(r.mulAdd)} | ${r.fma === null ? 'n/a' : gf(r.fma)} |`);

  L.push('', '## Backends', '');
  for (const b of result.backends) L.push(`- **${b.id}**: ${b.label}. ${b.error ? `Not available: ${mdEscape(b.error)}` : mdEscape(b.detail)}`);

  const header = (cols) => [`| workload | MFLOP | ${cols.join(' | ')} |`, `|---|---:|${cols.map(() => '---:|').join('')}`];
  L.push('', '## Median time per run', '');
  L.push('Median over benchmark.js samples after a warm-up (± = relative margin of error of the mean, 95%). A run computes the result and reads it back to a host Float32Array. n/a: the backend cannot run the workload (reason given); —: not measured by design.', '');
  L.push(...header(result.backends.map((b) => b.id)));
  for (const w of result.workloads) {
    const cells = result.backends.map((b) => {
      const r = w.results[b.id];
      if (!r) return '';
      if (r.status !== 'ok') return mdEscape(cellText(r));
      return `${ms(r.medianMs)} ms ±${r.rme.toFixed(0)}%${r.method === 'manual' ? ` (${r.runs} runs)` : ''}${r.check && r.check !== 'ok' ? ` ⚠ ${mdEscape(r.check)}` : ''}`;
    });
    L.push(`| ${w.title} | ${mflop(w.gflop)} | ${cells.join(' | ')} |`);
  }

  L.push('', '## Throughput', '');
  L.push('GFLOP/s (FLOPs from tinyconv\'s op cost() over the network; a training step counts three forward passes) and the fraction of the measured peak: of the mul+add peak for plain-SIMD wasm builds, of the better of the two peaks for tinyconv\'s relaxed-SIMD build (it may use either), times the threads used. Native ONNX Runtime is shown against the better peak too (the most any wasm build can reach here), so it can exceed 100%. FLOPs are those of the direct algorithm; a kernel that uses a fast one (Winograd convolution) does fewer, so its effective rate can exceed the peak too.', '');
  L.push(...header(result.backends.map((b) => b.id)));
  for (const w of result.workloads) {
    const cells = result.backends.map((b) => {
      const r = w.results[b.id];
      return r?.status === 'ok' ? `${gf(r.gflops)}${r.peakFraction !== null ? ` (${pct(r.peakFraction)})` : ''}${flag(r)}` : r?.status === 'na' ? 'n/a' : '—';
    });
    L.push(`| ${w.title} | ${mflop(w.gflop)} | ${cells.join(' | ')} |`);
  }

  L.push('', '## Ratios', '');
  const vs = all !== one ? `${one.id} / ${all.id}` : one.id;
  L.push(`Each peer's median time divided by tinyconv's (${vs}): above 1, tinyconv is faster. ⚠: an output in the ratio failed the output check.`, '');
  L.push(`| workload | ${peers.map((p) => p.id).join(' | ')} |`, `|---|${peers.map(() => '---:|').join('')}`);
  for (const w of result.workloads) {
    const cells = peers.map((p) => {
      const r = w.results[p.id];
      const a = ratio(r, w.results[one.id]);
      const b = all !== one ? ratio(r, w.results[all.id]) : null;
      if (a === null && b === null) return r?.status === 'na' ? 'n/a' : '—';
      const text = [a, b].filter((x) => x !== null).map((x) => `${sig3(x)}×`).join(' / ');
      return `${text}${flag(r, w.results[one.id], w.results[all.id])}`;
    });
    L.push(`| ${w.title} | ${cells.join(' | ')} |`);
  }

  const checks = result.workloads.flatMap((w) => result.backends.filter((b) => w.results[b.id]?.check && w.results[b.id].check !== 'ok').map((b) => `${w.name} on ${b.id}: ${w.results[b.id].check}`));
  L.push('', '## Output check', '');
  L.push('Before timing, each backend\'s output (for training: the weight update of one step) is compared with a peer\'s: ONNX Runtime node where it ran, else TF.js wasm, ONNX Runtime web or TF.js cpu (relative tolerance 2e-3 of the largest value; tests/bench/workloads.test.ts checks every backend against tinyconv\'s float64 reference, more tightly, at small sizes).', '');
  L.push(checks.length === 0 ? 'Every output matched.' : `**Mismatches** (their timings measure wrong results): ${checks.map(mdEscape).join('; ')}.`);
  L.push('', '## Notes', '');
  L.push('- Workloads: bench/workloads.mjs (one entry each); networks and weights: bench/nets.mjs (one neutral description, built for each backend by bench/impl/*.mjs). MobileNetV2 has batch norm folded into the convolutions and ReLU6 fused, as converted models do; weights are random (He-uniform), the same for every backend.');
  L.push('- TF.js runs its ops as its converted graph models do (fused conv / matmul + bias + activation). ONNX Runtime gets an ONNX model written by bench/onnx.mjs (NCHW, as converters write it); its session.run copies the input in and the output out on every run.');
  L.push(
    result.backends.some((b) => b.group === 'tinyconv' && b.isa === 'relaxed')
      ? '- tinyconv ran its relaxed-SIMD builds (f32x4.relaxed_madd, on by default in Chrome and Deno; Node 20 needs a V8 flag, which the suite sets). TF.js and ONNX Runtime Web ship no relaxed-SIMD build. `--no-relaxed` measures tinyconv\'s plain-SIMD builds.'
      : '- tinyconv ran its plain-SIMD builds (`--no-relaxed`), like TF.js and ONNX Runtime Web.',
  );
  L.push('- tfjs-cpu is only the training baseline: tfjs-backend-wasm has no Conv2DBackpropFilter kernel, so TF.js cannot train a convnet on wasm, and ONNX Runtime\'s inference packages do not train.');
  L.push('- Timings taken in one process, workload by workload, every backend in turn, so drifting load affects all columns alike; ORT web runs in worker threads of the same process (its module instance fixes its thread count).');
  return L.join('\n') + '\n';
}
