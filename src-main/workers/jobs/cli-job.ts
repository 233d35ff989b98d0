/**
 * Runs one `tuneloom <command> --events` in a child process for the app (evals, exports, the
 * playground's columns): the heavy, synchronous engine work stays off the main process, so the UI
 * and the training supervisor stay responsive, and the CLI stays the one implementation. The child
 * speaks job events (job-events.ts), one JSON line each on stdout: progress, log and text events go
 * to the caller as they come, the result event resolves the job, an error event rejects it with the
 * CLI's one-line message, and a cancelled job rejects with "stopped". A line that is not an event
 * fails the job in one line; stderr (the human text) is only kept to explain a child that died
 * without saying why.
 */
import { spawn } from 'node:child_process';
import { childEntry, type ChildEntry } from '../child-entry';
import { JobEventError, parseJobEvent, type JobEvent, type JsonObject, type StreamEvent } from './job-events';

/** The CLI entry: source through tsx when running from source, dist/cli.js beside the bundle otherwise. */
export function cliEntry(): ChildEntry {
  return childEntry(import.meta.url, '../../cli/entry.ts', 'cli.js');
}

export class CliJobError extends Error {
  override readonly name = 'CliJobError';
  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message);
  }
}

export interface CliJob<T> {
  result: Promise<T>;
  cancel(): void;
}

export interface CliJobOptions<T> {
  /** Checks the result event's document: the fields the caller reads are there, with their types. */
  isResult: (value: JsonObject) => value is JsonObject & T;
  /** Called with every progress, log and text event, in order. */
  onEvent?: (event: StreamEvent) => void;
  /** Replaces the CLI entry (tests run a stand-in script). */
  entry?: { file: string; execArgv: string[] };
}

/** Splits a stream into lines (\n or \r\n), calling `onLine` with each complete, non-blank one. */
function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; end(): void } {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      const parts = pending.split(/\r?\n/);
      pending = parts.pop() ?? '';
      for (const line of parts) if (line.trim()) onLine(line);
    },
    end() {
      if (pending.trim()) onLine(pending);
      pending = '';
    },
  };
}

export function startCliJob<T>(args: string[], opts: CliJobOptions<T>): CliJob<T> {
  const entry = opts.entry ?? cliEntry();
  const command = `tuneloom ${args[0]}`;
  const child = spawn(process.execPath, [...entry.execArgv, entry.file, ...args, '--events'], {
    // Inside Electron, process.execPath is the app binary: run it as plain Node.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let lineNo = 0;
  let last: JobEvent | null = null;
  let badLine: string | null = null;
  const stdout = lineSplitter((line) => {
    if (badLine) return;
    try {
      last = parseJobEvent(line, ++lineNo);
    } catch (err) {
      if (!(err instanceof JobEventError)) throw err;
      badLine = `${command} wrote a line that is not a job event (${err.message}); the job was stopped`;
      child.kill('SIGTERM');
      return;
    }
    if (last.type !== 'result' && last.type !== 'error') opts.onEvent?.(last);
  });
  let stderrTail = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => stdout.push(d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderrTail = (stderrTail + d).slice(-4000)));
  let cancelled = false;
  const result = new Promise<T>((resolve, reject) => {
    child.on('error', (err) => reject(new CliJobError(`could not start tuneloom: ${err.message}`, null)));
    child.on('close', (code, signal) => {
      stdout.end();
      const end = last as JobEvent | null;
      if (badLine) return reject(new CliJobError(badLine, code));
      if (cancelled || (signal && code === null)) return reject(new CliJobError('stopped', code));
      if (end?.type === 'error') return reject(new CliJobError(end.message, code));
      if (code !== 0) return reject(new CliJobError(stderrTail.trim().split('\n').at(-1) || `${command} exited with ${code}`, code));
      if (end?.type !== 'result') return reject(new CliJobError(`${command} ended without a result event`, code));
      if (!opts.isResult(end.result))
        return reject(new CliJobError(`${command}'s result event lacks the fields the app reads: ${JSON.stringify(end.result).slice(0, 120)}`, code));
      resolve(end.result);
    });
  });
  return {
    result,
    cancel() {
      cancelled = true;
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}
