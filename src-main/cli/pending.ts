/**
 * A command listed by CLI.md whose feature has not landed yet. It says so in one line and exits 1,
 * so scripts can tell "not built" apart from a crash. Each is replaced by its real module as it lands.
 */
import { UserError } from '../errors';
import type { CliCommand } from './command';

export function pendingCommand(name: string, summary: string, usage: string): CliCommand {
  return {
    name,
    summary,
    help: `Usage: tuneloom ${usage}\n\n${summary}\n\nThis command is not built in this version of Tuneloom yet.\n`,
    options: {},
    allowPositionals: true,
    async run() {
      throw new UserError(`\`tuneloom ${name}\` is not built in this version yet`, {
        hint: 'see `tuneloom --help` for the commands that work now',
      });
    },
  };
}
