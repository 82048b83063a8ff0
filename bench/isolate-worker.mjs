/** The worker side of isolate.mjs: one backend, driven by messages { id, op, ... }. */

import { parentPort, workerData } from 'node:worker_threads';
import * as backends from './backends.mjs';
import { findWorkload } from './workloads.mjs';
import { NotApplicable } from './not-applicable.mjs';

const backend = backends[workerData.factory](...workerData.args);
let runner = null;

const ops = {
  async init({ options }) {
    const detail = await backend.init(options);
    return { detail, isa: backend.isa, threads: backend.threads };
  },
  async prepare({ workload, size }) {
    runner = await backend.prepare(findWorkload(workload), size);
    return true;
  },
  output: () => runner.output(),
  measure: ({ options }) => runner.measure(options),
  async dispose() {
    await runner?.dispose();
    runner = null;
    return true;
  },
  async close() {
    await backend.close();
    return true;
  },
};

parentPort.on('message', async ({ id, op, ...payload }) => {
  try {
    const ok = await ops[op](payload);
    // Outputs go back as copies in their own buffers, which can be moved rather than cloned.
    const out = ok instanceof Float32Array ? Float32Array.from(ok) : ok;
    parentPort.postMessage({ id, ok: out }, out instanceof Float32Array ? [out.buffer] : []);
  } catch (e) {
    parentPort.postMessage({ id, error: { message: e?.message ?? String(e), stack: e?.stack, notApplicable: e instanceof NotApplicable } });
  }
});
