/**
 * The browser suite's page script: runs every end-to-end check in the page, then in a module Web
 * Worker, and leaves the results in `globalThis.__e2e` for tests/e2e/browser.mjs to collect.
 */
import { browserContext } from './browser-context.js';
import { runChecks, type CheckResult } from './checks.js';

export interface E2EReport {
  page: CheckResult[];
  worker: CheckResult[];
}

const WORKER_TIMEOUT_MS = 30_000;

function failure(name: string, e: unknown): CheckResult {
  return { name, ok: false, ms: 0, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}

function inWorker(): Promise<CheckResult[]> {
  return new Promise((done) => {
    const worker = new Worker(new URL(`./worker.js${location.search}`, import.meta.url), { type: 'module' });
    const finish = (r: CheckResult[]) => {
      clearTimeout(timer);
      worker.terminate();
      done(r);
    };
    const timer = setTimeout(() => finish([failure('worker', `no report within ${WORKER_TIMEOUT_MS / 1000} s`)]), WORKER_TIMEOUT_MS);
    worker.onmessage = (e: MessageEvent<CheckResult[]>) => finish(e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      finish([failure('worker', `the worker failed: ${e.message || 'it could not load its module (see the console)'}`)]);
    };
  });
}

async function main(): Promise<E2EReport> {
  let page: CheckResult[];
  try {
    page = await runChecks(await browserContext('browser page'));
  } catch (e) {
    page = [failure('page setup', e)];
  }
  return { page, worker: await inWorker() };
}

(globalThis as { __e2e?: E2EReport }).__e2e = await main();
