import { parseArgs, type ParseArgsConfig } from 'node:util';
import { TinyconvError } from '../index.js';
import { EXIT_FAILURE, EXIT_USAGE, UsageError, type CliIO, type Command, type ParsedArgs } from './command.js';
import { COMMANDS } from './commands/index.js';
import { commandHelp, mainHelp } from './help-text.js';
import { packageVersion } from './package-info.js';
import { unknownCommandMessage } from './suggest.js';

/**
 * The `tinyconv` command line: `tinyconv [--help | --version] <command> [options] [args]`.
 * Returns the exit status: 0 on success, 1 when the command failed, 2 for a usage mistake.
 */
export async function main(argv: readonly string[], io: CliIO = processIO, commands: readonly Command[] = COMMANDS): Promise<number> {
  const [first, ...rest] = argv;
  let cmd: Command | undefined;
  try {
    if (first === undefined) {
      io.err(mainHelp(commands));
      return EXIT_USAGE;
    }
    if (first === '-h' || first === '--help') {
      io.out(mainHelp(commands));
      return 0;
    }
    if (first === '-v' || first === '--version') {
      io.out(`${await packageVersion()}\n`);
      return 0;
    }
    if (first.startsWith('-')) throw new UsageError(`unknown option ${first}; options before a command: --help, --version`);
    cmd = commands.find((c) => c.name === first);
    if (!cmd) throw new UsageError(unknownCommandMessage(first, commands));
    return await runCommand(cmd, rest, io, commands);
  } catch (e) {
    return report(e, cmd, io);
  }
}

async function runCommand(cmd: Command, argv: readonly string[], io: CliIO, commands: readonly Command[]): Promise<number> {
  const parsed = parseCommandArgs(cmd, argv);
  if (parsed === 'help') {
    io.out(commandHelp(cmd));
    return 0;
  }
  return cmd.run(parsed, { io, commands });
}

/** Parses a command's options and positionals from its declaration; 'help' when -h/--help was given. */
export function parseCommandArgs(cmd: Command, argv: readonly string[]): ParsedArgs | 'help' {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(cmd.options ?? {})) {
    // parseArgs rejects keys that are present but undefined, so copy only the ones given.
    const c: (typeof options)[string] = { type: o.type };
    if (o.short !== undefined) c.short = o.short;
    if (o.multiple !== undefined) c.multiple = o.multiple;
    if (o.default !== undefined) c.default = o.default;
    options[name] = c;
  }
  let r: { values: Record<string, unknown>; positionals: string[] };
  try {
    r = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    // parseArgs reports mistakes as TypeErrors with an ERR_PARSE_ARGS_* code.
    const code = (e as { code?: string }).code ?? '';
    if (!code.startsWith('ERR_PARSE_ARGS')) throw e;
    const opt = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'([^']+)'/.exec((e as Error).message)?.[1] : undefined;
    if (opt === undefined) throw new UsageError((e as Error).message);
    const known = [...Object.keys(cmd.options ?? {}), 'help'].map((o) => `--${o}`).join(', ');
    throw new UsageError(`unknown option ${opt}; ${cmd.name} takes ${known}`);
  }
  if (r.values.help) return 'help';
  const specs = cmd.args ?? [];
  const args: ParsedArgs['args'] = {};
  let i = 0;
  for (const a of specs) {
    if (a.variadic) {
      args[a.name] = r.positionals.slice(i);
      if (!a.optional && i >= r.positionals.length) throw new UsageError(`missing argument <${a.name}>`);
      i = r.positionals.length;
    } else if (i < r.positionals.length) {
      args[a.name] = r.positionals[i++];
    } else if (!a.optional) {
      throw new UsageError(`missing argument <${a.name}>`);
    }
  }
  if (i < r.positionals.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(r.positionals[i])}; ${cmd.name} takes ${specs.length === 0 ? 'no arguments' : specs.map((a) => a.name).join(', ')}`);
  }
  const { help: _help, ...values } = r.values;
  return { options: values as ParsedArgs['options'], args };
}

/** Prints a failure the way users expect from a CLI (no stack for known errors) and picks the exit status. */
function report(e: unknown, cmd: Command | undefined, io: CliIO): number {
  const where = cmd ? `tinyconv ${cmd.name}` : 'tinyconv';
  if (e instanceof UsageError) {
    const helpCmd = cmd && cmd.name !== 'help' ? `tinyconv help ${cmd.name}` : 'tinyconv help';
    io.err(`${where}: ${e.message}\nRun '${helpCmd}' for usage.\n`);
    return EXIT_USAGE;
  }
  if (e instanceof TinyconvError) {
    io.err(`${where}: ${e.message}\n`);
    return EXIT_FAILURE;
  }
  io.err(`${where}: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return EXIT_FAILURE;
}

const processIO: CliIO = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};
