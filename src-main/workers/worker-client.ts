/**
 * The main-process side of one training worker: spawns a child process per run, sends stamped commands,
 * validates incoming events, and notices a worker that exits or stops answering heartbeats. Nothing a
 * worker does (crash, garbage message, hang) throws into the caller: it all arrives as an `exit` report.
 *
 * Spawning: Electron's `utilityProcess` when running inside Electron's main process, else
 * `child_process.fork` — from source through tsx in dev and tests, `dist/worker.js` when bundled.
 */
import { fork } from 'node:child_process';
import { forwardStderr } from './stderr-filter';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { childEntry, tsEntry, type ChildEntry } from './child-entry';
import type { WorkerCommand, Unstamped, WorkerEvent } from './protocol';
import { SeqChecker, SeqCounter, describeInvalid, isWorkerEvent } from './protocol';
import { forkUtilityProcess, isElectronMain } from '../electron/utility-process';

/** The script a worker runs and the Node flags for it. */
export type WorkerEntry = ChildEntry;

export interface WorkerClientOptions {
  entry?: WorkerEntry;
  /** How often to ping (ms). */
  heartbeatMs?: number;
  /** Silence longer than this (ms) counts as a hung worker, which is killed. Any message counts as life. */
  heartbeatTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface WorkerExit {
  code: number | null;
  signal: string | null;
  /** exited: the process ended; unresponsive: killed after missed heartbeats; spawn-failed: never ran. */
  reason: 'exited' | 'unresponsive' | 'spawn-failed';
  detail?: string;
}

export interface WorkerHandlers {
  onEvent(event: WorkerEvent): void;
  onExit(exit: WorkerExit): void;
  /** Protocol problems (bad message, sequence gap): logged, never fatal. */
  onWarning?(message: string): void;
}

/** The real worker: source (tsx) when this module runs from source, else dist/worker.js beside the bundle. */
export function defaultWorkerEntry(): WorkerEntry {
  return childEntry(import.meta.url, 'worker-entry.ts', 'worker.js');
}

export { tsEntry };

interface Child {
  pid: number | undefined;
  post(msg: WorkerCommand): void;
  kill(): void;
}

export class WorkerClient {
  private readonly out = new SeqCounter();
  private readonly inSeq = new SeqChecker();
  private child: Child | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastHeard = Date.now();
  private exited = false;
  private killedForSilence = false;
  private ready = false;
  /** Extra silence allowed for the long compute the worker announced last (a `busy` event), until its next event. */
  private busyAllowanceMs = 0;

  constructor(
    private readonly handlers: WorkerHandlers,
    private readonly opts: WorkerClientOptions = {},
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return this.child !== null && !this.exited;
  }

  /** Starts the child process; events and the exit arrive through the handlers. */
  async spawn(): Promise<void> {
    const entry = this.opts.entry ?? defaultWorkerEntry();
    if (!existsSync(entry.file)) {
      this.finish({ code: null, signal: null, reason: 'spawn-failed', detail: `worker script not found: ${entry.file} (run \`npm run build\`)` });
      return;
    }
    try {
      this.child = isElectronMain() ? await spawnUtility(entry, this.opts.env, this.wire()) : spawnFork(entry, this.opts.env, this.wire());
    } catch (err) {
      this.finish({ code: null, signal: null, reason: 'spawn-failed', detail: (err as Error).message });
      return;
    }
    this.lastHeard = Date.now();
    const every = this.opts.heartbeatMs ?? 2_000;
    // Generous: the worker answers between steps (and between eval batches), and one step of a large
    // model on cpu can take minutes. A longer compute is announced (`busy`) and allowed its own time.
    const limit = this.opts.heartbeatTimeoutMs ?? 600_000;
    this.timer = setInterval(() => {
      if (this.exited) return;
      // Until the worker says ready, it is still loading (tsx, the ggml libraries): allow at least a minute for that.
      const allowed = silenceAllowedMs({ limitMs: limit, ready: this.ready, busyAllowanceMs: this.busyAllowanceMs });
      if (Date.now() - this.lastHeard > allowed) {
        this.killedForSilence = true;
        this.handlers.onWarning?.(`worker silent for ${Date.now() - this.lastHeard} ms (limit ${allowed} ms): killing it`);
        this.kill();
        return;
      }
      this.send({ type: 'ping', t: Date.now() });
    }, every);
    this.timer.unref();
  }

  send(body: Unstamped<WorkerCommand>): void {
    if (!this.child || this.exited) return;
    try {
      this.child.post(this.out.stamp<WorkerCommand>(body));
    } catch (err) {
      this.handlers.onWarning?.(`could not send ${body.type} to the worker: ${(err as Error).message}`);
    }
  }

  /** SIGKILL: the worker gets no say. Its exit still arrives through onExit. */
  kill(): void {
    try {
      this.child?.kill();
    } catch {
      /* already gone */
    }
  }

  private wire(): { message: (raw: unknown) => void; exit: (code: number | null, signal: string | null) => void; error: (err: Error) => void } {
    return {
      message: (raw) => {
        this.lastHeard = Date.now();
        if (!isWorkerEvent(raw)) {
          this.handlers.onWarning?.(`ignored a worker message: ${describeInvalid(raw)}`);
          return;
        }
        const gap = this.inSeq.check(raw.seq);
        if (gap) this.handlers.onWarning?.(`worker events: ${gap}`);
        if (raw.type === 'ready') this.ready = true;
        if (raw.type === 'pong') return;
        // The announced work ends with the worker's next event (eval, sample, step, ...).
        this.busyAllowanceMs = raw.type === 'busy' ? BUSY_SAFETY_FACTOR * raw.expectMs : 0;
        if (raw.type === 'busy') return;
        try {
          this.handlers.onEvent(raw);
        } catch (err) {
          this.handlers.onWarning?.(`handling worker event ${raw.type} failed: ${(err as Error).stack ?? String(err)}`);
        }
      },
      exit: (code, signal) => this.finish({ code, signal, reason: this.killedForSilence ? 'unresponsive' : 'exited' }),
      error: (err) => this.handlers.onWarning?.(`worker process error: ${err.message}`),
    };
  }

  private finish(exit: WorkerExit): void {
    if (this.exited) return;
    this.exited = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    try {
      this.handlers.onExit(exit);
    } catch (err) {
      this.handlers.onWarning?.(`handling worker exit failed: ${(err as Error).message}`);
    }
  }
}

/** The worker's estimate is from its fastest step; a loaded machine may run slower than that. */
const BUSY_SAFETY_FACTOR = 3;

/** How long the worker may be silent before it counts as hung. */
export function silenceAllowedMs(o: { limitMs: number; ready: boolean; busyAllowanceMs: number }): number {
  return Math.max(o.limitMs, o.ready ? 0 : 60_000, o.busyAllowanceMs);
}

type Wiring = ReturnType<WorkerClient['wire']>;

function spawnFork(entry: WorkerEntry, env: NodeJS.ProcessEnv | undefined, on: Wiring): Child {
  const cp: ChildProcess = fork(entry.file, [], {
    execArgv: entry.execArgv,
    env: env ?? process.env,
    // Structured clone keeps NaN/Infinity losses intact (JSON would turn them into null).
    serialization: 'advanced',
    // The worker's stdout and stderr go to our stderr (our stdout may be a JSON-lines stream, `train
    // --json`), through the filter that drops Dawn's native limit warnings.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  forwardStderr(cp.stdout!, process.stderr);
  forwardStderr(cp.stderr!, process.stderr);
  cp.on('message', on.message);
  cp.on('exit', on.exit);
  cp.on('error', on.error);
  return {
    pid: cp.pid,
    post: (msg) => {
      if (cp.connected) cp.send(msg);
    },
    kill: () => cp.kill('SIGKILL'),
  };
}

async function spawnUtility(entry: WorkerEntry, env: NodeJS.ProcessEnv | undefined, on: Wiring): Promise<Child> {
  const up = await forkUtilityProcess(entry.file, {
    serviceName: 'Tuneloom training worker',
    execArgv: entry.execArgv,
    env: env ?? process.env,
    stdio: 'pipe',
  });
  if (up.stdout) forwardStderr(up.stdout, process.stderr);
  if (up.stderr) forwardStderr(up.stderr, process.stderr);
  up.on('message', on.message);
  up.on('exit', (code) => on.exit(code, null));
  return { pid: up.pid, post: (msg) => up.postMessage(msg), kill: () => void up.kill() };
}
