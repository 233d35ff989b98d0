/**
 * Live samples and GRPO rollouts run the model under training as a KV-cached inference decoder over
 * the trainer's own device tensors (GgmlTrainEngine.policyModel). Its greedy continuation equals the
 * training graph's own next-token argmax (a full forward per token), for LoRA and P-Tuning v2, and the
 * reference model (adapter off) sees none of the adapter.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openWeightStore, readModelConfig } from '../../engine-node/load-model';
import { testBackend } from '../../test-support/ggml';
import { tinyQwen2Dir, tinyQwen2Model } from '../../test-support/paths';
import type { ModelConfig } from '../config/model-config';
import type { WeightStore } from '../io/weight-store';
import { nativeMemory } from '../ggml/owners';
import { Rng } from '../train/rng';
import { FrozenWeights, PROJ_NAMES } from './frozen-weights';
import { GgmlTrainEngine } from './ggml-train-engine';
import { GgmlLoraTrainer, type HostLoraModule, type HostPrefix } from './lora-trainer';
import { hostLoraModules, nonZeroFill } from './host-lora';

const goldens = JSON.parse(readFileSync(join(tinyQwen2Dir, 'goldens.json'), 'utf8'));
let config: ModelConfig;
let store: WeightStore;
let closeStore: () => void;

before(async () => {
  config = readModelConfig(tinyQwen2Model);
  ({ store, close: closeStore } = await openWeightStore(tinyQwen2Model));
});
after(() => closeStore());

/** LoRA on every projection with A and B both non-zero, so the adapter changes the greedy tokens. */
function loraModules(): HostLoraModule[] {
  return hostLoraModules(config, 4, PROJ_NAMES, nonZeroFill(new Rng(3)));
}

function prefixSpec(P: number): HostPrefix & { encoderHidden: number } {
  const rng = new Rng(9);
  const flat = config.numLayers * 2 * config.numKvHeads * config.headDim;
  const data = Float32Array.from({ length: P * flat }, () => 2 * rng.nextFloat() - 1);
  return { numVirtualTokens: P, projection: false, encoderHidden: 0, params: new Map([['embedding.weight', { shape: [P, flat], data }]]) };
}

async function fullForwardGreedy(trainer: GgmlLoraTrainer, prompt: number[], n: number): Promise<number[]> {
  const ids = [...prompt];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const logits = await trainer.lastLogits(ids);
    let best = 0;
    for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
    out.push(best);
    ids.push(best);
  }
  return out;
}

const prompt = (): number[] => goldens.sft.ids.slice(0, 12);
const spec = { r: 4, alpha: 8, dropout: 0, useRslora: false, targetModules: [...PROJ_NAMES], weightDecay: 0 };

test('LoRA: the KV-cached sample equals the training graph greedy, and the reference ignores the adapter', async () => {
  const { backend } = testBackend('cpu');
  const frozen = await FrozenWeights.load(store, config, backend, 'f32');
  const engine = new GgmlTrainEngine(backend, frozen, loraModules(), spec);
  const check = new GgmlLoraTrainer(backend, frozen, loraModules(), 0);
  // B = 0: the adapter adds nothing, so this trainer computes the base model.
  const plain = new GgmlLoraTrainer(
    backend,
    frozen,
    loraModules().map((m) => ({ ...m, b: new Float32Array(m.b.length) })),
    0,
  );
  try {
    const sampled = await engine.sample(prompt(), 10, []);
    assert.deepEqual(sampled, await fullForwardGreedy(check, prompt(), 10));
    const cache = engine.referenceModel().newCache(1, 12);
    const refLogits = await engine.referenceModel().forward(cache, prompt(), 12, { logits: 'last' });
    cache.dispose();
    const baseLogits = await plain.lastLogits(prompt());
    let maxDiff = 0;
    for (let v = 0; v < refLogits.length; v++) maxDiff = Math.max(maxDiff, Math.abs(refLogits[v] - baseLogits[v]));
    assert.ok(maxDiff < 1e-4, `reference logits differ from the base model's by ${maxDiff}`);
    assert.notDeepEqual(Array.from(refLogits.slice(0, 50)), Array.from((await check.lastLogits(prompt())).slice(0, 50)), 'the adapter changes the logits');
  } finally {
    check.dispose();
    plain.dispose();
    engine.dispose();
  }
});

test('P-Tuning v2: the sample with the live prefix equals the training graph greedy', async () => {
  const { backend } = testBackend('cpu');
  const frozen = await FrozenWeights.load(store, config, backend, 'f32');
  const prefix = prefixSpec(3);
  const engine = new GgmlTrainEngine(backend, frozen, [], { prefix, weightDecay: 0 });
  const check = new GgmlLoraTrainer(backend, frozen, [], 0, prefix);
  try {
    assert.deepEqual(await engine.sample(prompt(), 8, []), await fullForwardGreedy(check, prompt(), 8));
  } finally {
    check.dispose();
    engine.dispose();
  }
});

test('samples leave native memory flat', async () => {
  const { backend } = testBackend('cpu');
  const frozen = await FrozenWeights.load(store, config, backend, 'f32');
  const engine = new GgmlTrainEngine(backend, frozen, loraModules(), spec);
  try {
    await engine.sample(prompt(), 4, []);
    const before = nativeMemory().totalBytes;
    for (let i = 0; i < 5; i++) await engine.sample(prompt(), 4, []);
    assert.equal(nativeMemory().totalBytes, before);
  } finally {
    engine.dispose();
  }
});
