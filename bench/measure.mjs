/**
 * Times one runner with benchmark.js after a warm-up (engines start wasm and JS in baseline tiers
 * and optimize hot code later; the first runs also pack weights and grow memory). Runs that take
 * longer than `slowMs` each are timed by hand instead, `slowRuns` of them counting the warm-up run
 * that revealed it (the caller has run the runner once before, so that run is warm):
 * benchmark.js would need minutes to collect its samples.
 */

import Benchmark from 'benchmark';
import { performance } from 'node:perf_hooks';

export const DEFAULT_MEASURE = Object.freeze({
  /** Seconds benchmark.js may spend sampling (it stops earlier once `minSamples` are precise enough). */
  maxTime: 1.5,
  minSamples: 8,
  /** Warm-up: at least this many seconds and `warmupRuns` runs. */
  warmup: 0.3,
  warmupRuns: 3,
  slowMs: 1500,
  slowRuns: 2,
});

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Times `run` (sync, or returning a promise). Returns { medianMs, meanMs, rme (% relative margin
 * of error of the mean), samples, runs, method: 'benchmark.js' | 'manual' }.
 */
export async function measure(run, options = {}) {
  const o = { ...DEFAULT_MEASURE, ...options };
  // Warm-up, which also tells whether runs are asynchronous and how long one takes.
  let async = false;
  let last = 0;
  const t0 = performance.now();
  for (let i = 0; i < o.warmupRuns || performance.now() - t0 < o.warmup * 1e3; i++) {
    const s = performance.now();
    const r = run();
    if (r && typeof r.then === 'function') {
      async = true;
      await r;
    }
    last = performance.now() - s;
    if (last > o.slowMs) break;
  }
  if (last > o.slowMs) return manual(run, async, o.slowRuns, last);

  return new Promise((resolve, reject) => {
    let failure = null;
    const bench = new Benchmark({
      defer: async,
      fn: async
        ? (deferred) => {
            run().then(
              () => deferred.resolve(),
              (e) => {
                failure = e;
                deferred.benchmark.abort();
              },
            );
          }
        : run,
      maxTime: o.maxTime,
      minSamples: o.minSamples,
      onComplete() {
        if (failure || this.error) return reject(failure ?? this.error);
        const sample = this.stats.sample.map((s) => s * 1e3);
        resolve({ medianMs: median(sample), meanMs: this.stats.mean * 1e3, rme: this.stats.rme, samples: sample.length, runs: this.count * sample.length, method: 'benchmark.js' });
      },
      onAbort() {
        reject(failure ?? new Error('benchmark aborted'));
      },
      onError() {
        reject(this.error);
      },
    });
    // Asynchronous cycles: the event loop turns between them, as in an app between inferences
    // (finalizers and worker messages run there, not inside a cycle).
    bench.run({ async: true });
  });
}

async function manual(run, async, runs, first) {
  const times = [first];
  for (let i = 1; i < runs; i++) {
    const s = performance.now();
    const r = run();
    if (async) await r;
    times.push(performance.now() - s);
  }
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const sd = Math.sqrt(times.reduce((a, t) => a + (t - mean) ** 2, 0) / Math.max(times.length - 1, 1));
  // 95% margin of the mean with Student's t for `runs - 1` degrees of freedom (runs is small).
  const t95 = [12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26][times.length - 2] ?? 1.96;
  return { medianMs: median(times), meanMs: mean, rme: times.length > 1 ? ((t95 * sd) / Math.sqrt(times.length) / mean) * 100 : 0, samples: times.length, runs: times.length, method: 'manual' };
}
