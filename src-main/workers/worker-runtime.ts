/**
 * The worker side of the protocol, independent of which trainer runs inside: it receives commands,
 * stamps and sends events, answers pings, and turns pause/resume/stop/sample-now into a small control
 * object the trainer consults between steps. Pausing holds the trainer at a step boundary inside the
 * same process, so a paused run continues with exactly the state it had (optimizer, RNG, data order).
 *
 * Transport: Electron's `process.parentPort` under utilityProcess, else Node's `process.send` (fork).
 */
import { serializeError } from '../errors';
import type { SerializedError } from '../errors';
import type { AnyConfig, WorkerCommand, StartCommand, Unstamped, WorkerEvent } from './protocol';
import type { TrainConfig } from '../engine/train/train-config';
import { PROTOCOL_VERSION, SeqChecker, SeqCounter, describeInvalid, isWorkerCommand } from './protocol';

/** Throw this to end the run with an error already shaped for the protocol (its kind survives). */
export class ReportedError extends Error {
  constructor(readonly reported: SerializedError) {
    super(reported.message);
    this.name = reported.name;
  }
}

/** What the trainer sees of the outside world. */
export interface WorkerControl {
  /** Await between steps (after step `step` finished): resolves 'stop' when a stop was asked, after any pause. */
  betweenSteps(step: number): Promise<'continue' | 'stop'>;
  /** Resolves when the run may continue (at once when not paused); the pause is acknowledged at the last step. */
  waitWhilePaused(): Promise<void>;
  /** True once a stop was asked. */
  shouldStop(): boolean;
  /** True once per sample-now command: generate samples at this step boundary. */
  takeSampleRequest(): boolean;
  /** Whether the stop command asked for a checkpoint of the stop point. */
  readonly checkpointOnStop: boolean;
  /** Aborted when a stop was requested (for long evals or generation to bail out early). */
  readonly signal: AbortSignal;
  /** Lets pending messages (ping, stop) in during a long compute: await it between its parts. */
  breathe(): Promise<void>;
  /** Before a long compute of about `stepsWorth` training steps: tells the client how long it may be silent. */
  announce(work: { phase: 'eval' | 'sample'; stepsWorth: number }): void;
}

export interface TrainerResult {
  reason: 'completed' | 'stopped';
  step: number;
  adapterPath: string | null;
  losses?: number[];
  peakMemoryBytes?: number;
}

export type WorkerEmit = (event: Unstamped<WorkerEvent>) => void;

/** Runs one training run inside the worker; events go through `emit`. Throw to fail the run. */
export type TrainerBridge<C extends AnyConfig = TrainConfig> = (start: StartCommand<C>, control: WorkerControl, emit: WorkerEmit) => Promise<TrainerResult>;

export interface Transport {
  /** `sent` runs once the message has left this process (used before exiting). */
  send(msg: WorkerEvent, sent?: () => void): void;
  onMessage(fn: (msg: unknown) => void): void;
}

interface ParentPort {
  postMessage(msg: unknown): void;
  on(event: 'message', fn: (e: { data: unknown }) => void): void;
}

function defaultTransport(): Transport {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (m, sent) => {
        parentPort.postMessage(m);
        if (sent) setTimeout(sent, 20);
      },
      onMessage: (fn) => parentPort.on('message', (e) => fn(e.data)),
    };
  }
  if (!process.send) throw new Error('the training worker must be started by Tuneloom (no IPC channel)');
  return {
    send: (m, sent) => {
      process.send?.(m, undefined, undefined, () => sent?.());
    },
    onMessage: (fn) => process.on('message', fn),
  };
}

class Control implements WorkerControl {
  paused = false;
  stopAsked = false;
  checkpointOnStop = false;
  private sampleAsked = false;
  private wake: (() => void) | null = null;
  private readonly abort = new AbortController();
  /** The shortest time between two step boundaries seen so far: one step's compute, without evals. */
  private msPerStep: number | null = null;
  private lastBoundary: number | null = null;
  constructor(
    private readonly emitState: (state: 'paused' | 'running', step: number) => void,
    private readonly lastStep: () => number,
    private readonly emitBusy: (phase: 'eval' | 'sample', expectMs: number) => void,
  ) {}

  async breathe(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  announce(work: { phase: 'eval' | 'sample'; stepsWorth: number }): void {
    // Before the first step there is no measure; the client's base allowance covers that.
    if (this.msPerStep === null) return;
    this.emitBusy(work.phase, Math.ceil(work.stepsWorth * this.msPerStep));
  }

  async waitWhilePaused(): Promise<void> {
    await this.betweenSteps(this.lastStep());
  }

  shouldStop(): boolean {
    return this.stopAsked;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  async betweenSteps(step: number): Promise<'continue' | 'stop'> {
    const now = performance.now();
    if (this.lastBoundary !== null) this.msPerStep = Math.min(this.msPerStep ?? Infinity, now - this.lastBoundary);
    this.lastBoundary = now;
    // A training step is synchronous compute; yielding one macrotask here lets pending IPC messages
    // (pause, stop, sample-now, ping) in. Awaiting an already-resolved promise would not.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.paused && !this.stopAsked) {
      this.emitState('paused', step);
      while (this.paused && !this.stopAsked) await new Promise<void>((r) => (this.wake = r));
      if (!this.stopAsked) this.emitState('running', step);
      // A pause is not a step's compute.
      this.lastBoundary = performance.now();
    }
    return this.stopAsked ? 'stop' : 'continue';
  }

  takeSampleRequest(): boolean {
    const asked = this.sampleAsked;
    this.sampleAsked = false;
    return asked;
  }

  handle(cmd: WorkerCommand): void {
    if (cmd.type === 'pause') this.paused = true;
    else if (cmd.type === 'resume') this.paused = false;
    else if (cmd.type === 'sample-now') this.sampleAsked = true;
    else if (cmd.type === 'stop') {
      this.stopAsked = true;
      this.checkpointOnStop = cmd.checkpoint;
      this.abort.abort();
    }
    this.wake?.();
    this.wake = null;
  }
}

/** Serves the protocol on this process until the run ends, then exits. `isConfig` checks the start command's config before the trainer sees it. */
export function serveWorker<C extends AnyConfig>(
  trainer: TrainerBridge<C>,
  isConfig: (config: AnyConfig) => config is C,
  transport: Transport = defaultTransport(),
): void {
  const out = new SeqCounter();
  const inSeq = new SeqChecker();
  const emit = (body: Unstamped<WorkerEvent>, sent?: () => void): void => transport.send(out.stamp(body), sent);
  let lastStep = 0;
  const trackingEmit: WorkerEmit = (body) => {
    if (body.type === 'step') lastStep = body.step;
    emit(body);
  };
  const control = new Control(
    (state, step) => emit({ type: 'state', state, step }),
    () => lastStep,
    (phase, expectMs) => emit({ type: 'busy', phase, expectMs }),
  );
  let started = false;

  transport.onMessage((raw) => {
    if (!isWorkerCommand(raw)) {
      emit({ type: 'log', level: 'warn', message: `worker ignored a message: ${describeInvalid(raw)}` });
      return;
    }
    const gap = inSeq.check(raw.seq);
    if (gap) emit({ type: 'log', level: 'warn', message: `worker: ${gap}` });
    if (raw.type === 'ping') {
      emit({ type: 'pong', t: raw.t });
      return;
    }
    if (raw.type === 'start') {
      if (started) {
        emit({ type: 'log', level: 'warn', message: 'worker: a second start was ignored (one run per worker)' });
        return;
      }
      started = true;
      void runOnce(raw);
      return;
    }
    control.handle(raw);
  });

  async function runOnce(raw: StartCommand<AnyConfig>): Promise<void> {
    let last: Unstamped<WorkerEvent>;
    let code = 0;
    try {
      const { config } = raw;
      if (!isConfig(config)) throw Object.assign(new Error('the start command carries no valid training configuration'), { name: 'ProtocolError' });
      const result = await trainer({ ...raw, config }, control, trackingEmit);
      last = {
        type: 'done',
        reason: result.reason,
        step: result.step,
        adapterPath: result.adapterPath,
        losses: result.losses ?? null,
        peakMemoryBytes: result.peakMemoryBytes ?? null,
      };
    } catch (err) {
      last = { type: 'error', error: err instanceof ReportedError ? err.reported : serializeError(err), step: lastStep || null };
      code = 1;
    }
    // Leave once the last event is on its way; the client also kills a worker that lingers.
    emit(last, () => process.exit(code));
  }

  // A worker whose main process died must not train on unsupervised: nobody records it, and a resume
  // started later would race it for the same checkpoint folder.
  process.on('disconnect', () => process.exit(3));

  emit({ type: 'ready', pid: process.pid, protocol: PROTOCOL_VERSION });
}
