/**
 * The memory of a training step measured on ggml's own graph, without loading the model: the frozen
 * weights are declared with no data (FrozenWeights.placeholder), the adapter and its optimiser state
 * are allocated as a run allocates them, and ggml_gallocr sizes the compute buffer of the worst
 * micro-batch's graph (nothing computed). The memory planner (engine/planner/ggml-memory.ts) is
 * checked against this, and this against the measured peak of real runs (scripts/bench/plan-memory.ts).
 * Runs ggml, so only in child processes (a failed GGML_ASSERT aborts).
 */
import type { ModelConfig } from '../config/model-config';
import type { ComputeBackend } from '../ggml/backend';
import { initPrefixHost } from '../train/prefix-tuning';
import { Rng } from '../train/rng';
import type { MicroBatchShape } from '../train/memory-estimate';
import { projShape, type GgmlAdapter } from '../planner/ggml-memory';
import { FrozenWeights, PROJ_NAMES, type FrozenType } from './frozen-weights';
import { GgmlLoraTrainer, type HostLoraModule, type HostPrefix } from './lora-trainer';

export interface MeasuredMemory {
  weights: number;
  /** LoRA/prefix parameters, gradient accumulators and both AdamW moments (F32). */
  adapter: number;
  /** ggml_gallocr's compute buffer for the step's graph. */
  compute: number;
  total: number;
}

export async function measureTrainingMemory(
  backend: ComputeBackend,
  cfg: ModelConfig,
  type: FrozenType,
  adapter: GgmlAdapter,
  shape: MicroBatchShape,
  checkpointing: boolean,
  loraDropout = 0,
): Promise<MeasuredMemory> {
  const frozen = FrozenWeights.placeholder(cfg, backend, type);
  let trainer: GgmlLoraTrainer | undefined;
  try {
    const modules: HostLoraModule[] = [];
    let prefix: HostPrefix | undefined;
    if (adapter.method === 'lora') {
      for (let layer = 0; layer < cfg.numLayers; layer++) {
        for (const proj of PROJ_NAMES.filter((p) => adapter.targets.includes(p))) {
          const [outDim, inDim] = projShape(cfg, proj);
          const r = adapter.r;
          modules.push({
            key: `layers.${layer}.${proj}`,
            layer,
            proj,
            r,
            inDim,
            outDim,
            scale: 1,
            a: new Float32Array(r * inDim),
            b: new Float32Array(outDim * r),
          });
        }
      }
    } else {
      const spec = { numVirtualTokens: adapter.prefixLen, projection: adapter.projection, encoderHidden: adapter.encoderHidden ?? cfg.hiddenSize };
      prefix = { numVirtualTokens: spec.numVirtualTokens, projection: spec.projection, params: initPrefixHost(cfg, spec, new Rng(0)) };
    }
    trainer = new GgmlLoraTrainer(backend, frozen, modules, adapter.method === 'lora' ? loraDropout : 0, prefix);
    const p = await trainer.estimateParts(shape.batch, shape.seqLen, shape.targetRows, checkpointing);
    return { weights: p.frozen, adapter: p.adapter, compute: p.compute, total: p.frozen + p.adapter + p.compute };
  } finally {
    trainer?.dispose();
    frozen.dispose();
  }
}
