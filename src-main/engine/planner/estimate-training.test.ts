/**
 * The planner against reality: one real training step (lossAndGrads + AdamW update, as train-loop.ts
 * runs it) of small synthetic Qwen2 models on the cpu backend, with the peak of tfjs memory measured
 * around it (peak-memory.ts), compared with estimateTraining for the same shapes. Also the planner's
 * own logic: fits/suggestions, checkpointing and 4-bit weights shrinking the estimate, step time from
 * a measured throughput only.
 */
import { modelTensors } from '../models/model-weights';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerGradients } from '../../engine-node/register-gradients';
import { loadModelFromDir } from '../../engine-node/load-tfjs-model';
import { tempDir } from '../../test-support/paths';
import { writeTinyModel, type TinyModelOptions } from '../../test-support/tiny-model';
import type { CausalLM } from '../models/causal-lm';
import type { ModelConfig } from '../config/model-config';
import { collate, type PreparedExample } from '../train/batching';
import { createLora } from '../train/lora-params';
import { createPrefix } from '../train/tfjs-prefix';
import { Rng } from '../train/rng';
import { lossAndGrads } from '../train/step';
import { disposeAdapter, trainableParams, type AdapterUnderTraining } from '../train/adapter-under-training';
import { AdamW } from '../optim/adamw';
import { estimateTraining, type TrainingEstimateInput } from './estimate-training';
import { measurePeak } from './peak-memory';

/** Asserted tolerance; the worst error measured when this was written was 1.2% (printed by the test). */
const TOLERANCE = 0.05;

const root = tempDir();
const models = new Map<string, CausalLM>();

async function model(name: string, opts: TinyModelOptions): Promise<CausalLM> {
  let m = models.get(name);
  if (!m) {
    m = await loadModelFromDir(writeTinyModel(join(root, name), opts));
    models.set(name, m);
  }
  return m;
}

before(async () => {
  await registerGradients();
  await tf.setBackend('cpu');
});
after(() => {
  for (const m of models.values()) m.dispose();
});

function rows(batch: number, len: number, promptLen: number, seed: number): PreparedExample[][] {
  const rng = new Rng(seed);
  return Array.from({ length: batch }, (_, b) => {
    const ids = Array.from({ length: len }, () => rng.nextInt(256));
    const targets = ids.map((_, t) => (t + 1 < len && t + 1 >= promptLen ? ids[t + 1] : -100));
    return [{ ids, targets, source: b }];
  });
}

interface Case {
  name: string;
  model: TinyModelOptions;
  method: 'lora' | 'ptuning';
  targets: string[] | 'all-linear';
  r: number;
  dropout: number;
  prefixLen: number;
  batch: number;
  seqLen: number;
  checkpointing: boolean;
}

function adapterFor(c: Case, cfg: ModelConfig): AdapterUnderTraining {
  if (c.method === 'ptuning')
    return { method: 'ptuning', prefix: createPrefix(cfg, { numVirtualTokens: c.prefixLen, projection: false, encoderHidden: cfg.hiddenSize }, new Rng(2)) };
  const spec = { r: c.r, alpha: 2 * c.r, dropout: c.dropout, useRslora: false };
  return { method: 'lora', lora: createLora(cfg, { ...spec, targets: c.targets }, new Rng(1)), spec };
}

interface Measured {
  measured: number;
  measuredNumBytes: number;
  estimated: number;
  ratio: number;
  /** Activation part alone: the step's growth over what lived before it vs the estimate without weights/params/moments. */
  activationRatio: number;
}

async function measureCase(c: Case): Promise<Measured> {
  const m = await model(JSON.stringify(c.model), c.model);
  const adapter = adapterFor(c, m.config);
  const opt = new AdamW(trainableParams(adapter), { weightDecay: 0.01 });
  const batch = collate(rows(c.batch, c.seqLen, 4, 5), 0, false);
  // Everything alive before the step that is not this model/adapter/optimizer (other cases' models).
  const others = [...models.values()].filter((x) => x !== m).reduce((n, x) => n + modelBytes(x), 0);
  const numTensorsBefore = tf.memory().numTensors;
  const peak = await measurePeak(() => {
    const res = lossAndGrads(m, adapter, [batch], [3], c.checkpointing);
    opt.apply(res.grads, 1e-3);
    for (const g of Object.values(res.grads)) g.dispose();
  });
  assert.equal(tf.memory().numTensors, numTensorsBefore, 'the step leaves no tensors behind');
  opt.dispose();
  disposeAdapter(adapter);
  const input: TrainingEstimateInput = {
    config: m.config,
    method: c.method,
    loraR: c.r,
    targets: c.targets,
    loraDropout: c.dropout,
    prefixLen: c.prefixLen,
    batch: c.batch,
    seqLen: c.seqLen,
    gradAccum: 1,
    checkpointing: c.checkpointing,
    weightFormat: 'f32',
    engine: 'tfjs',
    backend: 'cpu',
    targetRows: batch.numTargets,
    budgetBytes: 1 << 30,
  };
  const est = estimateTraining(input);
  // The estimate has no accumulated-gradient copy at gradAccum 1; measured minus other models' weights.
  const measured = peak.bufferBytes - others;
  const params = est.trainableParams * 4;
  const estGrowth = est.bytes.total - est.bytes.weights - params * 3; // minus parameters, m and v, which lived before
  const activationRatio = estGrowth / (peak.bufferBytes - peak.startBufferBytes);
  return { measured, measuredNumBytes: peak.numBytes - others, estimated: est.bytes.total, ratio: est.bytes.total / measured, activationRatio };
}

function modelBytes(m: CausalLM): number {
  let n = 0;
  for (const t of modelTensors(m.weights)) n += t.size * 4; // float32
  return n;
}

const base: Case = {
  name: '',
  model: { hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 160 },
  method: 'lora',
  targets: ['q_proj', 'v_proj'],
  r: 8,
  dropout: 0,
  prefixLen: 0,
  batch: 2,
  seqLen: 48,
  checkpointing: false,
};
const CASES: Case[] = [
  { ...base, name: 'lora q,v r8, B2 T48' },
  { ...base, name: 'lora all-linear r4 dropout 0.1, B1 T64', targets: 'all-linear', r: 4, dropout: 0.1, batch: 1, seqLen: 64 },
  { ...base, name: 'lora q,v + checkpointing, 4 layers, B2 T48', model: { ...base.model, layers: 4 }, checkpointing: true },
  {
    ...base,
    name: 'lora q,v, MHA (no GQA), 3 layers, B3 T32',
    model: { hidden: 64, layers: 3, heads: 4, kvHeads: 4, intermediate: 128 },
    batch: 3,
    seqLen: 32,
  },
  { ...base, name: 'p-tuning prefix 16, B2 T40', method: 'ptuning', targets: [], prefixLen: 16, seqLen: 40 },
];

test('the estimate matches the measured peak of one real cpu training step', async () => {
  const ratios: string[] = [];
  let worst = 0;
  for (const c of CASES) {
    const r = await measureCase(c);
    const err = Math.max(Math.abs(r.ratio - 1), Math.abs(r.activationRatio - 1));
    worst = Math.max(worst, err);
    ratios.push(
      `${c.name}: estimated ${r.estimated} B, measured ${r.measured} B (distinct buffers; tf.memory().numBytes peak ${r.measuredNumBytes} B), estimate/measured total ${r.ratio.toFixed(3)}, step growth ${r.activationRatio.toFixed(3)}`,
    );
  }
  console.log(`planner vs measured (cpu):\n  ${ratios.join('\n  ')}\n  worst error ${(worst * 100).toFixed(1)}%`);
  assert.ok(worst <= TOLERANCE, `worst error ${(worst * 100).toFixed(1)}% > ${TOLERANCE * 100}%:\n${ratios.join('\n')}`);
});

/** Qwen2.5-0.5B-Instruct's normalised config (config.json of the hub repo). */
const QWEN05: ModelConfig = {
  family: 'qwen2',
  vocabSize: 151936,
  hiddenSize: 896,
  intermediateSize: 4864,
  numLayers: 24,
  numHeads: 14,
  numKvHeads: 2,
  headDim: 64,
  rmsNormEps: 1e-6,
  rope: { theta: 1e6, type: 'default', factor: 1, lowFreqFactor: 1, highFreqFactor: 1, originalMaxPositions: 32768 },
  maxPositions: 32768,
  tieWordEmbeddings: true,
  qkvBias: true,
  oBias: false,
  mlpBias: false,
  qkNorm: false,
  dtype: 'bfloat16',
  eosTokenIds: [151645],
};
const GiB = 1024 ** 3;
const plan = (over: Partial<TrainingEstimateInput> = {}) =>
  estimateTraining({
    config: QWEN05,
    method: 'lora',
    loraR: 16,
    targets: 'all-linear',
    prefixLen: 0,
    batch: 4,
    seqLen: 512,
    gradAccum: 1,
    checkpointing: false,
    weightFormat: 'f32',
    backend: 'webgpu',
    budgetBytes: 8 * GiB,
    ...over,
  });

test('a step that does not fit gets concrete suggestions, each with the total it would need', () => {
  const big = plan();
  assert.equal(big.baseParams > 490e6 && big.baseParams < 500e6, true, `Qwen2.5-0.5B has ~494M parameters, got ${big.baseParams}`);
  assert.equal(big.fits, false, `batch 4 x 512 all-linear at f32 needs ${(big.bytes.total / GiB).toFixed(1)} GiB, not within 8`);
  const keys = big.suggestions.map((s) => s.key);
  assert.ok(keys.includes('gradient-checkpointing') && keys.includes('smaller-batch') && keys.includes('shorter-max-len'), keys.join(','));
  assert.ok(!keys.includes('weights-4bit'), 'no 4-bit suggestion unless the engine offers q4 here');
  for (const s of big.suggestions) assert.ok(s.totalBytes < big.bytes.total, `${s.key} shrinks the estimate`);
  const ckpt = big.suggestions.find((s) => s.key === 'gradient-checkpointing')!;
  assert.deepEqual(plan({ checkpointing: true }).bytes.total, ckpt.totalBytes);
  const shorter = big.suggestions.find((s) => s.key === 'shorter-max-len')!;
  assert.ok(shorter.value! < 512 && shorter.value! % 64 === 0);
  if (shorter.fits) assert.equal(plan({ seqLen: shorter.value }).fits, true);
  const q4 = plan({ weightFormatsAvailable: ['f32', 'q4_0'] }).suggestions.find((s) => s.key === 'weights-4bit');
  assert.ok(q4 && q4.totalBytes < big.bytes.total - 1.5 * GiB, '4-bit weights save most of the 2 GB of f32 weights');
  const fits = plan({ batch: 1, seqLen: 256, checkpointing: true });
  assert.equal(fits.fits, true);
  assert.deepEqual(fits.suggestions, []);
  const tiny = plan({ budgetBytes: 1 * GiB });
  assert.ok(
    tiny.suggestions.some((s) => s.key === 'smaller-model'),
    'f32 weights alone fill most of 1 GiB',
  );
});

test('step time only from a measured throughput; epoch time from the examples', () => {
  const noRate = plan({ examples: 1000 });
  assert.equal(noRate.stepSeconds, undefined);
  assert.equal(noRate.epochSeconds, undefined);
  assert.equal(noRate.stepsPerEpoch, 250);
  const rated = plan({ examples: 1000, flopsPerSecond: 1e12, gradAccum: 2 });
  assert.equal(rated.stepsPerEpoch, 125);
  assert.ok(Math.abs(rated.stepSeconds! - rated.flopsPerStep / 1e12) < 1e-12);
  assert.ok(Math.abs(rated.epochSeconds! - 125 * rated.stepSeconds!) < 1e-9);
  // Frozen weights: forward + dx = 4 FLOPs per layer weight (358M in the 24 layers) per token, and the
  // tied 136M-weight LM head runs three products (logits, backward recompute, p W): ~2.25 GFLOP/token.
  const perToken = plan().flopsPerStep / (4 * 512);
  assert.ok(perToken > 2.2e9 && perToken < 2.5e9, `FLOPs per token ${perToken.toExponential(2)}`);
  assert.ok(plan({ checkpointing: true }).flopsPerStep > plan().flopsPerStep, 'checkpointing recomputes the forward');
});
