/**
 * The backends the suite compares, in one table, and their adapters. A backend: id, label, group
 * ('tinyconv' or 'peer'), isa (which wasm peak bounds it: 'relaxed', 'simd' or 'native'), threads,
 * init(options) -> a line describing what runs, skip(workload) -> why it is not run (or null),
 * prepare(workload, size) -> a runner { output(), measure(options), dispose() }, close().
 *
 * ONNX Runtime Web runs in worker threads (one per thread count; isolate.mjs): the wasm module and
 * its thread pool are set up once per module instance, and both instances would share one backend
 * registry in this realm.
 */

import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { tc } from './lib.mjs';
import { measure } from './measure.mjs';
import { isolated } from './isolate.mjs';
import { NotApplicable } from './not-applicable.mjs';
import { workloadData } from './workloads.mjs';
import { analyze } from './nets.mjs';
import { tinyconvRunner } from './impl/tinyconv.mjs';
import { tfjsRunner } from './impl/tfjs.mjs';
import { ortRunner } from './impl/ort.mjs';

const require = createRequire(import.meta.url);

/** A runner around an implementation { run, canonical?, dispose? } in this thread. */
export function localRunner(impl) {
  return {
    async output() {
      const y = await impl.run();
      return impl.canonical ? impl.canonical(y) : y;
    },
    measure: (options) => measure(() => impl.run(), options),
    async dispose() {
      await impl.dispose?.();
    },
  };
}

const ORT_NO_TRAINING = 'the ONNX Runtime inference packages have no training';

/** Kernels the net's ops need (and their gradients, and the SGD update, for training) that `backend` lacks. */
function missingKernels(backend, net, task) {
  const ops = new Set(analyze(net).nodes.map((n) => n.op));
  if (task === 'train') ops.add('mul').add('add');
  const needed = new Set();
  for (const op of ops) {
    const k = tc.getOp(op).kernels;
    for (const name of task === 'train' ? [...k.forward, ...k.backward] : k.forward) needed.add(name);
  }
  return [...needed].filter((k) => !Object.prototype.hasOwnProperty.call(backend.kernels, k)).sort();
}

function tinyconvBackend(threads) {
  let backend = null;
  return {
    id: threads === 1 ? 'tinyconv-1t' : `tinyconv-${threads}t`,
    label: `tinyconv wasm, ${threads} thread${threads > 1 ? 's' : ''}`,
    group: 'tinyconv',
    isa: 'simd',
    threads,
    async init({ relaxed }) {
      if (typeof tc.createWasmBackend !== 'function') throw new Error('this tinyconv build does not export createWasmBackend');
      backend = await tc.createWasmBackend({ threads, relaxed: relaxed ? 'auto' : false });
      const d = backend.diagnostics;
      this.isa = d.relaxed ? 'relaxed' : 'simd';
      this.threads = d.threads;
      return `${d.build}, ${d.threads} thread${d.threads > 1 ? 's' : ''} (${d.threadsReason}; ${d.relaxedReason})`;
    },
    skip: () => null,
    async prepare(workload, size) {
      const data = workloadData(workload, size);
      const missing = missingKernels(backend, data.net, workload.task);
      if (missing.length) throw new NotApplicable(`no ${backend.name} kernel${missing.length > 1 ? 's' : ''} ${missing.join(', ')} yet`);
      return localRunner(tinyconvRunner(workload, data, backend));
    },
    async close() {
      backend?.dispose();
    },
  };
}

let tfjs = null;
/** TF.js with its wasm backend registered, single-threaded (its threaded build needs a shim in Node). */
export function loadTfjs() {
  if (!tfjs) {
    tfjs = require('@tensorflow/tfjs');
    require('@tensorflow/tfjs-backend-wasm');
    tfjs.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    // Production mode: no debug checks (and no console notes), as a deployed app runs it.
    tfjs.enableProdMode();
  }
  return tfjs;
}

/** Kernels TF.js needs for the gradient of a conv / max-pool net (dense and element-wise ones every backend has). */
const TFJS_TRAIN_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad'];

function tfjsBackend(which) {
  let tf = null;
  return {
    id: `tfjs-${which}`,
    label: which === 'wasm' ? 'TF.js wasm (SIMD, 1 thread)' : 'TF.js cpu (plain JS)',
    group: 'peer',
    isa: 'simd',
    threads: 1,
    async init() {
      tf = loadTfjs();
      if (!(await tf.setBackend(which))) throw new Error(`TF.js could not start its ${which} backend`);
      await tf.ready();
      const simd = which === 'wasm' ? `, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}` : '';
      return `@tensorflow/tfjs ${tf.version.tfjs}, backend ${which}${simd}`;
    },
    // Plain-JS TF.js is the training baseline only (tfjs-wasm cannot train convnets); its inference
    // is an order of magnitude behind every wasm runtime.
    skip: (w) => (which === 'cpu' && w.task !== 'train' ? 'measured for training only' : null),
    async prepare(workload, size) {
      await tf.setBackend(which);
      if (workload.task === 'train') {
        const missing = TFJS_TRAIN_KERNELS.filter((k) => !tf.getKernel(k, which));
        if (missing.length) throw new NotApplicable(`tfjs-backend-${which} has no ${missing.join(', ')} kernel${missing.length > 1 ? 's' : ''}: it cannot train convnets`);
      }
      return localRunner(tfjsRunner(tf, workload, workloadData(workload, size)));
    },
    async close() {},
  };
}

function ortNodeBackend(threads) {
  let ort = null;
  return {
    id: `ort-node-${threads}t`,
    label: `ORT node (native CPU EP, ${threads} thread${threads > 1 ? 's' : ''})`,
    group: 'peer',
    isa: 'native',
    threads,
    async init() {
      ort = require('onnxruntime-node');
      return `onnxruntime-node ${ort.env.versions.common}, CPU execution provider, intra-op threads ${threads}`;
    },
    skip: () => null,
    async prepare(workload, size) {
      if (workload.task === 'train') throw new NotApplicable(ORT_NO_TRAINING);
      const opts = { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' };
      return localRunner(await ortRunner(ort, workload, workloadData(workload, size), opts));
    },
    async close() {},
  };
}

/** ONNX Runtime Web's wasm EP; runs inside a worker made by isolated() (see the header). */
export function ortWebBackend(threads) {
  let ort = null;
  return {
    id: `ort-web-${threads}t`,
    label: `ORT web (wasm EP, ${threads} thread${threads > 1 ? 's' : ''})`,
    group: 'peer',
    isa: 'simd',
    threads,
    async init() {
      ort = await import('onnxruntime-web');
      ort.env.wasm.numThreads = threads;
      ort.env.logLevel = 'error';
      return `onnxruntime-web ${ort.env.versions.web}, wasm EP, numThreads ${threads}`;
    },
    skip: () => null,
    async prepare(workload, size) {
      if (workload.task === 'train') throw new NotApplicable(ORT_NO_TRAINING);
      return localRunner(await ortRunner(ort, workload, workloadData(workload, size), { executionProviders: ['wasm'] }));
    },
    async close() {},
  };
}

/** Every backend, in table order. `cores`: threads for the all-cores tinyconv column. */
export function allBackends(cores = availableParallelism()) {
  const list = [tinyconvBackend(1)];
  if (cores > 1) list.push(tinyconvBackend(cores));
  list.push(
    tfjsBackend('wasm'),
    tfjsBackend('cpu'),
    isolated(ortWebBackend(1), 'ortWebBackend', [1]),
    isolated(ortWebBackend(2), 'ortWebBackend', [2]),
    ortNodeBackend(1),
  );
  return list;
}
