import { createWasmBackend } from '../../index.js';
import type { Command } from '../command.js';
import { packageVersion } from '../package-info.js';

/** `tinyconv --version` prints the bare version; this command adds what a bug report needs. */
export const version: Command = {
  name: 'version',
  summary: 'Print the versions of tinyconv and of the runtime',
  description: 'Also loads the wasm kernels and says whether they work here, which is worth pasting into a bug report.',
  options: {
    short: { type: 'boolean', description: 'Print only the version number' },
  },
  async run({ options }, { io }) {
    const v = await packageVersion();
    if (options.short) {
      io.out(`${v}\n`);
      return 0;
    }
    const wasm = await createWasmBackend().then(
      (b) => {
        const d = b.diagnostics;
        b.dispose();
        return `ok (SIMD${d.relaxed ? ' + relaxed SIMD' : ''}): ${d.build}, ${d.threads} thread${d.threads === 1 ? '' : 's'}`;
      },
      (e: unknown) => `unavailable: ${e instanceof Error ? e.message : String(e)}`,
    );
    io.out([`tinyconv ${v}`, `node ${process.version} (${process.platform} ${process.arch})`, `wasm kernels: ${wasm}`].join('\n') + '\n');
    return 0;
  },
};
