/**
 * The tinyconv build the bench measures: the shipped bundle (dist/tinyconv.js, from
 * `npm run build`), or another copy named by TINYCONV_DIST (a path or file: URL of a tinyconv.js
 * with its tinyconv.wasm beside it), to compare builds without touching dist/.
 */

import { existsSync } from 'node:fs';
import { pathToFileURL, fileURLToPath } from 'node:url';

const given = process.env.TINYCONV_DIST;
const url = given ? (given.startsWith('file:') ? new URL(given) : pathToFileURL(given)) : new URL('../dist/tinyconv.js', import.meta.url);
if (!existsSync(fileURLToPath(url))) {
  throw new Error(`bench: ${fileURLToPath(url)} is missing: run \`npm run build\` first${given ? ' (or fix TINYCONV_DIST)' : ''}`);
}

/** The library's public API. */
export const tc = await import(url.href);
export const libraryUrl = url;
