import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main, parseCommandArgs } from '../../src/cli/main.js';
import { UsageError, type CliIO, type Command } from '../../src/cli/command.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { editDistance } from '../../src/cli/suggest.js';
import { TinyconvError } from '../../src/core/errors.js';
import { BUILT, ROOT, requireBuilt } from '../util/built.js';

const VERSION = (JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { version: string }).version;

/** Runs the CLI in-process and captures what it writes. */
async function cli(argv: string[], commands: readonly Command[] = COMMANDS): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t) };
  const code = await main(argv, io, commands);
  return { code, out, err };
}

/** A command declared like the real ones, to test the table-driven parsing. */
const copy: Command = {
  name: 'copy',
  summary: 'Copy things',
  args: [
    { name: 'source', description: 'From' },
    { name: 'targets', description: 'To', variadic: true },
  ],
  options: {
    mode: { type: 'string', short: 'm', default: 'fast', description: 'How', valueName: 'name' },
    dry: { type: 'boolean', description: 'Pretend' },
  },
  run({ options, args }, { io }) {
    io.out(JSON.stringify({ options, args }));
    return args.source === 'fail' ? Promise.reject(new TinyconvError('E_IO', 'cannot copy fail')) : 0;
  },
};

describe('tinyconv command line', () => {
  it('--version and -v print the package version', async () => {
    for (const flag of ['--version', '-v']) expect(await cli([flag])).toEqual({ code: 0, out: `${VERSION}\n`, err: '' });
    expect((await cli(['version', '--short'])).out).toBe(`${VERSION}\n`);
  });

  it('version reports the runtime and that the wasm kernels load', async () => {
    const r = await cli(['version']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`tinyconv ${VERSION}\nnode ${process.version}`);
    // From the sources the .wasm is not beside the loader; the command reports that instead of failing.
    expect(r.out).toMatch(/wasm kernels: (ok \(SIMD\)|unavailable: \[E_IO\])/);
  });

  it('help lists every registered command; --help and help <command> explain one', async () => {
    const r = await cli(['help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.out).toMatch(new RegExp(`^  ${c.name} +${c.summary.replace(/[()]/g, '\\$&')}$`, 'm'));
    expect((await cli(['--help'])).out).toBe(r.out);
    const one = await cli(['help', 'version']);
    expect(one.out).toContain('Usage: tinyconv version [options]');
    expect(one.out).toMatch(/--short +Print only the version number/);
    expect((await cli(['version', '-h'])).out).toBe(one.out);
  });

  it('an unknown command exits 2 naming it, the known ones and a near match', async () => {
    const r = await cli(['verison']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`tinyconv: unknown command "verison" (did you mean version?); commands: ${COMMANDS.map((c) => c.name).join(', ')}\nRun 'tinyconv help' for usage.\n`);
    expect((await cli(['frobnicate'])).err).not.toContain('did you mean');
    expect((await cli(['help', 'nope'])).code).toBe(2);
  });

  it('no command, or an unknown global option, is a usage error', async () => {
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('Usage: tinyconv <command>');
    const bad = await cli(['--frob']);
    expect([bad.code, bad.err]).toEqual([2, "tinyconv: unknown option --frob; options before a command: --help, --version\nRun 'tinyconv help' for usage.\n"]);
  });

  it('runs commands from the table with parsed options and positionals', async () => {
    const r = await cli(['copy', 'a', 'b', 'c', '--dry', '-m', 'slow'], [copy]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ options: { mode: 'slow', dry: true }, args: { source: 'a', targets: ['b', 'c'] } });
    expect(parseCommandArgs(copy, ['a', 'b'])).toEqual({ options: { mode: 'fast' }, args: { source: 'a', targets: ['b'] } });
  });

  it('reports option and argument mistakes with exit 2 and a pointer to the command help', async () => {
    const unknown = await cli(['copy', 'a', 'b', '--force'], [copy]);
    expect([unknown.code, unknown.err]).toEqual([2, "tinyconv copy: unknown option --force; copy takes --mode, --dry, --help\nRun 'tinyconv help copy' for usage.\n"]);
    expect((await cli(['copy', 'a'], [copy])).err).toContain('missing argument <targets>');
    expect((await cli(['copy', 'a', 'b', '--mode'], [copy])).code).toBe(2);
    expect(() => parseCommandArgs(COMMANDS.find((c) => c.name === 'version')!, ['x'])).toThrow(UsageError);
    expect(() => parseCommandArgs(COMMANDS.find((c) => c.name === 'version')!, ['x'])).toThrow('unexpected argument "x"; version takes no arguments');
  });

  it('a TinyconvError from a command exits 1 with its message and no stack', async () => {
    const r = await cli(['copy', 'fail', 'x'], [copy]);
    expect([r.code, r.err]).toEqual([1, 'tinyconv copy: [E_IO] cannot copy fail\n']);
  });

  it('renders a command help from its declaration', async () => {
    const r = await cli(['copy', '--help'], [copy]);
    expect(r.out).toBe(
      [
        'Usage: tinyconv copy [options] <source> <targets...>',
        '',
        'Copy things',
        '',
        'Arguments:',
        '  source   From',
        '  targets  To',
        '',
        'Options:',
        '  -m, --mode <name>  How (default: fast)',
        '      --dry          Pretend',
        '  -h, --help         Show this help',
        '',
      ].join('\n'),
    );
  });

  it('edit distance', () => {
    expect([editDistance('summary', 'sumary'), editDistance('run', 'urn'), editDistance('', 'abc'), editDistance('demo', 'demo')]).toEqual([1, 2, 3, 0]);
  });
});

describe('bin/tinyconv.js on the built CLI', () => {
  const run = promisify(execFile);
  const launcher = fileURLToPath(BUILT.launcher);

  it('prints the version, and exits 2 on an unknown command', async () => {
    requireBuilt(BUILT.cli, BUILT.bundle);
    const { stdout } = await run(process.execPath, [launcher, '--version']);
    expect(stdout).toBe(`${VERSION}\n`);
    const failed = await run(process.execPath, [launcher, 'frobnicate']).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "frobnicate"') });
  });

  it('loads the wasm kernels next to the bundle', async () => {
    const { stdout } = await run(process.execPath, [launcher, 'version']);
    expect(stdout).toContain('wasm kernels: ok (SIMD)');
  });
});
