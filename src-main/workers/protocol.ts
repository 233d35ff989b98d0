/**
 * The main ↔ training-worker contract: versioned tagged unions, one sequence number per direction.
 *
 * Commands flow main → worker (start, pause, resume, stop, sample-now, ping); events flow worker → main
 * (ready, started, step, rewards, eval, sample, checkpoint, log, state, busy, pong, done, error). Every message carries
 * `v` (the protocol version) and `seq` (1, 2, 3 ... per sender), so a receiver can tell a dropped or
 * repeated message from a new one. Errors cross as `{name, message, kind}` (../errors.ts).
 * Channel names and payload types live only here (house rule 1); both sides validate with the guards
 * below before trusting a message.
 */
import { isManifest, type CheckpointManifest } from '../engine-node/checkpoint-manifest';
import type { RewardsEvent as EngineRewardsEvent, StartEvent as TrainStartEvent } from '../engine/train/train-events';
import type { TrainConfig } from '../engine/train/train-config';
import type { ErrorKind, SerializedError } from '../errors';

export const PROTOCOL_VERSION = 1;

/** What a trainer reports about the job at start: its start event less what `started` carries itself; a stand-in trainer may say part. */
export type StartedInfo = Partial<Omit<TrainStartEvent, 'type' | 'runId' | 'totalSteps' | 'fromStep'>>;

/** The WebGPU adapter's own description, when the run is on webgpu. */
export type WebGpuAdapterFacts = { vendor?: string; architecture?: string; device?: string; description?: string };

/** What the worker says about the device it trains on (stored as the run's gpu_json). */
export type GpuFacts = {
  /** Why the backend was chosen. */
  backendReason?: string;
  /** WebGPU's description of the adapter, or a name. */
  adapter?: WebGpuAdapterFacts | string | null;
};

/**
 * The configuration a start command carries: the real trainer's TrainConfig by default. The protocol
 * is the same for any trainer (the supervisor tests' stand-in has its own config), so the transport
 * (client, supervisor) passes an `object`, and each worker checks it with its own guard
 * (serveWorker's `isConfig`; the real worker's is isTrainConfig below) before the trainer sees it.
 */
export type AnyConfig = object;

interface Envelope {
  v: typeof PROTOCOL_VERSION;
  seq: number;
}

// ---------------------------------------------------------------- commands (main → worker)

export interface StartCommand<C extends AnyConfig = TrainConfig> extends Envelope {
  type: 'start';
  runId: number;
  config: C;
  /** Checkpoint folder to continue from; null starts fresh. */
  resumeFrom: string | null;
  /** Backend to run on (auto|cpu|vulkan|cuda|metal, or an old tfjs name that maps to one); null = auto. A resume passes the one the run used. */
  backend: string | null;
}
export interface PauseCommand extends Envelope {
  type: 'pause';
}
export interface ResumeCommand extends Envelope {
  type: 'resume';
}
export interface StopCommand extends Envelope {
  type: 'stop';
  /** Write a checkpoint of the current step before stopping, so the stop point is resumable. */
  checkpoint: boolean;
}
export interface SampleNowCommand extends Envelope {
  type: 'sample-now';
}
export interface PingCommand extends Envelope {
  type: 'ping';
  /** Sender clock (ms since epoch); echoed in the pong. */
  t: number;
}

/** A command on the wire: the start command with any trainer's config (each worker's guard narrows it). */
export type WorkerCommand<C extends AnyConfig = AnyConfig> = StartCommand<C> | PauseCommand | ResumeCommand | StopCommand | SampleNowCommand | PingCommand;
export type WorkerCommandType = WorkerCommand['type'];

// ---------------------------------------------------------------- events (worker → main)

export interface ReadyEvent extends Envelope {
  type: 'ready';
  pid: number;
  protocol: number;
}
/** The trainer has loaded model and data and is about to run `fromStep + 1`. */
export interface StartedEvent extends Envelope {
  type: 'started';
  runId: number;
  totalSteps: number | null;
  fromStep: number;
  backend: string | null;
  gpu: GpuFacts | null;
  /** What the trainer reports about the job (examples, too long, trainable parameters, ...). */
  info: StartedInfo | null;
}
export interface StepEvent extends Envelope {
  type: 'step';
  step: number;
  loss: number;
  lr: number;
  gradNorm: number | null;
  tokensPerS: number | null;
  epoch: number | null;
  tokensSeen: number | null;
  /** Worker clock at emit (ms since epoch), for latency measurement. */
  ts: number;
}
/** A GRPO step's rewards, after its step event: the engine's event as it crosses the worker boundary. */
export interface RewardsEvent extends Envelope, EngineRewardsEvent {}
export type GrpoCompletion = EngineRewardsEvent['completions'][number];
export interface EvalEvent extends Envelope {
  type: 'eval';
  step: number;
  loss: number;
  metrics: Record<string, number> | null;
}
export interface SampleEvent extends Envelope {
  type: 'sample';
  step: number;
  promptIdx: number;
  prompt: string;
  output: string;
}
export interface CheckpointEvent extends Envelope {
  type: 'checkpoint';
  step: number;
  path: string;
  bytes: number | null;
  /** Each file's size and sha256 as on disk (engine-node/checkpoint-manifest.ts); optional for older workers. */
  files?: CheckpointManifest;
}
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export interface LogEvent extends Envelope {
  type: 'log';
  level: LogLevel;
  message: string;
}
/** Acknowledges pause/resume: the worker is now holding between steps (paused) or training (running). */
export interface StateEvent extends Envelope {
  type: 'state';
  state: 'paused' | 'running';
  /** Last finished step when the state took effect. */
  step: number;
}
/**
 * Announced before a long compute (a validation pass, samples) that may answer pings late: the client
 * allows that much more silence until the worker's next message, so work is never mistaken for a hang.
 */
export interface BusyEvent extends Envelope {
  type: 'busy';
  phase: 'eval' | 'sample';
  /** The worker's own upper estimate of the compute, from its measured step time. */
  expectMs: number;
}
export interface PongEvent extends Envelope {
  type: 'pong';
  t: number;
}
export interface DoneEvent extends Envelope {
  type: 'done';
  /** completed: reached the end; stopped: a stop command ended it early. */
  reason: 'completed' | 'stopped';
  step: number;
  /** The PEFT adapter folder written (the final one, or the last checkpoint's on stop). */
  adapterPath: string | null;
  /** Training loss of every step from step 1, when the trainer keeps them. */
  losses: number[] | null;
  /** The run's high-water mark of tensor memory in bytes, when the trainer measures it. */
  peakMemoryBytes: number | null;
}
export interface ErrorEvent extends Envelope {
  type: 'error';
  error: SerializedError;
  /** Last finished step, when known. */
  step: number | null;
}

export type WorkerEvent =
  | ReadyEvent
  | StartedEvent
  | StepEvent
  | RewardsEvent
  | EvalEvent
  | SampleEvent
  | CheckpointEvent
  | LogEvent
  | StateEvent
  | BusyEvent
  | PongEvent
  | DoneEvent
  | ErrorEvent;
export type WorkerEventType = WorkerEvent['type'];

/** A message body before the sender stamps `v` and `seq`. */
export type Unstamped<T> = T extends Envelope ? Omit<T, 'v' | 'seq'> : never;

/** Stamps outgoing messages with the version and this sender's next sequence number. */
export class SeqCounter {
  private next = 1;
  stamp<T extends WorkerCommand | WorkerEvent>(body: Unstamped<T>): T {
    return { ...body, v: PROTOCOL_VERSION, seq: this.next++ } as unknown as T;
  }
}

/** Checks incoming sequence numbers: returns a description of a gap or repeat, or null when in order. */
export class SeqChecker {
  private last = 0;
  check(seq: number): string | null {
    const expected = this.last + 1;
    if (seq <= this.last) return `repeated or old message seq ${seq} (last ${this.last})`;
    this.last = seq;
    return seq === expected ? null : `missed ${seq - expected} message(s) before seq ${seq}`;
  }
}

// ---------------------------------------------------------------- runtime guards

const ERROR_KINDS: readonly ErrorKind[] = ['user', 'oom', 'nan', 'bad-data', 'device-lost', 'internal'];
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** A JSON object not yet checked (what arrives over the IPC channel). */
type Obj = { [field: string]: unknown };
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);
const isNum = (x: unknown): x is number => typeof x === 'number'; // NaN/Infinity allowed: a NaN loss must reach the store
const isStr = (x: unknown): x is string => typeof x === 'string';
const numOrNull = (x: unknown): boolean => x === null || isNum(x);
const intOrNull = (x: unknown): boolean => x === null || isInt(x);
const strOrNull = (x: unknown): boolean => x === null || isStr(x);
const objOrNull = (x: unknown): boolean => x === null || isObj(x);
const isNumRecord = (x: unknown): boolean => isObj(x) && Object.values(x).every(isNum);

export function isSerializedError(x: unknown): x is SerializedError {
  return isObj(x) && isStr(x.name) && isStr(x.message) && ERROR_KINDS.includes(x.kind as ErrorKind);
}

/**
 * The shape of a TrainConfig as the real worker receives it (the values are checked by the trainer's
 * validateTrainConfig, which names the flag): the fields every run reads, with their JSON types.
 */
export function isTrainConfig(x: AnyConfig): x is TrainConfig {
  const c = x as Obj;
  const nums = [
    'loraR',
    'loraAlpha',
    'loraDropout',
    'prefixLen',
    'lr',
    'weightDecay',
    'maxGradNorm',
    'epochs',
    'batchSize',
    'gradAccum',
    'maxLen',
    'seed',
    'valSplit',
    'evalEvery',
    'saveEvery',
    'sampleEvery',
    'sampleMaxNewTokens',
  ];
  const dataset = c.dataset;
  const datasetOk =
    dataset === undefined ||
    (isObj(dataset) &&
      Array.isArray(dataset.files) &&
      dataset.files.every(isStr) &&
      isStr(dataset.encoding) &&
      (dataset.id === null || isInt(dataset.id)) &&
      strOrNull(dataset.sha256));
  return (
    isStr(c.model) && isStr(c.data) && isStr(c.out) && isStr(c.method) && isStr(c.scheduler) && isStr(c.lossOn) && nums.every((k) => isNum(c[k])) && datasetOk
  );
}

const COMMAND_FIELDS: { [K in WorkerCommandType]: (m: Obj) => boolean } = {
  start: (m) => isInt(m.runId) && isObj(m.config) && strOrNull(m.resumeFrom) && strOrNull(m.backend),
  pause: () => true,
  resume: () => true,
  stop: (m) => typeof m.checkpoint === 'boolean',
  'sample-now': () => true,
  ping: (m) => isNum(m.t),
};

const EVENT_FIELDS: { [K in WorkerEventType]: (m: Obj) => boolean } = {
  ready: (m) => isInt(m.pid) && isInt(m.protocol),
  started: (m) => isInt(m.runId) && intOrNull(m.totalSteps) && isInt(m.fromStep) && strOrNull(m.backend) && objOrNull(m.gpu) && objOrNull(m.info),
  step: (m) =>
    isInt(m.step) &&
    isNum(m.loss) &&
    isNum(m.lr) &&
    numOrNull(m.gradNorm) &&
    numOrNull(m.tokensPerS) &&
    numOrNull(m.epoch) &&
    numOrNull(m.tokensSeen) &&
    isNum(m.ts),
  rewards: (m) =>
    isInt(m.step) &&
    isNum(m.meanReward) &&
    isNum(m.rewardStd) &&
    isNumRecord(m.byFunction) &&
    isNum(m.kl) &&
    isNum(m.completionLength) &&
    numOrNull(m.correctFraction) &&
    isNum(m.clipFraction) &&
    isNum(m.generationMs) &&
    isNum(m.trainMs) &&
    Array.isArray(m.completions) &&
    m.completions.every((c) => isObj(c) && isStr(c.prompt) && isStr(c.completion) && isNum(c.reward) && isNumRecord(c.parts) && isNum(c.advantage)),
  eval: (m) => isInt(m.step) && isNum(m.loss) && (m.metrics === null || (isObj(m.metrics) && Object.values(m.metrics).every(isNum))),
  sample: (m) => isInt(m.step) && isInt(m.promptIdx) && isStr(m.prompt) && isStr(m.output),
  checkpoint: (m) => isInt(m.step) && isStr(m.path) && numOrNull(m.bytes) && (m.files === undefined || isManifest(m.files)),
  log: (m) => LOG_LEVELS.includes(m.level as LogLevel) && isStr(m.message),
  state: (m) => (m.state === 'paused' || m.state === 'running') && isInt(m.step),
  busy: (m) => (m.phase === 'eval' || m.phase === 'sample') && isNum(m.expectMs) && m.expectMs >= 0,
  pong: (m) => isNum(m.t),
  done: (m) =>
    (m.reason === 'completed' || m.reason === 'stopped') &&
    isInt(m.step) &&
    strOrNull(m.adapterPath) &&
    (m.losses === null || (Array.isArray(m.losses) && m.losses.every(isNum))) &&
    numOrNull(m.peakMemoryBytes),
  error: (m) => isSerializedError(m.error) && intOrNull(m.step),
};

function envelopeOk(m: Obj): boolean {
  return m.v === PROTOCOL_VERSION && isInt(m.seq) && m.seq >= 1 && isStr(m.type);
}

export function isWorkerCommand(x: unknown): x is WorkerCommand {
  if (!isObj(x) || !envelopeOk(x)) return false;
  const check = COMMAND_FIELDS[x.type as WorkerCommandType];
  return check !== undefined && check(x);
}

export function isWorkerEvent(x: unknown): x is WorkerEvent {
  if (!isObj(x) || !envelopeOk(x)) return false;
  const check = EVENT_FIELDS[x.type as WorkerEventType];
  return check !== undefined && check(x);
}

/** Why a message failed the guard, for the log line (the message itself may be huge). */
export function describeInvalid(x: unknown): string {
  if (!isObj(x)) return `not an object (${typeof x})`;
  if (x.v !== PROTOCOL_VERSION) return `protocol version ${String(x.v)}, expected ${PROTOCOL_VERSION}`;
  if (!isInt(x.seq) || x.seq < 1) return 'missing or bad seq';
  return `bad or unknown message of type "${String(x.type)}"`;
}
