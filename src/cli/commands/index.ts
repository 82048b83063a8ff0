import type { Command } from '../command.js';
import { help } from './help.js';
import { version } from './version.js';

/**
 * Every subcommand, in the order `tinyconv help` lists them. A new command is a module in this
 * folder exporting a Command, plus one entry here.
 */
export const COMMANDS: readonly Command[] = [help, version];
