/**
 * The wizard's Resources step behind `planner.estimate`: the model's config from its folder, the
 * backend a run would get (probe), the device budget, the dataset's size and typical token length,
 * then the engine's estimateTraining: on ggml with the frozen-weight type the run would default to on
 * that budget (defaultFrozenType, as engine-node/open-train-engine.ts picks it), and 4-bit weights among
 * the suggestions. The budget: system memory for cpu, and for GPUs the memory the ggml device reports
 * (the probe); only when it reports none, the memory the user states (8 GiB assumed until they do).
 */
import { totalmem } from 'node:os';
import type { PlanRequest, PlanResult } from '../../../src-shared/dto/plan';
import { readModelConfig } from '../../engine-node/load-model';
import { estimateTraining } from '../../engine/planner/estimate-training';
import { defaultFrozenType, FROZEN_TYPES } from '../../engine/planner/ggml-memory';
import type { Db } from '../../store/db';
import { getDataset } from '../../store/queries/library';
import { probeBackend } from './backend-probe';
import type { ProbeResult } from './probe-result';

const GiB = 1024 ** 3;
export const ASSUMED_GPU_GIB = 8;

export function deviceBudget(backend: string | null, deviceMemoryGiB: number | undefined, systemBytes = totalmem(), reportedBytes = 0): PlanResult['budget'] {
  if (backend === 'cpu') return { bytes: systemBytes, source: 'system-memory' };
  if (reportedBytes > 0) return { bytes: reportedBytes, source: 'device-memory' };
  if (deviceMemoryGiB) return { bytes: deviceMemoryGiB * GiB, source: 'user-gpu-memory' };
  return { bytes: ASSUMED_GPU_GIB * GiB, source: 'assumed-gpu-memory' };
}

interface DatasetFacts {
  examples?: number;
  p95Tokens?: number;
}

function datasetFacts(db: Db, id: number | undefined): DatasetFacts {
  if (id === undefined) return {};
  const d = getDataset(db, id);
  if (!d) return {};
  const stats = (d.stats ?? {}) as { unit?: string; p95?: number; split?: { train?: number } | null };
  const train = typeof stats.split?.train === 'number' ? stats.split.train : d.examples;
  return { examples: train, ...(stats.unit === 'tokens' && typeof stats.p95 === 'number' ? { p95Tokens: stats.p95 } : {}) };
}

/**
 * Rows per micro-batch and micro-batches per optimiser step. SFT: the batch size and the accumulation.
 * GRPO: one prompt's G completions (each at most max-len tokens: prompt + completion) per micro-batch,
 * and batch size x accumulation prompts per step (grpo-loop.ts); the rollouts' KV cache and the
 * generation time are not in the estimate.
 */
function microBatches(req: PlanRequest): { batch: number; gradAccum: number } {
  if (!req.grpoGenerations) return { batch: req.batchSize, gradAccum: req.gradAccum };
  return { batch: req.grpoGenerations, gradAccum: req.batchSize * req.gradAccum };
}

export async function planRun(db: Db, req: PlanRequest, probe: (choice: string) => Promise<ProbeResult> = probeBackend): Promise<PlanResult> {
  const config = readModelConfig(req.modelPath);
  const probed = await probe(req.backend ?? 'auto');
  const backend = probed.ok ? probed.backend : null;
  const budget = deviceBudget(backend, req.deviceMemoryGiB, totalmem(), probed.ok ? probed.device?.memoryTotal : 0);
  const facts = datasetFacts(db, req.datasetId);
  const timeSeq = facts.p95Tokens ? Math.min(req.maxLen, Math.max(1, facts.p95Tokens)) : req.maxLen;
  // ggml picks the most precise type whose weights leave room to train.
  const frozenType = defaultFrozenType(config, budget.bytes);
  const { batch, gradAccum } = microBatches(req);
  const estimate = estimateTraining({
    config,
    method: req.method,
    loraR: req.loraR,
    targets: req.loraTargets,
    loraDropout: req.loraDropout,
    prefixLen: req.prefixLen,
    batch,
    seqLen: req.maxLen,
    gradAccum,
    checkpointing: req.gradientCheckpointing,
    weightFormat: frozenType,
    weightFormatsAvailable: FROZEN_TYPES,
    engine: 'ggml',
    backend: backend ?? 'unknown',
    budgetBytes: budget.bytes,
    ...(probed.ok ? { flopsPerSecond: probed.flopsPerSecond } : {}),
    ...(facts.examples !== undefined ? { examples: facts.examples } : {}),
    timeSeqLen: timeSeq,
  });
  return {
    backend: probed.ok ? { name: probed.backend, reason: probed.reason, ...(probed.device ? { device: probed.device.description } : {}) } : null,
    backendError: probed.ok ? null : probed.error,
    throughput: probed.ok ? { flopsPerSecond: probed.flopsPerSecond, matmulSize: probed.calibration.size } : null,
    budget,
    frozenWeights: frozenType,
    seqLen: { memory: req.maxLen, time: timeSeq, timeSource: facts.p95Tokens ? 'dataset-p95-tokens' : 'max-len' },
    estimate: {
      bytes: estimate.bytes,
      trainableParams: estimate.trainableParams,
      baseParams: estimate.baseParams,
      flopsPerStep: estimate.flopsPerStep,
      ...(estimate.stepSeconds !== undefined ? { stepSeconds: estimate.stepSeconds } : {}),
      ...(estimate.stepsPerEpoch !== undefined ? { stepsPerEpoch: estimate.stepsPerEpoch } : {}),
      ...(estimate.epochSeconds !== undefined ? { epochSeconds: estimate.epochSeconds } : {}),
      ...(estimate.tokensPerEpoch !== undefined ? { tokensPerEpoch: estimate.tokensPerEpoch } : {}),
      fits: estimate.fits,
      // A GRPO micro-batch is one prompt's group: a smaller batch size would not make it smaller.
      suggestions: req.grpoGenerations ? estimate.suggestions.filter((x) => x.key !== 'smaller-batch') : estimate.suggestions,
    },
  };
}
