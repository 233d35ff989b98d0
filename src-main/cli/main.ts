/**
 * `tuneloom` dispatcher: finds the command named by the leading words, parses its flags with
 * node:util parseArgs, runs it, and maps errors to exit codes (1 user error, 2 internal).
 */
import { parseArgs } from 'node:util';
import { isUserError } from '../errors';
import { storageError } from '../storage-errors';
import { appVersion } from '../version';
import { JobEventWriter } from '../workers/jobs/job-events';
import type { CliCommand, CliIo } from './command';
import { commands } from './commands/index';

const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  db: { type: 'string' },
  backend: { type: 'string' },
  weights: { type: 'string' },
} as const;

export function topLevelHelp(list: CliCommand[] = commands): string {
  const width = list.reduce((m, c) => Math.max(m, c.name.length), 0);
  const rows = list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    `tuneloom ${appVersion()}: fine-tune large language models on your own data, on your own GPU.`,
    '',
    'Usage: tuneloom <command> [options]',
    '',
    'Commands:',
    ...rows,
    '',
    'Common options: --help, --json, --db FILE (default $TUNELOOM_HOME/tuneloom.db),',
    '                --backend auto|cpu|vulkan|cuda|metal (generate, inspect logits, eval, export and',
    '                train run on ggml; the old names webgpu|tensorflow|wasm map to vulkan|cpu|cpu with',
    '                a notice, except for train, which keeps them on the old engine),',
    '                --weights f32|f16|q8_0|q4 (default: the most precise type that fits the device)',
    'Data folder ($TUNELOOM_HOME below): the TUNELOOM_HOME variable, else the folder chosen in the',
    "app's Settings, else ~/.tuneloom.",
    'Exit codes: 0 success, 1 a problem with your input (one line on stderr), 2 an internal error.',
    '',
  ].join('\n');
}

/** `tuneloom runs --help`: the commands of one group (`runs list`, `runs show`, ...) with their summaries. */
export function groupHelp(group: string, list: CliCommand[] = commands): string | undefined {
  const members = list.filter((c) => c.name.startsWith(group + ' '));
  if (!members.length) return undefined;
  const width = Math.max(...members.map((c) => c.name.length));
  return [
    `Usage: tuneloom ${group} <command> [options]`,
    '',
    ...members.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `Options of each: tuneloom ${members[0].name} --help`,
    '',
  ].join('\n');
}

/** Longest match of leading words against command names ("runs list" before "runs"). */
function findCommand(argv: string[], list: CliCommand[]): { command: CliCommand; rest: string[] } | undefined {
  for (let words = Math.min(3, argv.length); words >= 1; words--) {
    const name = argv.slice(0, words).join(' ');
    const command = list.find((c) => c.name === name);
    if (command) return { command, rest: argv.slice(words) };
  }
  return undefined;
}

export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }, list = commands): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(topLevelHelp(list));
    return 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.stdout.write(`${appVersion()}\n`);
    return 0;
  }
  const found = findCommand(argv, list);
  const group = argv.length === 2 && ['--help', '-h', 'help'].includes(argv[1]) ? groupHelp(argv[0], list) : undefined;
  if (!found && group) {
    io.stdout.write(group);
    return 0;
  }
  if (!found) {
    const group = list.filter((c) => c.name.startsWith(argv[0] + ' ')).map((c) => c.name);
    const hint = group.length ? `try one of: ${group.join(', ')}` : 'run `tuneloom --help` for the list of commands';
    io.stderr.write(`tuneloom: unknown command "${argv.join(' ')}" — ${hint}\n`);
    return 1;
  }
  const { command, rest } = found;
  // A job run with --events (jobs/job-events.ts) also gets its error as the last event on stdout.
  const events = command.options.events && rest.includes('--events') ? new JobEventWriter(io.stdout) : null;
  const fail = (message: string, code: 1 | 2, detail = message): number => {
    io.stderr.write(`tuneloom ${command.name}: ${detail}\n`);
    events?.emit({ type: 'error', message, exit_code: code });
    return code;
  };
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...COMMON_OPTIONS, ...command.options },
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
    if (values.help) {
      io.stdout.write(command.help.endsWith('\n') ? command.help : command.help + '\n');
      return 0;
    }
    const code = await command.run({ ...io, values: values as Record<string, string | boolean | string[] | undefined>, positionals });
    return code ?? 0;
  } catch (err) {
    if (isUserError(err)) return fail(err.message, 1);
    const e = err as { code?: string; message?: string; stack?: string; path?: string };
    // A full or read-only disk wherever it surfaced (the store, a folder): one line, exit 1, no stack.
    const storage = storageError(err, { action: 'a write', where: e.path ?? 'the disk' });
    if (storage) return fail(storage.message, 1);
    if (typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) return fail(`${e.message} — see \`tuneloom ${command.name} --help\``, 1);
    // The event carries the one line; the stack goes to stderr only.
    return fail(`internal error: ${e.message ?? String(err)}`, 2, `internal error: ${e.stack ?? String(err)}`);
  }
}
