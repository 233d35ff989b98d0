/**
 * The ggml engine behind the training loop's TrainEngine interface: LoRA on frozen weights in
 * f32/f16/q8_0/q4_0 (frozen-weights.ts), the hand-written backward (decoder-backward.ts) and AdamW
 * on the device (lora-trainer.ts). Checkpoint names and PEFT files are the same as the tfjs engine's,
 * so a run's files do not say which engine wrote them.
 */
import type { ComputeBackend } from '../ggml/backend';
import type { AdamWState } from '../optim/adamw';
import type { Batch } from '../train/batching';
import { loraAdapterFilesOf, type AdapterFiles } from '../train/peft-files';
import type { StepResult, TrainEngine } from '../train/train-engine';
import type { StoredTensor } from '../train/train-io';
import type { FrozenType, FrozenWeights } from './frozen-weights';
import { GgmlLoraTrainer, type HostLoraModule, type HostPrefix } from './lora-trainer';
import { prefixFlatHost } from '../train/prefix-tuning';
import { prefixAdapterFilesOf } from '../train/peft-files';

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

  /** Greedy, one full forward per token (the training graph has no KV cache). */
  async sample(promptIds: number[], maxNewTokens: number, eosIds: number[]): Promise<number[]> {
    const ids = [...promptIds];
    const out: number[] = [];
    for (let i = 0; i < maxNewTokens; i++) {
      const logits = await this.trainer.lastLogits(ids);
      let best = 0;
      for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
      out.push(best);
      if (eosIds.includes(best)) break;
      ids.push(best);
    }
    return out;
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
    this.trainer.dispose();
    this.frozen.dispose();
    this.backend.dispose();
  }
}
