/** Runs every end-to-end check inside a module Web Worker and posts the results to the page. */
import { browserContext } from './browser-context.js';
import { runChecks, type CheckResult } from './checks.js';

let results: CheckResult[];
try {
  results = await runChecks(await browserContext('browser worker'));
} catch (e) {
  results = [{ name: 'worker setup', ok: false, ms: 0, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }];
}
postMessage(results);
