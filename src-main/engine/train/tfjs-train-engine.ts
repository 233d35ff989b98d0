/**
 * The tfjs engine behind the TrainEngine interface: tfjs autodiff over models/causal-lm.ts, AdamW in
 * optim/adamw.ts. It still carries P-Tuning v2 (prefix) training and the webgpu/wasm backends until
 * the ggml engine has them (docs/ARCHITECTURE.md, "What still runs on tfjs").
 */
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../../errors';
import { generateAsync } from '../generate/tfjs-generate';
import type { CausalLM } from '../models/causal-lm';
import { AdamW, type AdamWState } from '../optim/adamw';
import { globalNorm } from '../optim/clip';
import { MemoryWatermark } from '../planner/peak-memory';
import { adapterFiles, adapterForwardOptions, countParams, disposeAdapter, trainableParams, type AdapterUnderTraining } from './adapter-under-training';
import type { Batch } from './batching';
import type { AdapterFiles } from './peft-files';
import { evalLossAsync, lossAndGradsAsync } from './step';
import type { StepResult, TrainEngine } from './train-engine';
import type { StoredTensor } from './train-io';

export class TfjsTrainEngine implements TrainEngine {
  readonly label: string;
  readonly paramShapes: Map<string, number[]>;
  private readonly opt: AdamW;
  private grads: Record<string, tf.Tensor> = {};
  private watermark?: MemoryWatermark;

  constructor(
    private readonly model: CausalLM,
    private readonly adapter: AdapterUnderTraining,
    weightDecay: number,
  ) {
    this.label = `tfjs ${tf.getBackend()}`;
    const params = trainableParams(adapter);
    this.paramShapes = new Map([...params].map(([k, v]) => [k, v.shape]));
    this.opt = new AdamW(params, { weightDecay });
  }

  /** From here on every tensor buffer is counted (the run's measured peak). */
  startMeasuring(): void {
    this.watermark = new MemoryWatermark();
  }

  countParams(): number {
    return countParams(this.adapter);
  }

  private dropGrads(): void {
    for (const g of Object.values(this.grads)) g.dispose();
    this.grads = {};
  }

  async lossAndGrads(micro: Batch[], dropoutSeeds: number[], checkpointing: boolean): Promise<StepResult> {
    this.dropGrads();
    const res = await lossAndGradsAsync(this.model, this.adapter, micro, dropoutSeeds, checkpointing);
    this.grads = res.grads;
    return { loss: res.loss, targets: res.targets, tokens: res.tokens };
  }

  gradNorm(): Promise<number> {
    return globalNorm(this.grads);
  }

  async applyStep(lr: number, gradScale: number): Promise<void> {
    let grads = this.grads;
    let scaled: Record<string, tf.Tensor> | undefined;
    if (gradScale !== 1) {
      scaled = {};
      for (const [name, g] of Object.entries(grads)) scaled[name] = tf.tidy(() => tf.mul(g, tf.scalar(gradScale)));
      grads = scaled;
    }
    try {
      this.opt.apply(grads, lr);
    } finally {
      if (scaled) for (const g of Object.values(scaled)) g.dispose();
      this.dropGrads();
    }
  }

  evalLoss(batches: Batch[], breathe?: () => Promise<void>): Promise<{ sum: number; count: number }> {
    return evalLossAsync(this.model, this.adapter, batches, breathe);
  }

  async sample(promptIds: number[], maxNewTokens: number, eosIds: number[]): Promise<number[]> {
    const fo = adapterForwardOptions(this.adapter, this.model.config, 1);
    try {
      return (await generateAsync(this.model, promptIds, { adapters: fo.adapters, prefix: fo.prefix, maxNewTokens, sampling: { greedy: true }, eosTokenIds: eosIds })).ids;
    } finally {
      fo.release();
    }
  }

  async readParams(): Promise<Map<string, StoredTensor>> {
    const out = new Map<string, StoredTensor>();
    for (const [k, v] of trainableParams(this.adapter)) out.set(k, { shape: v.shape, data: Float32Array.from((await v.data()) as Float32Array) });
    return out;
  }

  optimizerState(): Promise<AdamWState> {
    return this.opt.getState();
  }

  restore(params: Map<string, StoredTensor>, opt: AdamWState, where: string): void {
    for (const [name, v] of trainableParams(this.adapter)) {
      const t = params.get(name);
      if (!t) throw new UserError(`checkpoint has no tensor ${name}`, { where });
      tf.tidy(() => v.assign(tf.tensor(t.data, v.shape)));
    }
    this.opt.setState(opt);
  }

  adapterFiles(baseModel: string): Promise<AdapterFiles> {
    return adapterFiles(this.adapter, this.model.config, baseModel);
  }

  peakBytes(): number {
    return this.watermark?.read().bufferBytes ?? 0;
  }

  dispose(): void {
    this.watermark?.stop();
    this.dropGrads();
    this.opt.dispose();
    disposeAdapter(this.adapter);
    this.model.dispose();
  }
}
