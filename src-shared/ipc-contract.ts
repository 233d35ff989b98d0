/**
 * The one contract between the renderer and the main process, for both transports (Electron IPC through
 * the preload, and the WebSocket of `tuneloom serve`). Like tfjs-core's kernel_names.ts, channel names and
 * payload types live only here: main's handler table, the preload's `api` and the renderer's client are
 * all typed from `Channels`, and `requestValidators` checks every request at run time in main.
 */
import type { DataFormatChoice, DatasetPreview, EncodingChoiceDto } from './dto/dataset-preview';
import { DATA_FORMAT_CHOICES, ENCODING_CHOICES } from './dto/dataset-preview';
import type { DownloadJob, DownloadRequest } from './dto/downloads';
import type { EvalJob, EvalPredictionRow, EvalRunRow, EvalStartRequest, ExportJob, ExportRow, ExportStartRequest } from './dto/evals';
import { EVAL_METRIC_CHOICES, EVAL_SPLIT_CHOICES, EXPORT_KINDS, METRIC_MODES } from './dto/evals';
import type { PlanRequest, PlanResult } from './dto/plan';
import type { RecipeExportRequest, RecipeExportResult, RunImportRequest, RunImportResult } from './dto/recipes';
import { RECIPE_DISTRIBUTED, RECIPE_TARGETS } from './dto/recipes';
import type { DirListing } from './dto/files';
import type { CheckpointRow, EvalRow, RunLogLine } from './dto/run-series';
import type { DatasetRecord, ModelRecord } from './dto/library';
import type { GrpoStepRow, MetricPoint, RunDetail, RunError, RunFilter, RunStatus, RunSummary, SampleRow } from './dto/runs';
import { RUN_STATUSES } from './dto/runs';
import { arrayOf, bool, empty, int, num, object, oneOf, str, type Validator } from './validate';
import { LORA_TARGETS, TRAIN_METHODS, type TrainSettings } from '../src-main/engine/train/train-settings';
import { BUILTIN_REWARDS, type GrpoLaunchKey } from '../src-main/engine/train/grpo/grpo-settings';
import type { GrpoConfig } from '../src-main/engine/train/grpo/grpo-config';
import { GRPO_NUMBER_VALIDATORS, OPTIONAL_SETTING_VALIDATORS, REQUIRED_SETTING_VALIDATORS } from './launch-settings';

export const CONTRACT_VERSION = 1;

// ---- payloads -------------------------------------------------------------------------------------

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];
/**
 * The compute backend setting: ggml's choices, then the old engine's names, kept so settings saved
 * before the move still load (they run on ggml: webgpu as vulkan, tensorflow and wasm as cpu).
 */
export const BACKEND_CHOICES = ['auto', 'cpu', 'vulkan', 'cuda', 'metal', 'webgpu', 'tensorflow', 'wasm'] as const;
/** The old engine's names and the ggml backend each runs on. */
export const LEGACY_BACKENDS: Readonly<Record<string, string>> = { webgpu: 'vulkan', tensorflow: 'cpu', wasm: 'cpu' };
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** User settings kept in the store's settings table. */
export interface AppSettings {
  language: Language;
  theme: Theme;
  defaultBackend: BackendChoice;
  /** Hugging Face compatible endpoint, e.g. https://hf-mirror.com; empty = the official hub. */
  mirrorEndpoint: string;
}

export interface AppInfo {
  name: 'Tuneloom';
  version: string;
  contractVersion: number;
  platform: string;
  nodeVersion: string;
  /** null outside Electron (serve mode). */
  electronVersion: string | null;
  backend: { preferred: BackendChoice };
  paths: AppPaths;
}

/** Where the running app keeps its data, and the folder chosen in Settings for the next start. */
export interface AppPaths {
  home: string;
  db: string;
  /** What decides the data folder at start: the TUNELOOM_HOME variable (it wins), the Settings choice, or the default. */
  homeSource: 'env' | 'settings' | 'default';
  /** The folder chosen in Settings when it differs from `home` (used from the next start, unless TUNELOOM_HOME is set); null otherwise. */
  nextHome: string | null;
  /** Whether `nextHome` already holds a Tuneloom store (then that one opens; else the app starts empty there). */
  nextHasStore: boolean;
}

export type Empty = Record<string, never>;
export interface RunRef {
  id: number;
}
export interface MetricsRequest {
  id: number;
  /** Only points after this step (incremental polling); all points when absent. */
  afterStep?: number;
  /** Without afterStep: at most this many points, step buckets averaged (charts of long runs). */
  maxPoints?: number;
}
export interface RewardsRequest {
  id: number;
  /** Only GRPO steps after this step; all when absent. */
  afterStep?: number;
  /** false: each step without its completions (the charts); absent or true: with them (the completions table). */
  completions?: boolean;
}
export interface LogsRequest {
  id: number;
  afterSeq?: number;
}

/** Roles a column can be mapped to (format csv): chat roles, text (self-supervised) or metadata. */
export const MAP_ROLES = ['system', 'user', 'assistant', 'text', 'meta'] as const;
export type MapRole = (typeof MAP_ROLES)[number];
export interface ColumnMapping {
  column: string;
  role: MapRole;
}

export interface DatasetInspectRequest {
  /** A file or folder on the machine that runs Tuneloom (in serve mode: the server's disk). */
  path: string;
  format?: DataFormatChoice;
  encoding?: EncodingChoiceDto;
  valSplit?: number;
  /** In tokens with modelId (examples over it are counted, not dropped: training truncates them); characters without. */
  maxLen?: number;
  /** A registered model: lengths in its tokens, and the sample rendered through its chat template. */
  modelId?: number;
  /** Map columns to roles yourself (any CSV/JSON); implies format csv. */
  map?: ColumnMapping[];
  /**
   * Who asks (one key per draft in the renderer): progress comes as datasets.progress events with this key,
   * and a newer check with the same key stops this one.
   */
  progressKey?: string;
}
export interface DatasetImportRequest extends DatasetInspectRequest {
  name?: string;
}

export const RUN_ACTIONS = ['pause', 'resume', 'stop', 'sample-now'] as const;
export type RunAction = (typeof RUN_ACTIONS)[number];
export interface RunControlRequest {
  id: number;
  action: RunAction;
}

export { LORA_TARGETS, type LoraTarget, type TrainSettings } from '../src-main/engine/train/train-settings';

/** The built-in GRPO rewards (declared with the GRPO settings, engine/train/grpo/grpo-settings.ts). */
export const GRPO_REWARDS = BUILTIN_REWARDS;
export type GrpoReward = (typeof GRPO_REWARDS)[number];

/**
 * A GRPO run's settings as the wizard sets them (`tuneloom train --method grpo`: --num-generations,
 * --beta, --max-new-tokens, --temperature, --reward, --reward-file): the GRPO_SETTINGS entries marked
 * for the wizard; the rest keep the CLI defaults.
 */
export type GrpoSettings = Pick<GrpoConfig, GrpoLaunchKey>;

/** A new run as the wizard launches it; the handler turns it into the trainer's full config. */
export interface LaunchRequest extends TrainSettings {
  name: string;
  preset?: string;
  modelPath: string;
  /** A library dataset: the run reads its files as its import read them (files, encoding, format, column map). */
  datasetId: number;
  /** Overrides the dataset's format ('auto' detects again); absent: the dataset's. */
  format?: DataFormatChoice;
  /** Overrides the dataset's column -> role mapping (format csv); absent: the dataset's. */
  map?: ColumnMapping[];
  backend?: BackendChoice;
  /** The fixed prompts answered at every sample step (the dashboard's samples timeline). */
  samplePrompts?: string[];
  /** Present: the LoRA adapter is trained with GRPO on these rewards instead of SFT (method must be lora). */
  grpo?: GrpoSettings;
}

export interface PlaygroundColumn {
  /** The renderer's name for the column, echoed in the events. */
  key: string;
  modelPath: string;
  /** A PEFT adapter applied on top of modelPath; absent for the base model. */
  adapterPath?: string;
}

export interface PlaygroundRequest {
  /** Chosen by the renderer; events of this generation carry it. */
  sessionId: string;
  columns: PlaygroundColumn[];
  messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
  maxNewTokens: number;
  greedy?: boolean;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  /** s1 budget forcing: at most this many tokens inside <think>, then the close is forced. */
  thinkBudget?: number;
  /** Replace up to this many early </think> with "Wait" (extends the thinking). */
  thinkWait?: number;
}

/** What budget forcing did in one playground answer (the engine's ThinkingUsage as it crosses). */
export interface PlaygroundThinking {
  /** Null: no cap (only Wait extensions). */
  budget: number | null;
  maxWaits: number;
  /** Tokens inside <think> (forced "Wait" tokens included). */
  tokens: number;
  waits: number;
  forcedClose: boolean;
}

// ---- channels -------------------------------------------------------------------------------------

export interface Channels {
  'app.info': { req: Empty; res: AppInfo };
  'settings.get': { req: Empty; res: AppSettings };
  'settings.set': { req: Partial<AppSettings>; res: AppSettings };
  /** Chooses the data folder for the next start (created and checked writable); nothing is moved. */
  'settings.dataDir': { req: { path: string }; res: AppPaths };
  'runs.list': { req: RunFilter; res: RunSummary[] };
  'runs.get': { req: RunRef; res: RunDetail | null };
  'runs.metrics': { req: MetricsRequest; res: MetricPoint[] };
  'runs.samples': { req: RunRef; res: SampleRow[] };
  /** A GRPO run's rewards per step (mean, each reward function, KL, length, fraction correct) and its completions. */
  'runs.rewards': { req: RewardsRequest; res: GrpoStepRow[] };
  'runs.logs': { req: LogsRequest; res: RunLogLine[] };
  'runs.checkpoints': { req: RunRef; res: CheckpointRow[] };
  'runs.evals': { req: RunRef; res: EvalRow[] };
  'runs.launch': { req: LaunchRequest; res: { runId: number } };
  'runs.control': { req: RunControlRequest; res: RunDetail | null };
  /** Why a queued run has not started: its worker is preparing (data, model), or it waits behind `ahead`; null when it is not queued here. */
  'runs.queuePhase': { req: RunRef; res: { phase: 'preparing' | 'waiting'; ahead: number[] } | null };
  /** Deletes a finished run's row and the files it wrote (checkpoints, adapter). */
  'runs.delete': { req: RunRef; res: { freedBytes: number } };
  'models.list': { req: Empty; res: ModelRecord[] };
  'models.register': { req: { path: string }; res: ModelRecord };
  'datasets.list': { req: Empty; res: DatasetRecord[] };
  'datasets.inspect': { req: DatasetInspectRequest; res: DatasetPreview };
  'datasets.import': { req: DatasetImportRequest; res: { id: number } };
  /** A dataset's columns (CSV header or first record's keys), for mapping them to roles. */
  'datasets.columns': { req: { path: string; encoding?: EncodingChoiceDto }; res: { columns: string[] } };
  /**
   * Removes a dataset from the library; the user's files stay. Runs that used it keep their own copy of
   * its path and sha256 (all that training, resume and eval read), so they still work; they only lose
   * the link to the row (runsUnlinked of them).
   */
  'datasets.delete': { req: RunRef; res: { runsUnlinked: number } };
  /** Model downloads from Hugging Face / ModelScope (or a mirror); progress arrives as download.progress events. */
  'downloads.start': { req: DownloadRequest; res: DownloadJob };
  'downloads.list': { req: Empty; res: DownloadJob[] };
  'downloads.cancel': { req: RunRef; res: { cancelled: boolean } };
  /** Removes a failed or interrupted download from the list with its partial files (never a registered model's folder). */
  'downloads.remove': { req: RunRef; res: { removed: boolean; freedFiles: boolean } };
  /** Generates in every column at once; text streams back as playground.delta events. */
  'playground.generate': { req: PlaygroundRequest; res: { started: number } };
  'playground.stop': { req: { sessionId: string }; res: { stopped: boolean } };
  /** Evaluates a run's adapter (and the base model, "before") in a child process; progress as eval.* events. */
  'evals.start': { req: EvalStartRequest; res: EvalJob };
  'evals.cancel': { req: RunRef; res: { cancelled: boolean } };
  /** The eval job of a run in progress, if any (the Evaluate tab reattaches after navigation). */
  'evals.active': { req: RunRef; res: EvalJob | null };
  'evals.list': { req: RunRef; res: EvalRunRow[] };
  /** An eval's predictions next to their references, sorted by one score (worst first). */
  'evals.predictions': { req: { evalId: number; sortBy?: string }; res: EvalPredictionRow[] };
  /** Exports a run's adapter / merged model / GGUF; progress and the self-check as export.* events. */
  'exports.start': { req: ExportStartRequest; res: ExportJob };
  'exports.cancel': { req: RunRef; res: { cancelled: boolean } };
  'exports.list': { req: RunRef; res: ExportRow[] };
  /** Writes a run's recipe for LLaMA-Factory or axolotl (data, YAML, DeepSpeed/FSDP config, README). */
  'recipes.export': { req: RecipeExportRequest; res: RecipeExportResult };
  /** Makes a run from a training output folder of elsewhere (PEFT adapter + trainer logs). */
  'runs.import': { req: RunImportRequest; res: RunImportResult };
  /** One folder's entries for the wizard's Browse… dialog (absent path: the home folder). */
  'files.list': { req: { path?: string }; res: DirListing };
  /** The memory/time planner for the wizard's Resources step (probes the backend once per choice). */
  'planner.estimate': { req: PlanRequest; res: PlanResult };
}

export type Channel = keyof Channels;
export type Req<C extends Channel> = Channels[C]['req'];
export type Res<C extends Channel> = Channels[C]['res'];

const id = int({ min: 1 });
const runRef = object({ id });
const path = str({ nonEmpty: true, maxLength: 4096 });
const columnMapping = arrayOf(object({ column: str({ nonEmpty: true, maxLength: 200 }), role: oneOf(MAP_ROLES) }), { min: 1, max: 200 });
const inspectFields = {
  format: oneOf(DATA_FORMAT_CHOICES),
  encoding: oneOf(ENCODING_CHOICES),
  valSplit: num({ min: 0, max: 0.5 }),
  maxLen: int({ min: 1, max: 1 << 20 }),
  modelId: id,
  map: columnMapping,
  progressKey: str({ nonEmpty: true, maxLength: 100 }),
};

// The training settings' validators come from the settings table (launch-settings.ts).
const launchRequest: Validator<LaunchRequest> = object(
  { name: str({ maxLength: 200 }), modelPath: path, datasetId: id, ...REQUIRED_SETTING_VALIDATORS },
  {
    ...OPTIONAL_SETTING_VALIDATORS,
    preset: str({ maxLength: 64 }),
    format: oneOf(DATA_FORMAT_CHOICES),
    backend: oneOf(BACKEND_CHOICES),
    samplePrompts: arrayOf(str({ nonEmpty: true, maxLength: 4000 }), { max: 8 }),
    map: columnMapping,
    grpo: object(
      {
        ...GRPO_NUMBER_VALIDATORS,
        rewards: arrayOf(oneOf(GRPO_REWARDS), { max: GRPO_REWARDS.length }),
      },
      { rewardFile: path },
    ),
  },
);

/** Runtime check of every request payload; main runs it before any handler sees the payload. */
export const requestValidators: { [C in Channel]: Validator<Req<C>> } = {
  'app.info': empty,
  'settings.get': empty,
  'settings.set': object(
    {},
    { language: oneOf(LANGUAGES), theme: oneOf(THEMES), defaultBackend: oneOf(BACKEND_CHOICES), mirrorEndpoint: str({ maxLength: 512 }) },
  ),
  'settings.dataDir': object({ path: str({ nonEmpty: true, maxLength: 4096 }) }),
  'runs.list': object(
    {},
    { status: oneOf(RUN_STATUSES), datasetId: id, modelPath: str({ nonEmpty: true }), sort: oneOf(['newest', 'oldest', 'name', 'loss'] as const) },
  ),
  'runs.get': runRef,
  'runs.metrics': object({ id }, { afterStep: int({ min: 0 }), maxPoints: int({ min: 2, max: 1_000_000 }) }),
  'runs.samples': runRef,
  'runs.rewards': object({ id }, { afterStep: int({ min: 0 }), completions: bool }),
  'runs.logs': object({ id }, { afterSeq: int({ min: 0 }) }),
  'runs.checkpoints': runRef,
  'runs.evals': runRef,
  'runs.launch': launchRequest,
  'runs.control': object({ id, action: oneOf(RUN_ACTIONS) }),
  'runs.delete': runRef,
  'runs.queuePhase': runRef,
  'models.list': empty,
  'models.register': object({ path }),
  'datasets.list': empty,
  'datasets.inspect': object({ path }, inspectFields),
  'datasets.import': object({ path }, { ...inspectFields, name: str({ nonEmpty: true, maxLength: 200 }) }),
  'datasets.columns': object({ path }, { encoding: oneOf(ENCODING_CHOICES) }),
  'datasets.delete': runRef,
  'downloads.start': object(
    { hub: oneOf(['huggingface', 'modelscope'] as const), repoId: str({ nonEmpty: true, maxLength: 200 }) },
    { endpoint: str({ maxLength: 512 }), revision: str({ nonEmpty: true, maxLength: 200 }) },
  ),
  'downloads.list': empty,
  'downloads.cancel': runRef,
  'downloads.remove': runRef,
  'playground.generate': object(
    {
      sessionId: str({ nonEmpty: true, maxLength: 64 }),
      columns: arrayOf(object({ key: str({ nonEmpty: true, maxLength: 64 }), modelPath: path }, { adapterPath: path }), { min: 1, max: 4 }),
      messages: arrayOf(object({ role: oneOf(['system', 'user', 'assistant'] as const), content: str({ maxLength: 32_000 }) }), { min: 1, max: 64 }),
      maxNewTokens: int({ min: 1, max: 8192 }),
    },
    {
      greedy: bool,
      temperature: num({ min: 0, max: 5 }),
      topP: num({ min: 0, max: 1 }),
      topK: int({ min: 0, max: 100_000 }),
      seed: int({ min: 0, max: 2 ** 32 - 1 }),
      thinkBudget: int({ min: 0, max: 1 << 16 }),
      thinkWait: int({ min: 0, max: 64 }),
    },
  ),
  'playground.stop': object({ sessionId: str({ nonEmpty: true, maxLength: 64 }) }),
  'evals.start': object(
    {
      runId: id,
      split: oneOf(EVAL_SPLIT_CHOICES),
      metrics: arrayOf(oneOf(EVAL_METRIC_CHOICES), { min: 1, max: EVAL_METRIC_CHOICES.length }),
      mode: oneOf(METRIC_MODES),
      lang: oneOf(['zh', 'en'] as const),
      base: bool,
      maxNewTokens: int({ min: 1, max: 8192 }),
    },
    {
      limit: int({ min: 1, max: 1 << 20 }),
      dataPath: path,
      temperature: num({ min: 0, max: 10 }),
      thinkBudget: int({ min: 0, max: 1 << 16 }),
      thinkWait: int({ min: 0, max: 64 }),
    },
  ),
  'evals.cancel': runRef,
  'evals.active': runRef,
  'evals.list': runRef,
  'evals.predictions': object({ evalId: id }, { sortBy: oneOf(['bleu4', 'rouge1', 'rouge2', 'rougeL', 'f1', 'em'] as const) }),
  'exports.start': object({ runId: id, to: oneOf(EXPORT_KINDS) }, { ggufType: oneOf(['f16', 'q8_0'] as const), out: path, overwrite: bool }),
  'exports.cancel': runRef,
  'exports.list': runRef,
  'recipes.export': object(
    { to: oneOf(RECIPE_TARGETS), gpus: int({ min: 1, max: 4096 }) },
    { runId: id, launch: launchRequest, distributed: oneOf(RECIPE_DISTRIBUTED), out: path, overwrite: bool },
  ),
  'runs.import': object({ path }, { name: str({ nonEmpty: true, maxLength: 200 }), modelPath: path }),
  'files.list': object({}, { path: str({ maxLength: 4096 }) }),
  'planner.estimate': object(
    {
      modelPath: path,
      method: oneOf(TRAIN_METHODS),
      loraR: int({ min: 1, max: 4096 }),
      loraTargets: arrayOf(oneOf(LORA_TARGETS), { max: LORA_TARGETS.length }),
      loraDropout: num({ min: 0, max: 0.95 }),
      prefixLen: int({ min: 1, max: 1 << 14 }),
      batchSize: int({ min: 1, max: 4096 }),
      gradAccum: int({ min: 1, max: 1 << 16 }),
      maxLen: int({ min: 8, max: 1 << 17 }),
      gradientCheckpointing: bool,
    },
    { backend: oneOf(BACKEND_CHOICES), datasetId: id, deviceMemoryGiB: num({ min: 0.25, max: 4096 }), grpoGenerations: int({ min: 2, max: 256 }) },
  ),
};

export const CHANNELS = Object.keys(requestValidators) as Channel[];

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(requestValidators, name);
}

/** Validates a request for `channel`; throws PayloadError with the field path. */
export function validateRequest<C extends Channel>(channel: C, payload: unknown): Req<C> {
  return requestValidators[channel](payload, 'payload');
}

// ---- results and errors ---------------------------------------------------------------------------

/**
 * Errors cross the boundary as data. kind: 'user' (something the user can fix; message says what to do),
 * 'invalid-payload', 'unknown-channel', 'forbidden' (sender not ours), 'internal', or a worker kind
 * ('oom', 'nan', 'bad-data', 'device-lost').
 */
export interface IpcError {
  name: string;
  message: string;
  kind: string;
}

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

// ---- events main pushes to every window / socket ----------------------------------------------------

export type AppEvent =
  | { type: 'runs.changed' }
  | { type: 'run.status'; runId: number; status: RunStatus; error: RunError | null }
  | { type: 'run.metrics'; runId: number; points: MetricPoint[] }
  | { type: 'run.samples'; runId: number; samples: SampleRow[] }
  /** GRPO steps as they are recorded, with their completions (runs.rewards serves the same rows). */
  | { type: 'run.rewards'; runId: number; steps: GrpoStepRow[] }
  | { type: 'run.log'; runId: number; line: RunLogLine }
  | { type: 'run.eval'; runId: number; step: number; loss: number }
  | { type: 'run.checkpoint'; runId: number; step: number; path: string }
  | { type: 'library.changed'; what: 'models' | 'datasets' }
  /** A dataset check or import under way (DatasetInspectRequest.progressKey). */
  | { type: 'datasets.progress'; key: string; bytesRead: number; totalBytes: number; examples: number }
  | { type: 'download.progress'; job: DownloadJob }
  | { type: 'playground.delta'; sessionId: string; key: string; text: string }
  | { type: 'playground.done'; sessionId: string; key: string; error: string | null; thinking?: PlaygroundThinking }
  | { type: 'eval.progress'; job: EvalJob }
  | { type: 'eval.done'; jobId: number; runId: number; error: string | null }
  | { type: 'export.progress'; job: ExportJob }
  | { type: 'export.done'; jobId: number; runId: number; error: string | null; export: ExportRow | null };

// ---- transports -----------------------------------------------------------------------------------

/** Electron IPC channel names (one invoke channel carries every contract channel). */
export const IPC_INVOKE = 'tuneloom:invoke';
export const IPC_EVENT = 'tuneloom:event';

/** The path of the WebSocket in serve mode; the token rides in the query string. */
export const WS_PATH = '/ws';
/** Serve mode: 204 when the request carries this launch's session cookie, else 401. */
export const SESSION_PATH = '/session';

export interface WsRequestFrame {
  id: number;
  channel: string;
  payload: unknown;
}
/**
 * `id` is 0 in the answer to a frame whose id could not be read (clients number requests from 1).
 */
export type WsServerFrame = { id: number; result: IpcResult<unknown> } | { event: AppEvent };

/**
 * The largest request frame (UTF-8 bytes) the serve WebSocket answers. The contract's string and
 * array limits keep every valid request below it: the largest is playground.generate (4 columns,
 * 64 messages of 32,000 characters, up to 6 bytes each in JSON: about 12.3 MB), which
 * ipc-contract.test.ts checks. A bigger frame is answered with an `invalid-payload` error; the
 * socket itself drops frames beyond WS_MAX_FRAME_BYTES (close code 1009).
 */
export const WS_MAX_REQUEST_BYTES = 16 * 1024 * 1024;
export const WS_MAX_FRAME_BYTES = 2 * WS_MAX_REQUEST_BYTES;

/** What the preload exposes as `window.api`: one method per channel, plus the event stream. */
export type ContractApi = { [C in Channel]: (req: Req<C>) => Promise<IpcResult<Res<C>>> } & {
  onEvent(listener: (event: AppEvent) => void): () => void;
  /** The disk path of a file dropped on the window (Electron only; a browser never reveals it). */
  pathForFile(file: File): string;
};
