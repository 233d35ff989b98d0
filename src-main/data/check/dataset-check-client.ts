/**
 * Runs dataset checks (dataset-check.ts) in one long-lived child process, so the main process (the app,
 * `tuneloom serve`) never parses a dataset or renders a model's chat template itself: a quadratic file,
 * a looping template or an out-of-memory abort ends the child only. Jobs queue in the child; the child
 * keeps its loaded tokenizers between jobs and is started again on the next job after it dies.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { childEntry } from '../../workers/child-entry';
import { UserError, type SerializedError } from '../../errors';
import type { DatasetCheckJob, DatasetCheckOutput } from './dataset-check';

export type CheckReply =
  | { id: number; ok: true; output: DatasetCheckOutput }
  | { id: number; ok: false; error: SerializedError & { user: boolean } }
  /** Sent as the file is read: the watchdog's sign of life. */
  | { id: number; progress: { bytesRead: number; totalBytes: number } };

/** A check that reports no progress for this long is stopped: every step of it is bounded, so it is stuck. */
export const CHECK_STALL_MS = 120_000;

export class DatasetCheckClient {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve(o: DatasetCheckOutput): void; reject(e: Error): void; onProgress?: (p: { bytesRead: number; totalBytes: number }) => void }
  >();
  private watchdog: NodeJS.Timeout | undefined;
  private stalled = false;

  constructor(private readonly stallMs = CHECK_STALL_MS) {}

  /** (Re)arms the stall timer while jobs are pending. */
  private alive(): void {
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
    if (this.pending.size === 0) return;
    this.watchdog = setTimeout(() => {
      this.stalled = true;
      this.child?.kill('SIGKILL');
    }, this.stallMs);
    this.watchdog.unref();
  }

  /** Runs a job in the child; `onProgress` hears its reading progress (bytes of the file). */
  run(job: DatasetCheckJob, onProgress?: (p: { bytesRead: number; totalBytes: number }) => void): Promise<DatasetCheckOutput> {
    const child = this.child ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.alive();
      child.ref();
      child.channel?.ref();
      child.send({ id, job });
    });
  }

  /** The child's process id, while one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Ends the child (pending jobs fail); the next job starts a new one. */
  close(): void {
    this.child?.kill();
    this.child = undefined;
  }

  private start(): ChildProcess {
    const entry = childEntry(import.meta.url, 'dataset-check-entry.ts', 'dataset-check.js');
    const child = fork(entry.file, [], {
      execArgv: entry.execArgv,
      // Inside Electron, process.execPath is the app binary: run it as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.on('message', (reply: CheckReply) => {
      if ('progress' in reply) {
        this.pending.get(reply.id)?.onProgress?.(reply.progress);
        return this.alive();
      }
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      this.alive();
      if (reply.ok) p.resolve(reply.output);
      else p.reject(reply.error.user ? new UserError(reply.error.message, { kind: reply.error.kind }) : new Error(reply.error.message));
      if (this.pending.size === 0) {
        child.unref();
        child.channel?.unref();
      }
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const why = this.stalled
        ? `made no progress for ${Math.round(this.stallMs / 1000)} s and was stopped`
        : signal
          ? `was stopped (${signal})`
          : `ended with code ${code}`;
      for (const p of this.pending.values()) {
        p.reject(
          new UserError(`the dataset check ${why} before it finished: the file or the model's chat template needs more memory or time than it has`, {
            kind: this.stalled ? 'user' : 'oom',
            hint: 'check the file for a huge record, or try the dataset without a model',
          }),
        );
      }
      this.pending.clear();
      this.stalled = false;
      this.alive();
    });
    // An idle child must not keep the process alive.
    child.unref();
    child.channel?.unref();
    this.child = child;
    return child;
  }
}
