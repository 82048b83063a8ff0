#!/usr/bin/env node
/**
 * The side-by-side suite: every workload (bench/workloads.mjs) on tinyconv's wasm backend (1
 * thread and all cores) and its peers (bench/backends.mjs), in one process. Prints a table,
 * writes bench/RESULTS.md (unless --no-write), or prints JSON with --json.
 *
 *   npm run bench
 *   npm run bench -- --filter conv --filter mnist --json
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { enableRelaxedSimd } from './relaxed.mjs';

const HELP = `Usage: node bench/suite.mjs [options]   (npm run bench -- [options])

Options:
  --filter <name>     only workloads whose name contains <name> (repeatable, or comma-separated)
  --backend <id>      only backends whose id contains <id> (repeatable, or comma-separated)
  --json              print the results as JSON on stdout (progress goes to stderr)
  --time <s>          benchmark.js sampling time per measurement (default 1.5)
  --quick             short measurements (0.3 s each): checks the harness, numbers are rough
  --no-relaxed        tinyconv's plain-SIMD build even where relaxed SIMD is available
  --no-write          do not write bench/RESULTS.md (filtered runs never write it unless --write)
  --write             write bench/RESULTS.md even for a filtered run
  --results <path>    where to write the Markdown report (default bench/RESULTS.md)
  --note <text>       a note for the report (e.g. what else ran on the machine)
  --list              list the workloads and backends, then exit
  -h, --help          this help

Environment: TINYCONV_DIST=<path to tinyconv.js> measures another build than dist/.`;

/** A mistake on the command line: reported without a stack trace. */
class UsageError extends Error {}

function parse(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        filter: { type: 'string', multiple: true },
        backend: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        time: { type: 'string' },
        quick: { type: 'boolean' },
        'no-relaxed': { type: 'boolean' },
        'no-write': { type: 'boolean' },
        write: { type: 'boolean' },
        results: { type: 'string' },
        note: { type: 'string' },
        list: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    throw new UsageError(`${e.message} (see --help)`);
  }
  const list = (v) => (v ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const time = values.time === undefined ? undefined : Number(values.time);
  if (time !== undefined && !(time > 0)) throw new UsageError(`--time must be a positive number of seconds, got ${values.time}`);
  return {
    filters: list(values.filter),
    backends: list(values.backend),
    json: !!values.json,
    time,
    quick: !!values.quick,
    relaxed: !values['no-relaxed'],
    write: values.write || (!values['no-write'] && list(values.filter).length === 0 && list(values.backend).length === 0),
    results: values.results ?? new URL('./RESULTS.md', import.meta.url),
    note: values.note,
    list: !!values.list,
    help: !!values.help,
  };
}

/** The CPU model from /proc/cpuinfo, with the vector extensions native code can use. */
function cpuModel() {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8').split('\n');
    const field = (name) => info.find((l) => l.startsWith(name))?.split(':')[1]?.trim();
    const model = field('model name');
    const flags = new Set((field('flags') ?? '').split(' '));
    const ext = ['avx2', 'fma', 'avx512f'].filter((f) => flags.has(f)).map((f) => f.toUpperCase());
    if (model) return `${model}${ext.length ? ` (${ext.join(', ')})` : ''}`;
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return cpus()[0]?.model ?? 'unknown CPU';
}

/** The first line of an error's message, for "n/a (reason)". */
function reasonOf(e) {
  const msg = (e?.message ?? String(e)).split('\n')[0].trim();
  return msg.length > 160 ? `${msg.slice(0, 157)}...` : msg;
}

/** Largest difference from the reference relative to the reference's largest magnitude. */
function relativeError(a, ref) {
  if (a.length !== ref.length) return Infinity;
  let scale = 0, err = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]));
    err = Math.max(err, Math.abs(a[i] - ref[i]));
  }
  return err / Math.max(scale, 1e-30);
}

/**
 * Largest relative difference between backends the suite accepts (the test checks tighter, at
 * small sizes). It compares outputs, and for training the weight update (the weights barely move).
 */
const TOLERANCE = 2e-3;

async function main() {
  const opts = parse(process.argv.slice(2));
  if (opts.help) return console.log(HELP);
  const log = opts.json ? (...a) => console.error(...a) : (...a) => console.log(...a);

  // Before anything compiles wasm: relaxed SIMD is behind a flag in Node 20.
  const relaxedOn = opts.relaxed ? enableRelaxedSimd() : false;
  const { WORKLOADS, selectWorkloads, workloadData, initialWeights } = await import('./workloads.mjs');
  const { allBackends } = await import('./backends.mjs');
  const { measurePeak } = await import('./peak.mjs');
  const { formatConsole, formatMarkdown } = await import('./report.mjs');

  const backends = allBackends().filter((b) => opts.backends.length === 0 || opts.backends.some((f) => b.id.includes(f)));
  const workloads = selectWorkloads(opts.filters);
  if (opts.list) {
    log('workloads:');
    for (const w of WORKLOADS) log(`  ${w.name.padEnd(18)} ${w.title} (${(w.flops() / 1e6).toPrecision(3)} MFLOP)`);
    log('backends:');
    for (const b of allBackends()) log(`  ${b.id.padEnd(18)} ${b.label}`);
    return;
  }
  if (workloads.length === 0) throw new UsageError(`no workload matches ${opts.filters.join(', ')}; see --list`);
  if (backends.length === 0) throw new UsageError(`no backend matches ${opts.backends.join(', ')}; see --list`);
  const measureOptions = opts.quick ? { maxTime: 0.3, minSamples: 3, warmup: 0.1, warmupRuns: 2, slowRuns: 2 } : opts.time ? { maxTime: opts.time } : {};

  const cores = availableParallelism();
  const loadStart = loadavg()[0];
  const started = Date.now();
  log(`tinyconv bench: ${workloads.length} workloads x ${backends.length} backends on ${cpuModel()} (${cores} cores), Node ${process.versions.node}, load average ${loadStart.toFixed(2)}`);

  log('measuring the single-core wasm SIMD peak...');
  const peak = measurePeak();
  log(`  f32x4 mul+add ${peak.mulAdd.toFixed(1)} GFLOP/s, relaxed_madd ${peak.fma === null ? 'n/a' : `${peak.fma.toFixed(1)} GFLOP/s`}`);

  const info = [];
  for (const b of backends) {
    try {
      const detail = await b.init({ relaxed: relaxedOn });
      info.push({ id: b.id, label: b.label, group: b.group, isa: b.isa, threads: b.threads, detail });
      log(`  ${b.id}: ${detail}`);
    } catch (e) {
      info.push({ id: b.id, label: b.label, group: b.group, isa: b.isa, threads: b.threads, error: reasonOf(e) });
      log(`  ${b.id}: not available: ${reasonOf(e)}`);
    }
  }
  // A relaxed-SIMD build (and native code) can use either instruction mix: its ceiling is the better one.
  const peakFor = (b) => (b.isa === 'simd' ? peak.mulAdd : Math.max(peak.mulAdd, peak.fma ?? 0)) * b.threads;

  const results = [];
  for (const w of workloads) {
    const flops = w.flops();
    log(`\n${w.name}: ${w.title} (${(flops / 1e6).toPrecision(3)} MFLOP)`);
    const entry = { name: w.name, title: w.title, task: w.task, level: w.level, gflop: flops / 1e9, results: {} };
    const outputs = new Map();
    for (const b of backends) {
      const meta = info.find((i) => i.id === b.id);
      const put = (r) => (entry.results[b.id] = r);
      if (meta.error) {
        put({ status: 'na', reason: meta.error });
        continue;
      }
      const skip = b.skip(w);
      if (skip) {
        put({ status: 'skip', reason: skip });
        continue;
      }
      let runner = null;
      try {
        runner = await b.prepare(w, 'bench');
        const out = await runner.output();
        outputs.set(b.id, w.task === 'train' ? delta(out, initialWeights(workloadData(w))) : out);
        const stats = await runner.measure(measureOptions);
        const gflops = flops / (stats.medianMs * 1e6);
        put({ status: 'ok', ...stats, gflops, peakFraction: gflops / peakFor(meta) });
        log(`  ${b.id.padEnd(14)} ${stats.medianMs.toFixed(3).padStart(10)} ms ±${stats.rme.toFixed(1)}%  ${gflops.toFixed(1)} GFLOP/s`);
      } catch (e) {
        put({ status: 'na', reason: reasonOf(e) });
        log(`  ${b.id.padEnd(14)} n/a (${reasonOf(e)})`);
      } finally {
        await runner?.dispose().catch(() => {});
      }
    }
    checkOutputs(entry, outputs, log);
    results.push(entry);
  }
  for (const b of backends) await b.close().catch(() => {});

  const loadEnd = loadavg()[0];
  const result = {
    date: new Date(started).toISOString(),
    command: [...(process.env.TINYCONV_DIST ? [`TINYCONV_DIST=${shellWord(process.env.TINYCONV_DIST)}`] : []), 'node bench/suite.mjs', ...process.argv.slice(2).map(shellWord)].join(' '),
    machine: { cpu: cpuModel(), cores, platform: `${process.platform}-${process.arch}`, node: process.versions.node, v8: process.versions.v8, loadStart, loadEnd },
    // Load before the run began (the suite's own load shows in loadEnd) says whether others were busy.
    loaded: loadStart > 0.5,
    note: opts.note ?? null,
    quick: opts.quick,
    seconds: (Date.now() - started) / 1e3,
    peak,
    backends: info.map((i) => ({ ...i, threads: backends.find((b) => b.id === i.id).threads, isa: backends.find((b) => b.id === i.id).isa })),
    workloads: results,
  };

  if (opts.json) console.log(JSON.stringify(result, null, 2));
  else log(`\n${formatConsole(result)}`);
  if (opts.write) {
    writeFileSync(opts.results, formatMarkdown(result));
    log(`\nwrote ${opts.results instanceof URL ? 'bench/RESULTS.md' : opts.results} (${result.seconds.toFixed(0)} s)`);
  }
}

/**
 * Compares every backend's output with a reference: the first peer that ran, in the order of
 * CHECK_REFERENCES (independent, established implementations), else the first backend that ran.
 * Sets `check` on each result: 'ok', or what differs.
 */
const CHECK_REFERENCES = ['ort-node', 'tfjs-wasm', 'ort-web', 'tfjs-cpu'];
function checkOutputs(entry, outputs, log) {
  if (outputs.size === 0) return;
  const ids = [...outputs.keys()];
  const refId = CHECK_REFERENCES.map((p) => ids.find((id) => id.startsWith(p))).find(Boolean) ?? ids[0];
  const ref = outputs.get(refId);
  for (const [id, values] of outputs) {
    let check = 'ok';
    if (id !== refId) {
      const bad = values.findIndex((v) => !Number.isFinite(v));
      const err = relativeError(values, ref);
      if (bad >= 0) check = `output has ${values[bad]} values (${refId}'s does not)`;
      else if (!(err <= TOLERANCE)) check = `output differs from ${refId}'s by ${err.toExponential(1)} of its scale`;
    }
    entry.results[id].check = check;
    if (check !== 'ok') log(`  ${id.padEnd(14)} ⚠ ${check}`);
  }
}

/** A command-line word as a POSIX shell reads it back. */
function shellWord(s) {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function delta(after, before) {
  const out = new Float32Array(after.length);
  for (let i = 0; i < after.length; i++) out[i] = after[i] - before[i];
  return after.length === before.length ? out : after;
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench: ${e instanceof UsageError ? e.message : (e?.stack ?? e)}`);
    process.exit(1);
  },
);
