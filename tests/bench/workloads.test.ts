import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT, requireBuilt } from '../util/built.js';
import { closeReport } from '../util/close.js';

/**
 * The benchmark compares like with like: every workload of bench/workloads.mjs, at small sizes,
 * gives the same output on each backend the suite times (tinyconv's wasm backend and its peers)
 * as on tinyconv's float64 reference backend. For the training step the compared output is the
 * weight update of one SGD step. A backend that cannot run a workload by its nature (no training
 * in ONNX Runtime, a kernel not written yet) is reported as a skip with the reason.
 */

requireBuilt(BUILT.bundle, BUILT.bundleWasm);

interface Workload {
  name: string;
  title: string;
  task: 'infer' | 'train';
  level: 'op' | 'model';
}
interface Runner {
  output(): Promise<Float32Array>;
  dispose(): Promise<void>;
}
interface BenchBackend {
  id: string;
  skip(w: Workload): string | null;
  init(options: { relaxed: boolean }): Promise<string>;
  prepare(w: Workload, size: 'test'): Promise<Runner>;
  close(): Promise<void>;
}
interface WorkloadsModule {
  WORKLOADS: Workload[];
  workloadData(w: Workload, size: 'test'): unknown;
  initialWeights(data: unknown): Float32Array;
}
interface TinyconvBackendLike {
  name: string;
}

// The bench is plain JavaScript run by Node; its modules are loaded as they are.
const bench = (path: string): Promise<unknown> => import(/* @vite-ignore */ new URL(`../../bench/${path}`, import.meta.url).href);
const { WORKLOADS, workloadData, initialWeights } = (await bench('workloads.mjs')) as WorkloadsModule;
const { allBackends, localRunner } = (await bench('backends.mjs')) as {
  allBackends(cores?: number): BenchBackend[];
  localRunner(impl: unknown): Runner;
};
const { tinyconvRunner } = (await bench('impl/tinyconv.mjs')) as { tinyconvRunner(w: Workload, data: unknown, backend: TinyconvBackendLike): unknown };
const { NotApplicable } = (await bench('not-applicable.mjs')) as { NotApplicable: new (m: string) => Error };
const { tc } = (await bench('lib.mjs')) as { tc: { createReferenceBackend(p: 'float64'): TinyconvBackendLike } };

/** Timed backends the check covers: tinyconv wasm (1 and 2 threads), TF.js wasm and cpu, ORT web (1 thread) and node. */
const CHECKED = ['tinyconv-1t', 'tinyconv-2t', 'tfjs-wasm', 'tfjs-cpu', 'ort-web-1t', 'ort-node-1t'];
const backends = allBackends(2).filter((b) => CHECKED.includes(b.id));
const ready = new Map<string, string | null>();

beforeAll(async () => {
  for (const b of backends) {
    try {
      await b.init({ relaxed: false });
      ready.set(b.id, null);
    } catch (e) {
      ready.set(b.id, (e as Error).message);
    }
  }
}, 120_000);

afterAll(async () => {
  for (const b of backends) await b.close();
});

/** The float64 reference output (for training: the weight update), computed once per workload. */
const expected = new Map<string, Float32Array>();
async function reference(w: Workload): Promise<Float32Array> {
  let y = expected.get(w.name);
  if (!y) {
    const runner = localRunner(tinyconvRunner(w, workloadData(w, 'test'), tc.createReferenceBackend('float64')));
    try {
      y = compared(w, await runner.output());
    } catch (e) {
      throw new Error(`the float64 reference (what every backend is compared with) failed on ${w.name}: ${(e as Error).message}`, { cause: e });
    } finally {
      await runner.dispose();
    }
    expected.set(w.name, y);
  }
  return y;
}

function compared(w: Workload, out: Float32Array): Float32Array {
  if (w.task !== 'train') return out;
  const before = initialWeights(workloadData(w, 'test'));
  expect(out.length).toBe(before.length);
  return out.map((v, i) => v - before[i]!);
}

/** Whole networks and the training step add up many more rounding errors than one op. */
const rtolOf = (w: Workload): number => (w.level === 'op' ? 1e-4 : 1e-3);

for (const w of WORKLOADS) describe(`workload ${w.name}`, () => {
  for (const b of backends) it(`${b.id} computes what the float64 reference computes`, async (ctx) => {
    const initError = ready.get(b.id);
    if (initError) return ctx.skip(`${b.id} is not available: ${initError}`);
    const notTimed = b.skip(w);
    if (notTimed) return ctx.skip(`${b.id}: ${notTimed}`);
    let runner: Runner;
    try {
      runner = await b.prepare(w, 'test');
    } catch (e) {
      if (e instanceof NotApplicable || (e as Error).name === 'NotApplicable') return ctx.skip(`${b.id}: ${(e as Error).message}`);
      throw e;
    }
    try {
      const got = compared(w, await runner.output());
      const want = await reference(w);
      expect(want.some((v) => v !== 0)).toBe(true); // a check of zeros against zeros would prove nothing
      expect(closeReport(got, want, { rtol: rtolOf(w) })).toBeNull();
    } finally {
      await runner.dispose();
    }
  }, 120_000);
});

describe('the peak microbenchmark', () => {
  it('computes every chain step it counts (so its GFLOP/s are real)', async () => {
    const { peakKernel, expectedSum } = (await bench('peak.mjs')) as {
      peakKernel(chains: number, fused: boolean): ((iterations: number) => number) | null;
      expectedSum(chains: number, iterations: number, fused: boolean): number;
    };
    for (const chains of [8, 12, 24]) {
      for (const iterations of [1, 3, 50]) expect(peakKernel(chains, false)!(iterations)).toBe(expectedSum(chains, iterations, false));
    }
    // relaxed_madd may round the product or not; where the engine has it, the sums agree closely.
    const fused = peakKernel(12, true);
    if (fused) expect(fused(50)).toBeCloseTo(expectedSum(12, 50, true), 4);
  });
});
