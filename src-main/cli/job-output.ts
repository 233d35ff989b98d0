/**
 * The two outputs of a CLI job (`eval`, `export`): with `--events`, job events as JSON lines on stdout
 * (jobs/job-events.ts: progress, log, then the result), which the app reads; otherwise the human text,
 * or with `--json` the one document of ../shared/docs/CLI.md. Errors are main.ts's: an error event
 * as well as the usual line on stderr.
 */
import { JobEventWriter } from '../workers/jobs/job-events';
import { flag, writeJson, type CliContext, type OptionSpec } from './command';

/** The option every job command declares. */
export const EVENTS_OPTION: Record<'events', OptionSpec> = { events: { type: 'boolean' } };

/** The --help lines of that option (the same words in every job command), its text from `column` on. */
export function eventsHelp(column: number, more: string): string {
  const lines = [
    'for programs that run the command (the app does): job events, one JSON',
    'line each, are all that goes to stdout: {"type":"log","message"} lines,',
    `${more},`,
    'then {"type":"result","result":<the --json document>} or',
    '{"type":"error","message","exit_code"} (whose line also goes to stderr);',
    'declared in src-main/workers/jobs/job-events.ts',
  ];
  return lines.map((l, i) => (i === 0 ? '  --events'.padEnd(column) : ' '.repeat(column)) + l).join('\n');
}

/** The event writer when the command runs with --events, else null. */
export function jobEvents(ctx: CliContext): JobEventWriter | null {
  return flag(ctx, 'events') ? new JobEventWriter(ctx.stdout) : null;
}

/** The job's document: a result event with --events, the --json document otherwise. */
export function writeJobResult(ctx: CliContext, events: JobEventWriter | null, doc: Record<string, unknown>): void {
  if (events) events.result(doc);
  else writeJson(ctx, doc);
}
