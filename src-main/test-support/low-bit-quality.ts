/**
 * Measures what low-bit frozen weights cost in quality, for `npm run bench:quality` and for the test
 * that holds the measured tolerances (engine/ggml-train/low-bit-quality.test.ts):
 * - on the shared fixture (tiny-qwen2 + its PEFT adapter, transformers + peft in float64): the SFT
 *   loss, every LoRA gradient, the global norm and the losses before three AdamW steps;
 * - on a small real run: LoRA through runTraining on the project's tiny model and learning dataset,
 *   one of the eight question frames held out for the validation loss.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openWeightStore, readLoraAdapterHost, readModelConfig } from '../engine-node/load-model';
import { FrozenWeights, type FrozenType } from '../engine/ggml-train/frozen-weights';
import { hostLoraOf } from '../engine/ggml-train/from-host-model';
import { GgmlLoraTrainer } from '../engine/ggml-train/lora-trainer';
import { collate, shiftLabels } from '../engine/train/batching';
import { TRAIN_DEFAULTS } from '../engine/train/train-config';
import type { TrainEvent } from '../engine/train/train-events';
import { readSafetensorsFile } from '../engine-node/read-safetensors';
import { runTraining } from '../engine-node/run-training';
import { testBackend } from './ggml';
import { learningChats } from './learning-data';
import { tinyQwen2Adapter, tinyQwen2Dir, tinyQwen2Model } from './paths';
import { writeTinyModel } from './tiny-model';

export interface FixtureQuality {
  type: FrozenType;
  loss: number;
  lossRelError: number;
  gradNorm: number;
  gradNormRelError: number;
  /** max over tensors of max |g - ref| / max |ref|: the gradient error on the tensor's own scale. */
  worstGradError: number;
  adamwLosses: number[];
  adamwLossRelError: number;
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

/** The fixture's SFT sample, its gradients and three AdamW steps on `type` frozen weights (cpu). */
export async function fixtureQuality(type: FrozenType): Promise<FixtureQuality> {
  const goldens = JSON.parse(readFileSync(join(tinyQwen2Dir, 'goldens.json'), 'utf8'));
  const config = readModelConfig(tinyQwen2Model);
  const lora = hostLoraOf(await readLoraAdapterHost(tinyQwen2Adapter, config));
  const batch = collate([[{ ids: goldens.sft.ids, targets: shiftLabels(goldens.sft.labels), source: 0 }]], 0, false);
  const want = await readSafetensorsFile(join(tinyQwen2Dir, 'lora_grads.safetensors'));
  const { store, close } = await openWeightStore(tinyQwen2Model);
  const { backend } = testBackend('cpu');
  const frozen = await FrozenWeights.load(store, config, backend, type);
  close();
  const trainer = new GgmlLoraTrainer(backend, frozen, lora);
  try {
    const res = await trainer.lossAndGrads([batch], [0]);
    let worstGradError = 0;
    for (const [name, got] of trainer.readGrads()) {
      const ref = want.get(name)!.data;
      let scale = 0;
      let err = 0;
      for (let i = 0; i < got.length; i++) {
        scale = Math.max(scale, Math.abs(ref[i]));
        err = Math.max(err, Math.abs(got[i] - ref[i]));
      }
      worstGradError = Math.max(worstGradError, err / scale);
    }
    const gradNorm = await trainer.gradNorm();
    const hp = goldens.adapter.adamw;
    const adamwLosses: number[] = [];
    for (let s = 0; s < 3; s++) {
      if (s > 0) adamwLosses.push((await trainer.lossAndGrads([batch], [0])).loss);
      else adamwLosses.push(res.loss);
      await trainer.adamwStep({ lr: hp.lr, beta1: hp.betas[0], beta2: hp.betas[1], eps: hp.eps, weightDecay: hp.weight_decay });
    }
    return {
      type,
      loss: res.loss,
      lossRelError: rel(res.loss, goldens.adapter.sft_loss),
      gradNorm,
      gradNormRelError: rel(gradNorm, goldens.adapter.grad_global_norm),
      worstGradError,
      adamwLosses,
      adamwLossRelError: Math.max(...adamwLosses.map((l, i) => rel(l, hp.losses_before_each_step[i]))),
    };
  } finally {
    trainer.dispose();
    frozen.dispose();
    backend.dispose();
  }
}

export interface TrainingQuality {
  type: FrozenType;
  seed: number;
  /** Training loss of every optimiser step. */
  losses: number[];
  /** Mean loss over the held-out chats after the last step. */
  evalLoss: number;
}

/** Held out for validation: the last of the eight question frames, in all four topics. */
const HELD_OUT = 4;

/**
 * LoRA (all-linear, r 8, lr 1e-2, batch 4, constant schedule) on the tiny model with `type` frozen
 * weights, on 28 learning chats; the validation loss on the 4 held out. The seed sets the LoRA init
 * and the data order, so several seeds give the run-to-run spread a type's gap must be read against.
 * Writes under `root`.
 */
export async function trainingQuality(type: FrozenType, root: string, opts: { epochs: number; seed: number }): Promise<TrainingQuality> {
  const modelDir = join(root, 'tiny');
  writeTinyModel(modelDir);
  const chats = learningChats().map((c) => JSON.stringify(c));
  const data = join(root, 'train.jsonl');
  const val = join(root, 'val.jsonl');
  writeFileSync(data, chats.slice(0, -HELD_OUT).join('\n') + '\n');
  writeFileSync(val, chats.slice(-HELD_OUT).join('\n') + '\n');
  const events: TrainEvent[] = [];
  await runTraining(
    {
      ...TRAIN_DEFAULTS,
      model: modelDir,
      data,
      valData: val,
      valSplit: 0,
      out: join(root, `lora-${type}-${opts.seed}`),
      method: 'lora',
      loraTargets: 'all-linear',
      loraR: 8,
      loraAlpha: 16,
      loraDropout: 0,
      lr: 1e-2,
      batchSize: 4,
      scheduler: 'constant',
      epochs: opts.epochs,
      seed: opts.seed,
    },
    { emit: (e) => events.push(e) },
    { backend: 'cpu', weights: type },
  );
  const losses = events.flatMap((e) => (e.type === 'step' ? [e.loss] : []));
  const evals = events.flatMap((e) => (e.type === 'eval' ? [e.loss] : []));
  if (!evals.length) throw new Error(`the ${type} run reported no validation loss`);
  return { type, seed: opts.seed, losses, evalLoss: evals.at(-1)! };
}
