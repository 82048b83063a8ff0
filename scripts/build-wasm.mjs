#!/usr/bin/env node
/**
 * Builds the four wasm modules (asconfig.json targets: SIMD, relaxed SIMD, and both with threads)
 * into build/wasm/, two compilations at a time, and fails when any of them fails.
 *   node scripts/build-wasm.mjs            (all four)
 *   node scripts/build-wasm.mjs release    (named targets only)
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

const TARGETS = ['release', 'relaxed', 'mt', 'mt-relaxed'];
const wanted = process.argv.length > 2 ? process.argv.slice(2) : TARGETS;

function build(target) {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['node_modules/assemblyscript/bin/asc.js', '--config', 'asconfig.json', '--target', target], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code, signal) => done({ target, ok: code === 0, why: signal ?? `exit status ${code}` }));
    child.on('error', (e) => done({ target, ok: false, why: e.message }));
  });
}

const queue = [...wanted];
const results = [];
const lanes = Math.max(1, Math.min(2, availableParallelism()));
await Promise.all(Array.from({ length: lanes }, async () => {
  for (let t = queue.shift(); t !== undefined; t = queue.shift()) results.push(await build(t));
}));
const failed = results.filter((r) => !r.ok);
for (const r of failed) console.error(`asc --target ${r.target} failed (${r.why})`);
process.exit(failed.length > 0 ? 1 : 0);
