#!/usr/bin/env node
// Launches the command line built into dist/cli.js (`npm run build` makes it).
let cli;
try {
  cli = await import('../dist/cli.js');
} catch (e) {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/cli.js')) {
    process.stderr.write('tinyconv: dist/cli.js is missing; run `npm run build` in the package first\n');
    process.exit(1);
  }
  throw e;
}
process.exitCode = await cli.main(process.argv.slice(2));
