import type { Command } from './command.js';

/** Renders the top-level help and per-command help from the command declarations. */

export function usageLine(cmd: Command): string {
  const parts = [`tinyconv ${cmd.name}`];
  if (cmd.options && Object.keys(cmd.options).length > 0) parts.push('[options]');
  for (const a of cmd.args ?? []) {
    const name = a.variadic ? `${a.name}...` : a.name;
    parts.push(a.optional ? `[${name}]` : `<${name}>`);
  }
  return parts.join(' ');
}

export function commandHelp(cmd: Command): string {
  const lines = [`Usage: ${usageLine(cmd)}`, '', cmd.summary];
  if (cmd.description) lines.push('', cmd.description);
  if (cmd.args?.length) {
    lines.push('', 'Arguments:');
    lines.push(...table(cmd.args.map((a) => [a.name, a.description])));
  }
  const opts: [string, string][] = Object.entries(cmd.options ?? {}).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : ''}`;
    const def = o.default !== undefined ? ` (default: ${String(o.default)})` : '';
    return [flag, `${o.description}${def}`];
  });
  opts.push(['-h, --help', 'Show this help']);
  lines.push('', 'Options:', ...table(opts));
  if (cmd.examples?.length) lines.push('', 'Examples:', ...cmd.examples.map((e) => `  ${e}`));
  return lines.join('\n') + '\n';
}

export function mainHelp(commands: readonly Command[]): string {
  return [
    'Usage: tinyconv <command> [options]',
    '',
    'Run and fine-tune convolutional neural networks.',
    '',
    'Commands:',
    ...table(commands.map((c) => [c.name, c.summary])),
    '',
    'Options:',
    ...table([
      ['-h, --help', 'Show this help'],
      ['-v, --version', 'Print the version'],
    ]),
    '',
    "Run 'tinyconv help <command>' for a command's options.",
    '',
  ].join('\n');
}

function table(rows: readonly (readonly [string, string])[]): string[] {
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`);
}
