import type { Command } from '../command.js';
import { demo } from './demo.js';
import { help } from './help.js';
import { run } from './run.js';
import { summary } from './summary.js';
import { version } from './version.js';

/**
 * Every subcommand, in the order `tinyconv help` lists them. A new command is a module in this
 * folder exporting a Command, plus one entry here.
 */
export const COMMANDS: readonly Command[] = [demo, summary, run, help, version];
