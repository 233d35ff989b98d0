/**
 * The planner's memory estimate for the run the trainer is about to do, so the measured peak can be shown
 * beside it (and the estimator checked on every real run: the same model the wizard's Resources step uses). Unlike the wizard, which must assume max-len,
 * the trainer knows its data: the worst micro-batch is `batch` rows padded to the longest kept example
 * (max-len rows when packing), with at most the `batch` largest target counts as loss rows.
 */
import type { ModelConfig } from '../config/model-config';
import { estimateTraining } from '../planner/estimate-training';
import type { FrozenType } from '../planner/ggml-memory';
import type { PreparedExample } from './batching';
import type { TrainConfig } from './train-config';
import type { MemoryEstimate } from './train-events';

const targetCount = (ex: PreparedExample): number => ex.targets.reduce((n, t) => n + (t >= 0 ? 1 : 0), 0);

export interface MicroBatchShape {
  batch: number;
  seqLen: number;
  targetRows: number;
}

/** The largest micro-batch the run will see: `batch` rows of the longest kept example (max-len when packing). */
export function worstMicroBatch(cfg: TrainConfig, kept: PreparedExample[]): MicroBatchShape | undefined {
  if (!kept.length) return undefined;
  const batch = Math.min(cfg.batchSize, kept.length);
  // A loop, not Math.max(...list): spreading ~125k+ arguments throws RangeError in V8.
  const seqLen = cfg.packing ? cfg.maxLen : kept.reduce((m, e) => Math.max(m, e.ids.length), 0);
  const targetRows = cfg.packing
    ? batch * cfg.maxLen
    : kept
        .map(targetCount)
        .sort((a, b) => b - a)
        .slice(0, batch)
        .reduce((a, b) => a + b, 0);
  return { batch, seqLen, targetRows };
}

/** The planner's estimate for that micro-batch: of the ggml engine when `frozenType` is given (ggml-memory.ts), else of tfjs. */
export function runMemoryEstimate(
  cfg: TrainConfig,
  model: ModelConfig,
  kept: PreparedExample[],
  backend: string,
  frozenType?: FrozenType,
): MemoryEstimate | undefined {
  const worst = worstMicroBatch(cfg, kept);
  if (!worst) return undefined;
  const { batch, seqLen, targetRows } = worst;
  const est = estimateTraining({
    config: model,
    method: cfg.method,
    loraR: cfg.loraR,
    targets: cfg.loraTargets,
    loraDropout: cfg.loraDropout,
    prefixLen: cfg.prefixLen,
    prefixProjection: cfg.prefixProjection,
    ...(cfg.prefixHidden ? { prefixHidden: cfg.prefixHidden } : {}),
    batch,
    seqLen,
    targetRows,
    gradAccum: cfg.gradAccum,
    checkpointing: cfg.gradientCheckpointing,
    weightFormat: frozenType ?? 'f32',
    engine: frozenType ? 'ggml' : 'tfjs',
    backend,
    budgetBytes: Number.POSITIVE_INFINITY,
  });
  return { bytes: est.bytes.total, batch, seqLen };
}
