/**
 * The ggml engine behind the training loop's TrainEngine interface: LoRA on frozen weights in
 * f32/f16/q8_0/q4_0 (frozen-weights.ts), the hand-written backward (decoder-backward.ts) and AdamW
 * on the device (lora-trainer.ts). Checkpoint names and PEFT files are the same as the tfjs engine's,
 * so a run's files do not say which engine wrote them.
 */
import type { ComputeBackend } from '../ggml/backend';
import type { AdamWState } from '../optim/adamw-state';
import type { Batch } from '../train/batching';
import { loraAdapterFilesOf, type AdapterFiles } from '../train/peft-files';
import type { StepResult, TrainEngine } from '../train/train-engine';
import type { StoredTensor } from '../train/train-io';
import type { FrozenType, FrozenWeights } from './frozen-weights';
import { GgmlLoraTrainer, type HostLoraModule, type HostPrefix } from './lora-trainer';
import { prefixFlatHost } from '../train/prefix-tuning';
import { prefixAdapterFilesOf } from '../train/peft-files';
import { GgmlCausalLM, type HostPrefix as DecoderPrefix } from '../ggml/causal-lm';
import { generateBatchGgml, generateGgml } from '../ggml/generate';
import { hostPrefixOfFlat } from '../ggml/prefix-kv';
import type { GrpoEngine, GrpoSampling } from '../train/grpo/grpo-engine';

export interface LoraRunSpec {
  r: number;
  alpha: number;
  dropout: number;
  useRslora: boolean;
  targetModules: string[];
  weightDecay: number;
}

/** P-Tuning v2: what peft's adapter_config.json records, plus the optimiser's weight decay. */
export interface PrefixRunSpec {
  prefix: HostPrefix & { encoderHidden: number };
  weightDecay: number;
}

const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export class GgmlTrainEngine implements TrainEngine {
  readonly label: string;
  readonly frozenType: FrozenType;
  readonly paramShapes = new Map<string, number[]>();
  private readonly trainer: GgmlLoraTrainer;
  private policy?: GgmlCausalLM;
  private reference?: GgmlCausalLM;
  readonly grpo?: GrpoEngine;

  constructor(
    private readonly backend: ComputeBackend,
    private readonly frozen: FrozenWeights,
    modules: HostLoraModule[],
    private readonly spec: LoraRunSpec | PrefixRunSpec,
  ) {
    this.label = `ggml ${backend.name} (${frozen.type} frozen weights)`;
    this.frozenType = frozen.type;
    const prefix = 'prefix' in spec ? spec.prefix : undefined;
    this.trainer = new GgmlLoraTrainer(backend, frozen, modules, 'dropout' in spec ? spec.dropout : 0, prefix);
    for (const m of modules) {
      this.paramShapes.set(`base_model.model.model.${m.key}.lora_A.weight`, [m.r, m.inDim]);
      this.paramShapes.set(`base_model.model.model.${m.key}.lora_B.weight`, [m.outDim, m.r]);
    }
    for (const [name, t] of prefix?.params ?? []) this.paramShapes.set(name, t.shape);
    if (!prefix) this.grpo = this.grpoCalls();
  }

  /**
   * GRPO on the trainer's own tensors. Rollouts: the G completions of a prompt decode together as one
   * batch on the KV-cached policy decoder (policyModel: the frozen weights plus the live LoRA), row i
   * seeded with seed + i, so row i is token for token the sequence a one-at-a-time generation with
   * that seed gives (generate-batch.ts). Log-probs and gradients: the training graph (batched rows,
   * the adapter switched off for the reference, which is referenceModel's distribution).
   */
  private grpoCalls(): GrpoEngine {
    const trainer = this.trainer;
    return {
      sampleCompletions: async (promptIds: number[], n: number, o: GrpoSampling): Promise<number[][]> => {
        const sampling = Array.from({ length: n }, (_, i) => ({
          greedy: false as const,
          temperature: o.temperature,
          topK: o.topK,
          topP: o.topP,
          seed: (o.seed + i) >>> 0,
        }));
        const prompts = Array.from({ length: n }, () => promptIds);
        const rows = await generateBatchGgml(this.policyModel(), prompts, { maxNewTokens: o.maxNewTokens, sampling, eosTokenIds: o.eosIds });
        return rows.map((r) => r.ids);
      },
      targetLogProbs: (batch, reference) => trainer.targetLogProbs(batch, reference),
      weightedGrads: (batches) => trainer.weightedGrads(batches),
    };
  }

  countParams(): number {
    let n = 0;
    for (const s of this.paramShapes.values()) n += s[0] * s[1];
    return n;
  }

  lossAndGrads(micro: Batch[], dropoutSeeds: number[], checkpointing: boolean): Promise<StepResult> {
    return this.trainer.lossAndGrads(micro, dropoutSeeds, checkpointing);
  }

  gradNorm(): Promise<number> {
    return this.trainer.gradNorm();
  }

  applyStep(lr: number, gradScale: number): Promise<void> {
    return this.trainer.adamwStep({ lr, ...ADAM, weightDecay: this.spec.weightDecay }, gradScale);
  }

  evalLoss(batches: Batch[], breathe?: () => Promise<void>): Promise<{ sum: number; count: number }> {
    return this.trainer.evalLoss(batches, breathe);
  }

  /**
   * The model being trained, as a KV-cached inference decoder over the same device tensors: the
   * frozen weights and the live LoRA A/B (no copies; it sees every step as it lands). For P-Tuning v2
   * the prefix is host data: pass `prefixOfParams()` to the generation.
   */
  policyModel(): GgmlCausalLM {
    this.policy ??= new GgmlCausalLM(this.frozen.asDecoderWeights(), this.backend, { lora: this.trainer.loraPairs() });
    return this.policy;
  }

  /** The base model without the adapter (GRPO's reference policy). */
  referenceModel(): GgmlCausalLM {
    this.reference ??= new GgmlCausalLM(this.frozen.asDecoderWeights(), this.backend);
    return this.reference;
  }

  /** P-Tuning v2's current prefix keys/values (undefined for LoRA). */
  prefixOfParams(): DecoderPrefix | undefined {
    if (!('prefix' in this.spec)) return undefined;
    const { numVirtualTokens, projection, encoderHidden } = this.spec.prefix;
    const flat = prefixFlatHost({ numVirtualTokens, projection, encoderHidden }, this.shaped(this.trainer.readParams()));
    const cfg = this.frozen.config;
    return hostPrefixOfFlat(flat.data, numVirtualTokens, cfg.numLayers, cfg.numKvHeads * cfg.headDim);
  }

  /** Greedy continuation with the adapter applied, KV-cached (live samples). */
  async sample(promptIds: number[], maxNewTokens: number, eosIds: number[]): Promise<number[]> {
    const res = await generateGgml(this.policyModel(), promptIds, {
      maxNewTokens,
      eosTokenIds: eosIds,
      sampling: { greedy: true },
      prefix: this.prefixOfParams(),
    });
    return res.ids;
  }

  private shaped(values: Map<string, Float32Array>): Map<string, StoredTensor> {
    return new Map([...values].map(([k, data]) => [k, { shape: this.paramShapes.get(k)!, data }]));
  }

  async readParams(): Promise<Map<string, StoredTensor>> {
    return this.shaped(this.trainer.readParams());
  }

  async optimizerState(): Promise<AdamWState> {
    const { t, moments } = this.trainer.readOptimizerState();
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    for (const name of this.paramShapes.keys()) {
      m[name] = moments.get(`${name}.m`)!;
      v[name] = moments.get(`${name}.v`)!;
    }
    return { step: t, m, v };
  }

  restore(params: Map<string, StoredTensor>, opt: AdamWState): void {
    const moments = new Map<string, Float32Array>();
    for (const name of this.paramShapes.keys()) {
      moments.set(`${name}.m`, opt.m[name]);
      moments.set(`${name}.v`, opt.v[name]);
    }
    this.trainer.writeState(new Map([...params].map(([k, t]) => [k, t.data])), { t: opt.step, moments });
  }

  async adapterFiles(baseModel: string): Promise<AdapterFiles> {
    const tensors = [...this.trainer.readParams()].map(([name, data]) => ({ name, shape: this.paramShapes.get(name)!, data }));
    if ('prefix' in this.spec) {
      const { numVirtualTokens, projection, encoderHidden } = this.spec.prefix;
      const spec = { numVirtualTokens, projection, encoderHidden };
      const flat = prefixFlatHost(spec, new Map(tensors.map((t) => [t.name, t])));
      return prefixAdapterFilesOf(flat, spec, this.frozen.config, baseModel);
    }
    const { r, alpha, dropout, useRslora, targetModules } = this.spec;
    return loraAdapterFilesOf(tensors, { r, alpha, dropout, useRslora, targetModules }, baseModel);
  }

  peakBytes(): number {
    return this.trainer.peakBytes;
  }

  dispose(): void {
    this.policy?.dispose();
    this.reference?.dispose();
    this.trainer.dispose();
    this.frozen.dispose();
    this.backend.dispose();
  }
}
