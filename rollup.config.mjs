import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';

/**
 * Bundles the compiled sources (build/esm, from `tsc -p tsconfig.build.json`) into dist/:
 * - tinyconv.js, the library, with the four wasm builds (tinyconv.wasm, tinyconv-relaxed.wasm,
 *   tinyconv-mt.wasm, tinyconv-mt-relaxed.wasm) and the thread pool's worker script
 *   (tinyconv-worker.js) beside it, where the backend looks for them (new URL('./<file>', import.meta.url));
 * - cli.js, the command line, which imports the library from ./tinyconv.js rather than carrying
 *   a second copy of it (two copies would mean two TinyconvError classes and two engines).
 * Type declarations go to dist/types straight from tsc.
 */

const ESM = resolve('build/esm');
const LIB_ENTRY = resolve(ESM, 'index.js');
const CLI_DIR = resolve(ESM, 'cli');
const WASM_BUILDS = ['tinyconv.wasm', 'tinyconv-relaxed.wasm', 'tinyconv-mt.wasm', 'tinyconv-mt-relaxed.wasm'];
// Plain JavaScript with no imports, so it is copied as it is rather than bundled.
const WORKER = 'src/backends/wasm/tinyconv-worker.js';

/** Emits the compiled kernels and the worker script as assets next to the bundle. */
function wasmAssets() {
  return {
    name: 'wasm-assets',
    async generateBundle() {
      for (const file of WASM_BUILDS) {
        let source;
        try {
          source = await readFile(`build/wasm/${file}`);
        } catch {
          this.error(`build/wasm/${file} is missing: run \`npm run build:wasm\` first`);
        }
        this.emitFile({ type: 'asset', fileName: file, source });
      }
      this.emitFile({ type: 'asset', fileName: 'tinyconv-worker.js', source: await readFile(WORKER) });
    },
  };
}

/**
 * Resolves the CLI's imports of src/index.ts to ./tinyconv.js, and fails the build when the CLI
 * reaches into the library any other way (that code would be bundled twice).
 */
function libraryAsExternal() {
  return {
    name: 'library-as-external',
    resolveId(source, importer) {
      if (!importer || !source.startsWith('.')) return null;
      const target = resolve(dirname(importer), source);
      if (target === LIB_ENTRY) return { id: './tinyconv.js', external: 'absolute' };
      if (target.startsWith(ESM) && !target.startsWith(CLI_DIR + '/')) {
        this.error(
          `${relative(ESM, importer)} imports ${relative(ESM, target)}: the CLI must use the library through src/index.ts ` +
            '(export what it needs there, or move CLI-only code under src/cli/)',
        );
      }
      return null;
    },
  };
}

/** Warnings that mean a broken bundle fail the build; the rest are printed. */
const FATAL = new Set(['UNRESOLVED_IMPORT', 'MISSING_EXPORT', 'EVAL', 'THIS_IS_UNDEFINED']);
function onwarn(warning, warn) {
  if (FATAL.has(warning.code)) throw new Error(`rollup: ${warning.message}`);
  warn(warning);
}

// node: built-ins are loaded only where they are used (the CLI, and the loader's dynamic import in Node).
const external = (id) => id.startsWith('node:');

export default [
  {
    input: { tinyconv: LIB_ENTRY },
    external,
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].js', generatedCode: 'es2015' },
    plugins: [wasmAssets()],
    onwarn,
  },
  {
    input: { cli: resolve(CLI_DIR, 'main.js') },
    external,
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].js', generatedCode: 'es2015' },
    plugins: [libraryAsExternal()],
    onwarn,
  },
];
