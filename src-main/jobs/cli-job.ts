/**
 * Runs one `tuneloom <command> --json` in a child process for the app (evals, exports): the heavy,
 * synchronous engine work stays off the main process, so the UI and the training supervisor stay
 * responsive, and the CLI stays the one implementation. Progress arrives as stderr lines, which the
 * caller parses; the result is the single JSON document on stdout; a failure is the CLI's last stderr
 * line (one line by contract), or "stopped" when the job was cancelled.
 */
import { spawn } from 'node:child_process';
import { cliEntry } from '../playground/generate-process';

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

export interface CliJobOptions {
  /** Called with every complete stderr line (split on \n and \r). */
  onLine?: (line: string) => void;
  /** Replaces the CLI entry (tests run a stand-in script). */
  entry?: { file: string; execArgv: string[] };
}

export function startCliJob<T>(args: string[], opts: CliJobOptions = {}): CliJob<T> {
  const entry = opts.entry ?? cliEntry();
  const child = spawn(process.execPath, [...entry.execArgv, entry.file, ...args], {
    // Inside Electron, process.execPath is the app binary: run it as plain Node.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let pending = '';
  const lines: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    pending += d;
    const parts = pending.split(/\r\n|\r|\n/);
    pending = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.trim()) continue;
      lines.push(line);
      if (lines.length > 200) lines.shift();
      opts.onLine?.(line);
    }
  });
  let cancelled = false;
  const result = new Promise<T>((resolve, reject) => {
    child.on('error', (err) => reject(new CliJobError(`could not start tuneloom: ${err.message}`, null)));
    child.on('close', (code, signal) => {
      if (pending.trim()) lines.push(pending);
      if (cancelled || (signal && code === null)) return reject(new CliJobError('stopped', code));
      if (code !== 0) return reject(new CliJobError(errorLine(lines) || `tuneloom ${args[0]} exited with ${code}`, code));
      try {
        resolve(JSON.parse(stdout) as T);
      } catch {
        reject(new CliJobError(`tuneloom ${args[0]} printed no JSON result`, code));
      }
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

/** The CLI's error: its last "tuneloom <command>: ..." line without that prefix (an internal error's stack follows it). */
export function errorLine(lines: readonly string[]): string {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^tuneloom(?: [\w-]+)?: (.*)$/.exec(lines[i]!.trim());
    if (m) return m[1]!;
  }
  return lines.at(-1)?.trim() ?? '';
}
