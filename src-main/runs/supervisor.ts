/**
 * The run supervisor: a queue of runs (one GPU run at a time by default), one worker process per run,
 * every worker event recorded in the store and forwarded to live subscribers and the app's event bus.
 *
 * States: queued → running ⇄ paused → completed | stopped | failed; a worker that dies without saying
 * done or error (crash, SIGKILL, missed heartbeats) leaves its run `interrupted`, resumable from the
 * last checkpoint into the same --out under the same run id. The supervisor never throws because of a
 * worker: crashes arrive as exits and become states.
 */
import type { RunStreamEvent, RunStreamListener } from '../../src-shared/dto/run-stream';
import type { RunError, RunStatus } from '../../src-shared/dto/runs';
import type { AppEvent } from '../../src-shared/ipc-contract';
import { UserError } from '../errors';
import { storageError, storageProblem } from '../storage-errors';
import type { Db } from '../store/db';
import { INTERRUPTION_NAMES } from '../../src-shared/run-interruption';
import { latestCheckpoint, recordCheckpoint, setCheckpointEvalLoss } from '../store/queries/checkpoints';
import { recordTrainEval } from '../store/queries/evals';
import { heartbeatRuns, recordRunStarted, requeueRun } from '../store/queries/run-lifecycle';
import { appendRunLog } from '../store/queries/run-logs';
import { insertRun, getRun, setRunStatus } from '../store/queries/runs';
import { insertSample } from '../store/queries/samples';
import { insertGrpoStep } from '../store/queries/grpo-steps';
import type { AnyConfig, CheckpointEvent, WorkerEvent } from '../workers/protocol';
import type { WorkerEntry, WorkerExit } from '../workers/worker-client';
import { WorkerClient } from '../workers/worker-client';
import type { RetentionPolicy } from './disk';
import { DEFAULT_RETENTION, pruneCheckpoints, removeWorkerLeftovers } from './disk';
import { LiveStream } from './live-stream';
import { busyElsewhere, isCpuBackend, slotsTakenError } from './gpu-slots';
import type { SlotHolder } from './gpu-slots';
import { OWNER_HEARTBEAT_MS, thisOwner } from './ownership';
import { checkResumable } from './resume-checks';
import type { RunLaunch } from './run-spec';
import { newRunRecord } from './run-spec';
import { MetricBatcher } from './metric-batcher';
import { forwardToBus } from './run-bus';
import type { RunEnd, RunEnding } from './run-endings';
import { interruptionOf, recordEnding } from './run-endings';
import { memoryEstimateOf } from './train-event-bridge';
import { grpoStepRowOf, metricPointOf, sampleRowOf } from './worker-event-rows';

// isCpuBackend lives with the slot accounting (gpu-slots.ts); it stays importable from here.
export { isCpuBackend };

export interface SupervisorOptions {
  /** Runs allowed on the GPU at once, counting other Tuneloom processes on this store. Default 1. */
  maxConcurrent?: number;
  /** When no slot is free: wait in the queue (the app) or refuse with one line (the CLI). */
  whenBusy?: 'queue' | 'refuse';
  workerEntry?: WorkerEntry;
  workerEnv?: NodeJS.ProcessEnv;
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  flushMs?: number;
  retention?: RetentionPolicy;
  /** The app's event bus (../ipc/events publishEvent); omitted in the CLI. */
  publish?: (event: AppEvent) => void;
}

interface QueuedRun {
  runId: number;
  /** Passed through untouched: the worker's guard checks it (the supervisor serves any trainer). */
  config: AnyConfig;
  resumeFrom: string | null;
  backend: string | null;
}

/** Sees every validated worker event of a run, before the store and the stream do (the CLI prints from it). */
export type WorkerEventObserver = (event: WorkerEvent) => void;

interface ActiveRun {
  runId: number;
  client: WorkerClient;
  batcher: MetricBatcher;
  lastStep: number;
  ended: boolean;
  /** The worker's pid, kept for tidying after it dies (temp names carry it). */
  pid?: number;
  /** The worker said `started` (data prepared, model loaded); before that it is preparing. */
  started: boolean;
  /** Resolves when the worker process is gone. */
  exited: Promise<void>;
  markExited: () => void;
}

export class RunSupervisor {
  private readonly queue: QueuedRun[] = [];
  private readonly active = new Map<number, ActiveRun>();
  private readonly batchers = new Map<number, MetricBatcher>();
  private readonly waiters = new Map<number, ((status: RunStatus) => void)[]>();
  private readonly observers = new Map<number, Set<WorkerEventObserver>>();
  private readonly stream: LiveStream;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly owner = thisOwner();
  private closed = false;
  /** How each run ended, kept here too: when the store cannot be written, it cannot say. */
  private readonly endings = new Map<number, RunEnding>();

  constructor(
    private readonly db: Db,
    private readonly opts: SupervisorOptions = {},
  ) {
    this.stream = new LiveStream(db, (runId) => this.batchers.get(runId)?.pending ?? []);
    this.heartbeat = setInterval(() => this.tick(), OWNER_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private get maxConcurrent(): number {
    return Math.max(1, this.opts.maxConcurrent ?? 1);
  }

  /** Records a new run (queued) and starts it when a GPU slot is free. Returns the run id. */
  enqueue<C extends AnyConfig>(launch: RunLaunch<C>): number {
    this.assertSlot(launch.backend ?? null);
    const runId = insertRun(this.db, { ...newRunRecord(this.db, launch), owner: this.owner });
    this.queue.push({ runId, config: launch.config, resumeFrom: null, backend: launch.backend ?? null });
    this.emitStatus(runId, 'queued', null);
    this.pump();
    return runId;
  }

  /** Continues an interrupted, stopped or failed run from its last checkpoint, same id and --out. */
  resume(runId: number): { runId: number; resumeFrom: string | null; fromStep: number; notes: string[] } {
    const plan = checkResumable(this.db, runId, (id) => this.active.has(id) || this.queue.some((q) => q.runId === id));
    this.assertSlot(plan.backend);
    requeueRun(this.db, runId, this.owner);
    for (const note of plan.notes) this.log(runId, 'warn', note);
    this.log(runId, 'info', plan.resumeFrom ? `resuming from ${plan.resumeFrom} (step ${plan.fromStep})` : 'no checkpoint kept: resuming from the start');
    this.queue.push({ runId, config: plan.config, resumeFrom: plan.resumeFrom, backend: plan.backend });
    this.emitStatus(runId, 'queued', null);
    this.pump();
    return { runId, resumeFrom: plan.resumeFrom, fromStep: plan.fromStep, notes: plan.notes };
  }

  pause(runId: number): void {
    this.activeOrThrow(runId).client.send({ type: 'pause' });
  }

  unpause(runId: number): void {
    this.activeOrThrow(runId).client.send({ type: 'resume' });
  }

  sampleNow(runId: number): void {
    this.activeOrThrow(runId).client.send({ type: 'sample-now' });
  }

  /**
   * Asks the worker to stop at the next step boundary, writing a checkpoint there (kept as a usable adapter).
   * A run still waiting is dropped from the queue; a worker still preparing (reading and tokenizing the
   * data, loading the model: no step boundary for minutes, nothing to keep) is killed at once.
   */
  stop(runId: number, opts: { checkpoint?: boolean } = {}): void {
    const queued = this.queue.findIndex((q) => q.runId === runId);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.end(runId, { status: 'stopped' });
      return;
    }
    const run = this.activeOrThrow(runId);
    if (!run.started) {
      run.ended = true;
      this.log(runId, 'info', 'stopped while preparing: no step was trained');
      this.end(runId, { status: 'stopped' });
      run.client.kill();
      return;
    }
    run.client.send({ type: 'stop', checkpoint: opts.checkpoint ?? true });
  }

  /** Why a queued run has not started: its worker is preparing, or it waits behind the runs listed (in order). */
  queuePhase(runId: number): { phase: 'preparing' | 'waiting'; ahead: number[] } | null {
    const run = this.active.get(runId);
    if (run && !run.ended) return run.started ? null : { phase: 'preparing', ahead: [] };
    const at = this.queue.findIndex((q) => q.runId === runId);
    if (at < 0) return null;
    const ahead = [
      ...[...this.active.values()].filter((r) => !r.ended).map((r) => r.runId),
      ...this.busyElsewhere().map((r) => r.id),
      ...this.queue.slice(0, at).map((q) => q.runId),
    ];
    return { phase: 'waiting', ahead };
  }

  /** Kills the worker outright (its run becomes interrupted, resumable). */
  kill(runId: number): void {
    this.active.get(runId)?.client.kill();
  }

  workerPid(runId: number): number | undefined {
    return this.active.get(runId)?.client.pid;
  }

  /** History after `afterStep` from the store, then the live tail; returns the unsubscribe function. */
  subscribe(runId: number, afterStep: number, listener: RunStreamListener): () => void {
    return this.stream.subscribe(runId, afterStep, listener);
  }

  /** Raw worker events of one run from now on (no history); returns the unsubscribe function. */
  observe(runId: number, observer: WorkerEventObserver): () => void {
    let set = this.observers.get(runId);
    if (!set) this.observers.set(runId, (set = new Set()));
    set.add(observer);
    return () => set.delete(observer);
  }

  /** Resolves with the run's final state (completed, stopped, failed or interrupted). */
  waitForEnd(runId: number): Promise<RunStatus> {
    const status = getRun(this.db, runId)?.status;
    const live = this.queue.some((q) => q.runId === runId) || (this.active.has(runId) && !this.active.get(runId)!.ended);
    if (status && !live && !['queued', 'running', 'paused'].includes(status)) {
      return Promise.resolve(status);
    }
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  /** The end this process saw for a run (status and error), even where the store could not record it. */
  endingOf(runId: number): RunEnding | undefined {
    return this.endings.get(runId);
  }

  get runningCount(): number {
    return this.active.size;
  }

  /** Closing the app: live workers are killed and their runs left interrupted (resumable). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const q of this.queue.splice(0))
      this.end(q.runId, {
        status: 'interrupted',
        error: { name: INTERRUPTION_NAMES.closed, kind: 'internal', message: 'Tuneloom closed before this run started' },
      });
    const exits = [...this.active.values()].map((run) => run.exited);
    for (const run of this.active.values()) run.client.kill();
    await Promise.all(exits);
  }

  // ------------------------------------------------------------------ internals

  private activeOrThrow(runId: number): ActiveRun {
    const run = this.active.get(runId);
    if (!run || run.ended) throw new UserError(`run ${runId} is not running in this process`, { hint: 'list runs with `tuneloom runs list`' });
    return run;
  }

  /** Runs of other live Tuneloom processes that hold a GPU slot (a run on cpu or wasm holds none). */
  private busyElsewhere(): SlotHolder[] {
    return busyElsewhere(this.db, this.owner.pid);
  }

  private assertSlot(backend: string | null): void {
    if (this.opts.whenBusy !== 'refuse' || isCpuBackend(backend)) return;
    const elsewhere = this.busyElsewhere();
    const used = this.active.size + this.queue.length + elsewhere.length;
    if (used < this.maxConcurrent) return;
    throw slotsTakenError(elsewhere, [...this.active.keys()][0] ?? this.queue[0]?.runId, this.maxConcurrent);
  }

  private pump(): void {
    if (this.closed) return;
    while (this.queue.length && this.active.size + this.busyElsewhere().length < this.maxConcurrent) {
      void this.launch(this.queue.shift()!);
    }
  }

  private tick(): void {
    const mine = [...this.active.keys(), ...this.queue.map((q) => q.runId)];
    try {
      heartbeatRuns(this.db, mine);
    } catch (err) {
      process.stderr.write(`tuneloom: run heartbeat write failed: ${(err as Error).message}\n`);
    }
    this.pump();
  }

  private async launch(q: QueuedRun): Promise<void> {
    const { runId } = q;
    const batcher = new MetricBatcher(this.db, runId, {
      flushMs: this.opts.flushMs,
      onError: (err) => {
        if (storageProblem(err)) return this.failOnStore(run, err);
        process.stderr.write(`tuneloom: metrics of run ${runId} not written yet: ${err.message}\n`);
      },
    });
    let markExited = (): void => {};
    const exited = new Promise<void>((resolve) => (markExited = resolve));
    const run: ActiveRun = { runId, batcher, lastStep: 0, ended: false, started: false, exited, markExited, client: undefined as unknown as WorkerClient };
    run.client = new WorkerClient(
      {
        onEvent: (e) => this.onEvent(run, e),
        onExit: (exit) => this.onExit(run, exit),
        onWarning: (m) => this.log(runId, 'warn', m),
      },
      { entry: this.opts.workerEntry, env: this.opts.workerEnv, heartbeatMs: this.opts.heartbeatMs, heartbeatTimeoutMs: this.opts.heartbeatTimeoutMs },
    );
    this.active.set(runId, run);
    this.batchers.set(runId, batcher);
    await run.client.spawn();
    run.pid = run.client.pid;
    run.client.send({ type: 'start', runId, config: q.config, resumeFrom: q.resumeFrom, backend: q.backend });
  }

  private onEvent(run: ActiveRun, e: WorkerEvent): void {
    if (run.ended) return; // a run failed on the store: what its worker still says cannot be recorded
    // "done" is passed on only once it is in the store: nothing is reported done that is not on disk.
    if (e.type !== 'done') this.notify(run.runId, e);
    try {
      this.record(run, e);
    } catch (err) {
      if (!storageProblem(err)) throw err;
      this.failOnStore(run, err);
    }
    if (e.type === 'done' && this.endings.get(run.runId)?.status !== 'failed') this.notify(run.runId, e);
  }

  /**
   * The store could not be written (a full or read-only disk): the run fails with the step it
   * reached, its worker is stopped (nothing it does could be recorded), and the error is one line.
   * Recording that end may fail too; waitForEnd and endingOf still tell it.
   */
  private failOnStore(run: ActiveRun, err: unknown): void {
    if (run.ended) return;
    run.ended = true;
    const step = Math.max(run.lastStep, 0);
    const problem = storageError(err, {
      action: `recording run ${run.runId} at step ${step}`,
      where: this.db.name,
      then: `resume it with \`tuneloom runs resume ${run.runId}\``,
    })!;
    run.client.kill();
    this.end(run.runId, { status: 'failed', error: { name: 'UserError', kind: 'user', message: problem.message } });
  }

  private notify(runId: number, e: WorkerEvent): void {
    for (const observe of this.observers.get(runId) ?? []) {
      try {
        observe(e);
      } catch (err) {
        process.stderr.write(`tuneloom: a worker event observer failed on ${e.type}: ${(err as Error).message}\n`);
      }
    }
  }

  private record(run: ActiveRun, e: WorkerEvent): void {
    const { runId } = run;
    switch (e.type) {
      case 'ready':
        return;
      case 'started':
        run.started = true;
        recordRunStarted(this.db, runId, { backend: e.backend, gpu: e.gpu, totalSteps: e.totalSteps, memoryEstimate: memoryEstimateOf(e.info) });
        this.emitStatus(runId, 'running', null);
        return;
      case 'step': {
        const point = metricPointOf(e);
        run.lastStep = e.step;
        run.batcher.add(point);
        this.publish({ type: 'step', runId, point });
        return;
      }
      case 'eval':
        run.batcher.flush();
        recordTrainEval(this.db, runId, { step: e.step, loss: e.loss, metrics: e.metrics });
        setCheckpointEvalLoss(this.db, runId, e.step, e.loss);
        this.publish({ type: 'eval', runId, step: e.step, loss: e.loss, metrics: e.metrics });
        return;
      case 'rewards': {
        const row = grpoStepRowOf(e);
        insertGrpoStep(this.db, runId, row);
        this.publish({ type: 'rewards', runId, row });
        return;
      }
      case 'sample': {
        const sample = sampleRowOf(e);
        insertSample(this.db, runId, sample);
        this.publish({ type: 'sample', runId, sample });
        return;
      }
      case 'checkpoint':
        return this.recordCheckpoint(run, e);
      case 'log':
        this.log(runId, e.level, e.message);
        return;
      case 'state':
        run.batcher.flush();
        setRunStatus(this.db, runId, e.state);
        this.emitStatus(runId, e.state, null);
        return;
      case 'done':
        // The steps must be in the store before the run is called done; a failed flush fails the run.
        run.batcher.flush();
        if (run.ended) return;
        run.ended = true;
        this.end(runId, { status: e.reason === 'completed' ? 'completed' : 'stopped', adapterPath: e.adapterPath, peakMemoryBytes: e.peakMemoryBytes });
        return;
      case 'error':
        run.ended = true;
        this.end(runId, { status: 'failed', error: e.error });
        return;
      case 'pong':
      case 'busy':
        return;
    }
  }

  private recordCheckpoint(run: ActiveRun, e: CheckpointEvent): void {
    const { runId } = run;
    // Metrics up to the checkpoint are committed before (and synced with) the checkpoint row.
    run.batcher.flush();
    recordCheckpoint(this.db, runId, { step: e.step, path: e.path, bytes: e.bytes, files: e.files ?? null });
    try {
      pruneCheckpoints(this.db, runId, this.opts.retention ?? DEFAULT_RETENTION);
    } catch (err) {
      this.log(runId, 'warn', `could not prune old checkpoints: ${(err as Error).message}`);
    }
    this.publish({ type: 'checkpoint', runId, step: e.step, path: e.path });
  }

  private onExit(run: ActiveRun, exit: WorkerExit): void {
    const { runId } = run;
    if (!run.ended) {
      run.ended = true;
      run.batcher.flush();
      this.cleanAfterKill(runId, run.pid);
      const checkpointStep = latestCheckpoint(this.db, runId)?.step ?? null;
      this.end(runId, { status: 'interrupted', error: interruptionOf(exit, { runId, lastStep: run.lastStep, checkpointStep }) });
    }
    this.active.delete(runId);
    this.batchers.delete(runId);
    this.observers.delete(runId);
    run.markExited();
    this.pump();
  }

  /** A worker that died mid-write leaves temp files; the resume must not find them (disk.ts). */
  private cleanAfterKill(runId: number, pid: number | undefined): void {
    const outDir = getRun(this.db, runId)?.outDir;
    if (!outDir || pid === undefined) return;
    try {
      for (const path of removeWorkerLeftovers(outDir, pid)) this.log(runId, 'info', `removed ${path}, left by the worker that died mid-write`);
    } catch (err) {
      this.log(runId, 'warn', `could not tidy the run folder after the worker died: ${(err as Error).message}`);
    }
  }

  private end(runId: number, end: RunEnd): void {
    this.batchers.get(runId)?.flush();
    const { status, error } = recordEnding(this.db, runId, end);
    this.endings.set(runId, { status, error });
    this.emitStatus(runId, status, error);
    for (const resolve of this.waiters.get(runId) ?? []) resolve(status);
    this.waiters.delete(runId);
  }

  private emitStatus(runId: number, status: RunStatus, error: RunError | null): void {
    this.publish({ type: 'status', runId, status, error });
  }

  private log(runId: number, level: string, message: string): void {
    let seq: number | undefined;
    try {
      seq = appendRunLog(this.db, runId, level, message);
    } catch {
      /* the run may have been deleted; a log line is not worth failing for */
    }
    this.publish({ type: 'log', runId, level, message }, seq);
  }

  /**
   * The one outlet of live run events: the run's stream (subscribe: CLI, tests) and the app's event
   * bus (the renderer, over IPC or the WebSocket) get the same event, already recorded in the store.
   * `logSeq`: the stored log line's sequence number (a line the store refused reaches only the stream).
   */
  private publish(e: RunStreamEvent, logSeq?: number): void {
    this.stream.publish(e);
    if (this.opts.publish) forwardToBus(this.opts.publish, e, logSeq);
  }
}
