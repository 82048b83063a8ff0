/**
 * What a `tinyconv` subcommand is. Each lives in commands/<name>.ts and is listed in
 * commands/index.ts; main.ts parses its options from the declaration and renders its help.
 */

/** One option, as node:util parseArgs declares it, plus the words `--help` shows. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  description: string;
  /** Placeholder for a string option's value in help, e.g. "file". */
  valueName?: string;
}

/** One positional argument. Optional ones come last; a variadic one takes the rest. */
export interface ArgSpec {
  name: string;
  description: string;
  optional?: boolean;
  variadic?: boolean;
}

export interface ParsedArgs {
  /** Option values by name (absent when not given and without default). */
  options: Record<string, string | boolean | string[] | boolean[] | undefined>;
  /** Positional arguments by name; a variadic one collects the rest. */
  args: Record<string, string | string[] | undefined>;
}

/** Where a command writes. Tests pass buffers; the launcher passes the process streams. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

export interface CommandContext {
  io: CliIO;
  /** Every registered command (the help command lists them). */
  commands: readonly Command[];
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Paragraphs shown by `tinyconv help <name>` below the usage line. */
  description?: string;
  args?: readonly ArgSpec[];
  options?: Readonly<Record<string, OptionSpec>>;
  /** Examples shown in the command's help, one per line. */
  examples?: readonly string[];
  /** Returns the exit code: 0 on success. */
  run(parsed: ParsedArgs, ctx: CommandContext): number | Promise<number>;
}

/** A mistake in how the command was called: reported with a pointer to help, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
