/**
 * An out-of-memory failure of a run, told with the memory planner's concrete way out: the same changes
 * the wizard's Resources step lists (gradient checkpointing, a shorter max length, a smaller batch,
 * 4-bit frozen weights, a smaller model), each with the estimated total it gives. The message is the CLI's one line; the
 * structured `options` are what the dashboard shows in the user's language.
 */
import { readModelConfig } from './load-model';
import { estimateTraining } from '../engine/planner/estimate-training';
import { defaultFrozenType, FROZEN_TYPES } from '../engine/planner/ggml-memory';
import type { TrainConfig } from '../engine/train/train-config';
import type { MemoryOption, SerializedError } from '../errors';
import { deviceBudget } from '../workers/planner/plan-run';
import { trainingShape } from './run-training';

const gib = (bytes: number): string => `~${(bytes / 2 ** 30).toFixed(1)} GiB`;

function describe(o: MemoryOption, cfg: TrainConfig): string {
  switch (o.key) {
    case 'gradient-checkpointing':
      return `--gradient-checkpointing (${gib(o.totalBytes)})`;
    case 'shorter-max-len':
      return `--max-len ${o.value} (${gib(o.totalBytes)})`;
    case 'smaller-batch':
      return `--batch-size ${o.value} --grad-accum ${Math.max(1, Math.round((cfg.batchSize * cfg.gradAccum) / (o.value ?? 1)))} (${gib(o.totalBytes)})`;
    case 'weights-4bit':
      return `--weights q4 (${gib(o.totalBytes)})`;
    case 'smaller-model':
      return 'a smaller model';
  }
}

/**
 * The planner's options for a run that ran out of memory on `backend` (best first): the ggml engine
 * with the frozen-weight type the run used or would default to.
 */
export function memoryOptions(cfg: TrainConfig, backend: string | null): MemoryOption[] {
  const config = readModelConfig(cfg.model);
  const budget = deviceBudget(backend, undefined).bytes;
  const weightFormat = cfg.frozenWeights ?? defaultFrozenType(config, budget);
  const input = {
    ...trainingShape(cfg),
    config,
    engine: 'ggml' as const,
    weightFormat,
    weightFormatsAvailable: FROZEN_TYPES,
    backend: backend ?? 'cpu',
    budgetBytes: budget,
  };
  const planned = estimateTraining(input);
  // It ran out, so what it really had was less than the estimate, whatever the nominal budget says.
  const budgetBytes = Math.min(input.budgetBytes, planned.bytes.total - 1);
  return estimateTraining({ ...input, budgetBytes }).suggestions.map(({ key, value, totalBytes }) => ({
    key,
    ...(value !== undefined ? { value } : {}),
    totalBytes,
  }));
}

export function outOfMemoryError(err: SerializedError, cfg: TrainConfig, backend: string | null, step: number | null): SerializedError {
  let options: MemoryOption[] = [];
  try {
    options = memoryOptions(cfg, backend);
  } catch {
    // No planner figures (e.g. the model folder went away): the kind and the cause still go out.
  }
  const cause = err.message.split('\n')[0];
  const where = `${backend ? ` on ${backend}` : ''}${step ? ` after step ${step}` : ''}`;
  const tries = options.length
    ? ` — the memory planner's options: ${options.map((o) => describe(o, cfg)).join(', ')}`
    : ' — lower --batch-size or --max-len, or turn on --gradient-checkpointing';
  return { name: 'OutOfMemory', kind: 'oom', message: `out of memory${where} (${cause})${tries}`, options };
}
