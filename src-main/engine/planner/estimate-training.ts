/**
 * The memory/time planner: before a run starts, the peak device memory of one training step and the
 * time per step/epoch, from the normalised model config and the run's settings. Pure (no fs, no ggml).
 *
 * Memory, on the ggml engine (the default; ggml-memory.ts): the frozen weights in their type with the
 * transposed copies, the trainable parameters and gradients and AdamW's two moments (F32), and the
 * compute buffer ggml's allocator reserves for the step's graph. Checked against gallocr on the real
 * graph and against measured peaks (ggml-memory.test.ts, docs/BENCHMARKS.md "Memory planner").
 * On the tfjs engine (legacy backends): frozen weights + trainable parameters and their gradients
 * + moments + the activation peak of activation-model.ts + context tensors (estimate-training.test.ts).
 *
 * Time = FLOPs of the step / a throughput measured on the backend that will run (a calibration matmul,
 * see src-main/workers/planner/), so it is a matmul-bound lower bound; without a measured throughput
 * `stepSeconds` stays undefined rather than guessed.
 */
import type { ModelConfig } from '../config/model-config';
import { LayerLedger, PROJECTION_NAMES, type ProjectionName } from './activation-model';
import { FROZEN_TYPES, ggmlTrainingMemory, type FrozenType, type ProjName } from './ggml-memory';
import type { TrainMethod } from '../train/train-settings';

/** The frozen weights' storage type (ggml's types; the tfjs engine stores f32). */
export type WeightFormat = FrozenType;
export const WEIGHT_FORMATS: readonly WeightFormat[] = FROZEN_TYPES;

/** Bytes per stored weight (ggml block sizes: q8_0 34 bytes per 32, q4_0 18 per 32). */
export const BYTES_PER_WEIGHT: Record<WeightFormat, number> = { f32: 4, bf16: 2, f16: 2, q8_0: 34 / 32, q4_0: 18 / 32 };

export type SuggestionKey = 'shorter-max-len' | 'smaller-batch' | 'gradient-checkpointing' | 'weights-4bit' | 'smaller-model';

export interface PlannerSuggestion {
  key: SuggestionKey;
  /** The concrete value to use (max length, batch size); absent for on/off suggestions. */
  value?: number;
  /** Estimated total bytes with this change alone. */
  totalBytes: number;
  fits: boolean;
}

export interface TrainingEstimateInput {
  config: ModelConfig;
  method: TrainMethod;
  loraR: number;
  /** Short module names (`q_proj`, ...) or 'all-linear'. */
  targets: readonly string[] | 'all-linear';
  loraDropout?: number;
  prefixLen: number;
  /** P-Tuning v2 with peft's prefix projection (an MLP of `prefixHidden` units, default the hidden size). */
  prefixProjection?: boolean;
  prefixHidden?: number;
  batch: number;
  /** Padded sequence length of a micro-batch (the max length for the worst case). */
  seqLen: number;
  gradAccum: number;
  checkpointing: boolean;
  weightFormat: WeightFormat;
  /** Which engine runs the step: ggml (default) or tfjs (the legacy webgpu/wasm/tensorflow backends). */
  engine?: 'ggml' | 'tfjs';
  backend: string;
  /** Rows with a loss target per micro-batch; default batch * seqLen (every position, the worst case). */
  targetRows?: number;
  /** Device memory the run may use (bytes). */
  budgetBytes: number;
  /** Measured matmul throughput of the backend (FLOP/s); without it no time is estimated. */
  flopsPerSecond?: number;
  /** Training examples, for steps and time per epoch. */
  examples?: number;
  /** Typical padded length for the time estimate (e.g. the dataset's p95 in tokens, capped by max length). */
  timeSeqLen?: number;
  /** Weight formats the engine can store on this backend; 'weights-4bit' is suggested only when q4_0 is one. */
  weightFormatsAvailable?: readonly WeightFormat[];
}

export interface TrainingEstimate {
  bytes: { weights: number; adapter: number; optimizer: number; activations: number; logits: number; workspace: number; total: number };
  /** Trainable parameters. */
  trainableParams: number;
  /** Base model parameters. */
  baseParams: number;
  flopsPerStep: number;
  stepSeconds?: number;
  stepsPerEpoch?: number;
  epochSeconds?: number;
  /** Tokens one epoch feeds the model (examples x typical padded length). */
  tokensPerEpoch?: number;
  budgetBytes: number;
  fits: boolean;
  suggestions: PlannerSuggestion[];
}

export function resolveProjections(targets: readonly string[] | 'all-linear'): ProjectionName[] {
  if (targets === 'all-linear') return [...PROJECTION_NAMES];
  return PROJECTION_NAMES.filter((p) => targets.includes(p));
}

function projectionDims(cfg: ModelConfig): Record<ProjectionName, [number, number]> {
  const h = cfg.hiddenSize;
  const q = cfg.numHeads * cfg.headDim;
  const k = cfg.numKvHeads * cfg.headDim;
  const f = cfg.intermediateSize;
  return { q_proj: [h, q], k_proj: [h, k], v_proj: [h, k], o_proj: [q, h], gate_proj: [h, f], up_proj: [h, f], down_proj: [f, h] };
}

/** Parameters of the frozen model (matrices + biases + norms; the tied head counted once). */
export function baseParamCount(cfg: ModelConfig): { matrices: number; vectors: number } {
  const dims = projectionDims(cfg);
  let matrices = cfg.vocabSize * cfg.hiddenSize * (cfg.tieWordEmbeddings ? 1 : 2);
  let vectors = cfg.hiddenSize; // final norm
  for (const p of PROJECTION_NAMES) matrices += cfg.numLayers * dims[p][0] * dims[p][1];
  const q = cfg.numHeads * cfg.headDim;
  const k = cfg.numKvHeads * cfg.headDim;
  const perLayer =
    2 * cfg.hiddenSize +
    (cfg.qkvBias ? q + 2 * k : 0) +
    (cfg.oBias ? cfg.hiddenSize : 0) +
    (cfg.mlpBias ? 2 * cfg.intermediateSize + cfg.hiddenSize : 0) +
    (cfg.qkNorm ? 2 * cfg.headDim : 0);
  vectors += cfg.numLayers * perLayer;
  return { matrices, vectors };
}

export function trainableParamCount(cfg: ModelConfig, method: TrainMethod, loraR: number, targets: ProjectionName[], prefixLen: number): number {
  if (method === 'ptuning') return prefixLen * cfg.numLayers * 2 * cfg.numKvHeads * cfg.headDim;
  const dims = projectionDims(cfg);
  return cfg.numLayers * targets.reduce((n, p) => n + loraR * (dims[p][0] + dims[p][1]), 0);
}

/** Matmul FLOPs of one micro-batch's forward (linears, LoRA, attention, LM head on target rows). */
export function forwardFlops(
  cfg: ModelConfig,
  method: TrainMethod,
  loraR: number,
  targets: ProjectionName[],
  prefixLen: number,
  batch: number,
  seqLen: number,
  targetRows: number,
): { layers: number; head: number } {
  const N = batch * seqLen;
  const dims = projectionDims(cfg);
  let perToken = 0;
  for (const p of PROJECTION_NAMES) perToken += 2 * dims[p][0] * dims[p][1];
  if (method === 'lora') for (const p of targets) perToken += 2 * loraR * (dims[p][0] + dims[p][1]);
  const S = seqLen + (method === 'ptuning' ? prefixLen : 0);
  perToken += 2 * 2 * cfg.numHeads * cfg.headDim * S; // q k^T and p v over all S columns (masked, not skipped)
  return { layers: cfg.numLayers * N * perToken, head: 2 * Math.min(targetRows, N) * cfg.vocabSize * cfg.hiddenSize };
}

const GGML_PROJ: Record<ProjectionName, ProjName> = { q_proj: 'q', k_proj: 'k', v_proj: 'v', o_proj: 'o', gate_proj: 'gate', up_proj: 'up', down_proj: 'down' };

function ggmlCore(input: TrainingEstimateInput, targets: ProjectionName[]): TrainingEstimate['bytes'] {
  const m = ggmlTrainingMemory({
    config: input.config,
    frozenType: input.weightFormat,
    adapter:
      input.method === 'lora'
        ? { method: 'lora', r: input.loraR, targets: targets.map((t) => GGML_PROJ[t]) }
        : {
            method: 'ptuning',
            prefixLen: input.prefixLen,
            projection: input.prefixProjection ?? false,
            ...(input.prefixHidden ? { encoderHidden: input.prefixHidden } : {}),
          },
    shape: { batch: input.batch, seqLen: input.seqLen, targetRows: input.targetRows ?? input.batch * input.seqLen },
    checkpointing: input.checkpointing,
    loraDropout: input.loraDropout,
  });
  // workspace: the graph's inputs (mask, one-hot label rows, dropout masks).
  const c = m.compute;
  return {
    weights: m.weights,
    adapter: m.adapter,
    optimizer: m.optimizer,
    activations: c.activations + c.backward,
    logits: c.head,
    workspace: c.inputs,
    total: m.total,
  };
}

function core(input: TrainingEstimateInput, targets: ProjectionName[]): TrainingEstimate['bytes'] {
  if (input.engine !== 'tfjs') return ggmlCore(input, targets);
  const cfg = input.config;
  const f32 = 4;
  const base = baseParamCount(cfg);
  // Norm/bias vectors stay float32 whatever the storage format of the matrices.
  const weights = base.matrices * BYTES_PER_WEIGHT[input.weightFormat] + base.vectors * f32;
  const trainable = trainableParamCount(cfg, input.method, input.loraR, targets, input.prefixLen);
  const ledger = new LayerLedger({
    config: cfg,
    method: input.method,
    targets,
    loraR: input.loraR,
    loraDropout: (input.loraDropout ?? 0) > 0 && input.method === 'lora',
    prefixLen: input.prefixLen,
    batch: input.batch,
    seqLen: input.seqLen,
    targetRows: input.targetRows ?? input.batch * input.seqLen,
    checkpointing: input.checkpointing,
  });
  const act = ledger.peak();
  // Adapter: parameters + this micro-batch's gradients + the accumulated sum of earlier micro-batches.
  const adapter = trainable * f32 * (2 + (input.gradAccum > 1 ? 1 : 0));
  const optimizer = 2 * trainable * f32; // AdamW m and v
  const activations = (act.saved + act.grads + act.lossSaved) * f32;
  const logits = act.logits * f32;
  const workspace = act.context * f32;
  return { weights, adapter, optimizer, activations, logits, workspace, total: weights + adapter + optimizer + activations + logits + workspace };
}

export function estimateTraining(input: TrainingEstimateInput): TrainingEstimate {
  const cfg = input.config;
  const targets = input.method === 'lora' ? resolveProjections(input.targets) : [];
  const bytes = core(input, targets);
  const base = baseParamCount(cfg);
  const trainable = trainableParamCount(cfg, input.method, input.loraR, targets, input.prefixLen);

  // Time: forward + dx through every layer (+ a recompute with checkpointing); the LM head runs three
  // [rows, V] products (forward logits, the backward recompute, p W).
  const timeSeq = Math.min(input.seqLen, input.timeSeqLen ?? input.seqLen);
  const targetFraction = (input.targetRows ?? input.batch * input.seqLen) / (input.batch * input.seqLen);
  const fwd = forwardFlops(cfg, input.method, input.loraR, targets, input.prefixLen, input.batch, timeSeq, Math.round(targetFraction * input.batch * timeSeq));
  const flopsPerStep = input.gradAccum * (fwd.layers * (input.checkpointing ? 3 : 2) + 3 * fwd.head);
  const out: TrainingEstimate = {
    bytes,
    trainableParams: trainable,
    baseParams: base.matrices + base.vectors,
    flopsPerStep,
    budgetBytes: input.budgetBytes,
    fits: bytes.total <= input.budgetBytes,
    suggestions: [],
  };
  if (input.flopsPerSecond && input.flopsPerSecond > 0) out.stepSeconds = flopsPerStep / input.flopsPerSecond;
  if (input.examples !== undefined) {
    out.stepsPerEpoch = Math.ceil(input.examples / (input.batch * input.gradAccum));
    out.tokensPerEpoch = input.examples * timeSeq;
    if (out.stepSeconds !== undefined) out.epochSeconds = out.stepsPerEpoch * out.stepSeconds;
  }
  if (!out.fits) out.suggestions = suggest(input, targets);
  return out;
}

function total(input: TrainingEstimateInput, targets: ProjectionName[]): number {
  return core(input, targets).total;
}

/** Single changes that shrink the estimate, each with its concrete value and whether it alone fits. */
function suggest(input: TrainingEstimateInput, targets: ProjectionName[]): PlannerSuggestion[] {
  const out: PlannerSuggestion[] = [];
  const budget = input.budgetBytes;
  const add = (key: SuggestionKey, changed: TrainingEstimateInput, value?: number) => {
    const t = total(changed, targets);
    out.push({ key, ...(value !== undefined ? { value } : {}), totalBytes: t, fits: t <= budget });
  };
  if (!input.checkpointing) add('gradient-checkpointing', { ...input, checkpointing: true });
  if (input.batch > 1) add('smaller-batch', { ...input, batch: 1, targetRows: undefined }, 1);
  // The longest max length (a multiple of 64, at least 64) that fits, else the shortest tried.
  let len = input.seqLen;
  let found: number | undefined;
  while (len > 64) {
    len = Math.max(64, Math.floor(len / 2 / 64) * 64 || 64);
    if (total({ ...input, seqLen: len, targetRows: undefined }, targets) <= budget) {
      found = len;
      break;
    }
  }
  if (input.seqLen > 64) add('shorter-max-len', { ...input, seqLen: found ?? 64, targetRows: undefined }, found ?? 64);
  if (input.weightFormat !== 'q4_0' && (input.weightFormatsAvailable ?? []).includes('q4_0')) add('weights-4bit', { ...input, weightFormat: 'q4_0' });
  // The smallest settings of all together still too big (or the weights alone fill the budget): a smaller model.
  const minimal = total({ ...input, batch: 1, seqLen: Math.min(input.seqLen, 64), checkpointing: true, targetRows: undefined }, targets);
  if (minimal > budget || core(input, targets).weights > 0.8 * budget) out.push({ key: 'smaller-model', totalBytes: minimal, fits: false });
  return out.sort((a, b) => Number(b.fits) - Number(a.fits) || a.totalBytes - b.totalBytes);
}
