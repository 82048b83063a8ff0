#!/usr/bin/env node
/**
 * The browser suite: serves the repository root (tests/e2e/static-server.mjs), opens
 * tests/e2e/browser.html in headless Chromium, which runs every check of checks.ts against
 * dist/tinyconv.js in the page and in a module Web Worker, and prints the results.
 * Exits 1 when a check fails, nothing ran, the page reports an error, or it times out.
 *
 *   node tests/e2e/browser.mjs        (after `npm run build`)
 *   CHROMIUM=/path/to/chrome node tests/e2e/browser.mjs
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startStaticServer } from './static-server.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXECUTABLE = process.env.CHROMIUM ?? '/usr/bin/chromium';
const TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS ?? 90_000);
// Under CI the page's WebGPU checks fail without an adapter instead of skipping.
const CI = process.env.CI === 'true' || process.env.CI === '1';
// Flags known to work on these machines (WebGPU on SwiftShader, no network side traffic).
// Playwright adds --headless itself and passes the fresh profile as --user-data-dir.
const FLAGS = ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

async function main() {
  for (const [what, path] of [['Chromium', EXECUTABLE], ['the bundle', join(ROOT, 'dist/tinyconv.js')], ['the wasm kernels', join(ROOT, 'dist/tinyconv.wasm')]]) {
    if (!existsSync(path)) return fail(`${what} is missing at ${path}${what === 'Chromium' ? ' (install it: scripts/install-system.sh, or set CHROMIUM)' : ' (run `npm run build`)'}`);
  }
  const t0 = performance.now();
  const server = await startStaticServer(ROOT);
  const profile = await mkdtemp(join(tmpdir(), 'tinyconv-chromium-'));
  const problems = []; // console errors and uncaught exceptions from the page and its worker
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: EXECUTABLE, headless: true, args: FLAGS, timeout: 30_000 });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.stack ?? e.message}`));
    page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && problems.push(`worker console: ${m.text()}`)));
    await page.goto(`${server.url}/tests/e2e/browser.html${CI ? '?ci=1' : ''}`, { timeout: 30_000 });
    const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
    const report = await page
      .waitForFunction(() => globalThis.__e2e, null, { timeout: TIMEOUT_MS, polling: 100 })
      .then((h) => h.jsonValue())
      .catch((e) => ({ timedOut: String(e.message ?? e).split('\n')[0] }));

    let failed = 0, passed = 0, skipped = 0;
    if (!isolated) {
      failed++;
      console.log('✗ environment: the page is not cross-origin isolated (COOP/COEP headers missing)');
    }
    if (report.timedOut) {
      failed++;
      console.log(`✗ no report from the page within ${TIMEOUT_MS / 1000} s: ${report.timedOut}`);
    } else {
      for (const where of ['page', 'worker']) {
        const results = report[where] ?? [];
        if (results.length === 0) {
          failed++;
          console.log(`✗ ${where}: no checks ran`);
        }
        for (const r of results) {
          if (r.skipped) {
            skipped++;
            console.log(`- ${where}: ${r.name}: skipped, ${r.skipped}`);
            continue;
          }
          r.ok ? passed++ : failed++;
          console.log(`${r.ok ? '✓' : '✗'} ${where}: ${r.name} (${r.ms.toFixed(1)} ms)`);
          if (!r.ok) console.log(indent(r.error ?? 'failed'));
        }
      }
    }
    if (server.missing.length > 0) console.log(`not found on the server: ${[...new Set(server.missing)].join(', ')}`);
    if (problems.length > 0) {
      console.log(`page console errors (${problems.length}):`);
      for (const p of problems) console.log(indent(p));
    }
    const version = context.browser()?.version() ?? 'chromium';
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(`browser (${version}): ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''} in ${seconds} s`);
    // A console error without a failed check still counts: something broke that no check looked at.
    return failed > 0 || problems.length > 0 ? 1 : 0;
  } finally {
    await context?.close().catch(() => {});
    await server.close();
    await rm(profile, { recursive: true, force: true });
  }
}

function indent(text) {
  return String(text)
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

function fail(message) {
  console.error(`browser suite: ${message}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`browser suite: ${e?.stack ?? e}`);
    process.exit(1);
  },
);
