/**
 * Runs a backend in a worker thread of this process, with its own module instances: the backend
 * is made there by `backends.mjs`'s export `factory(...args)`, and preparing, checking and timing
 * all happen there (a message round trip per run would distort short workloads). `template` is a
 * backend made the same way here, for its metadata; it is never initialized in this thread.
 */

import { Worker } from 'node:worker_threads';
import { NotApplicable } from './not-applicable.mjs';

export function isolated(template, factory, args) {
  let worker = null;
  let nextId = 1;
  const pending = new Map();
  const call = (op, payload = {}) =>
    new Promise((resolve, reject) => {
      if (!worker) return reject(new Error(`${template.id}: not started`));
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, ...payload });
    });

  return {
    id: template.id,
    label: template.label,
    group: template.group,
    isa: template.isa,
    threads: template.threads,
    skip: template.skip,
    async init(options) {
      worker = new Worker(new URL('./isolate-worker.mjs', import.meta.url), { workerData: { factory, args } });
      worker.unref();
      worker.on('message', ({ id, ok, error }) => {
        const p = pending.get(id);
        if (!p) return;
        pending.delete(id);
        if (error !== undefined) p.reject(Object.assign(error.notApplicable ? new NotApplicable(error.message) : new Error(error.message), { stack: error.stack }));
        else p.resolve(ok);
      });
      const fail = (e) => {
        for (const p of pending.values()) p.reject(e);
        pending.clear();
        worker = null;
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`${template.id}: worker exited with code ${code}`)));
      const info = await call('init', { options });
      Object.assign(this, { isa: info.isa, threads: info.threads });
      return info.detail;
    },
    async prepare(workload, size) {
      await call('prepare', { workload: workload.name, size });
      return {
        output: () => call('output'),
        measure: (options) => call('measure', { options }),
        dispose: () => call('dispose'),
      };
    },
    async close() {
      if (!worker) return;
      const w = worker;
      await call('close').catch(() => {});
      worker = null;
      await w.terminate();
    },
  };
}
