import { UsageError, type Command } from '../command.js';
import { commandHelp, mainHelp } from '../help-text.js';
import { unknownCommandMessage } from '../suggest.js';

export const help: Command = {
  name: 'help',
  summary: 'Show the list of commands, or the options of one command',
  args: [{ name: 'command', description: 'The command to explain', optional: true }],
  examples: ['tinyconv help', 'tinyconv help version'],
  run({ args }, { io, commands }) {
    const name = args.command as string | undefined;
    if (name === undefined) {
      io.out(mainHelp(commands));
      return 0;
    }
    const cmd = commands.find((c) => c.name === name);
    if (!cmd) throw new UsageError(unknownCommandMessage(name, commands));
    io.out(commandHelp(cmd));
    return 0;
  },
};
