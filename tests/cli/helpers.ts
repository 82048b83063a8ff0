import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIO } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';

/** What one in-process run of the CLI wrote and returned. */
export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process with buffers for stdout and stderr. */
export async function cli(...argv: string[]): Promise<CliResult> {
  let out = '', err = '';
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t) };
  const code = await main(argv, io);
  return { code, out, err };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `tinyconv-cli-${prefix}-`));
}

export const KERAS_FIXTURES = fileURLToPath(new URL('../fixtures/keras/', import.meta.url));

/** The bytes of a Float32Array, for bit-for-bit comparisons (-0 and NaN payloads included). */
export function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}
