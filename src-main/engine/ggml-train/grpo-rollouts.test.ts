/**
 * GRPO rollouts on the KV-cached policy decoder (GgmlTrainEngine.grpo.sampleCompletions: the G
 * completions of a prompt in one batch) against the path they replaced, on ../shared/fixtures/tiny-qwen2:
 * completion i with seed s + i is, token for token, what seeded sampling through the training graph
 * gives (a full forward per token, trainer.lastLogits); the same seed gives the same group again; and
 * the reference log-probs the loss uses (the training graph with the adapter off) are the reference
 * decoder's (referenceModel) log-softmax at every completion token.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openWeightStore, readModelConfig } from '../../engine-node/load-model';
import { testBackend } from '../../test-support/ggml';
import { tinyQwen2Dir, tinyQwen2Model } from '../../test-support/paths';
import type { ModelConfig } from '../config/model-config';
import { generateWith } from '../generate/generate';
import { logSumExp } from '../generate/logit-stats';
import type { WeightStore } from '../io/weight-store';
import { nativeMemory } from '../ggml/owners';
import { collate, shiftLabels } from '../train/batching';
import { IGNORE_INDEX } from '../train/ignore-index';
import type { GrpoSampling } from '../train/grpo/grpo-engine';
import { Rng } from '../train/rng';
import { FrozenWeights, PROJ_NAMES } from './frozen-weights';
import { GgmlTrainEngine } from './ggml-train-engine';
import { GgmlLoraTrainer, type HostLoraModule } from './lora-trainer';
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

/** LoRA on every projection with A and B non-zero, so the policy is not the reference. */
function loraModules(): HostLoraModule[] {
  return hostLoraModules(config, 4, PROJ_NAMES, nonZeroFill(new Rng(5)));
}

const spec = { r: 4, alpha: 8, dropout: 0, useRslora: false, targetModules: [...PROJ_NAMES], weightDecay: 0 };
const prompt = (): number[] => goldens.sft.ids.slice(0, 10);
const G = 4;
// Temperature above 1 and a wide nucleus, so the draws really differ between seeds.
const sampling: GrpoSampling = { maxNewTokens: 12, temperature: 1.4, topP: 0.98, topK: 0, seed: 1234, eosIds: [] };

/** The old rollout: seeded sampling with a full training-graph forward per new token. */
async function fullForwardSample(trainer: GgmlLoraTrainer, promptIds: number[], o: GrpoSampling, i: number): Promise<number[]> {
  const seq: number[] = [];
  const s = { greedy: false as const, temperature: o.temperature, topK: o.topK, topP: o.topP, seed: (o.seed + i) >>> 0 };
  const r = await generateWith(promptIds, { maxNewTokens: o.maxNewTokens, sampling: s, eosTokenIds: o.eosIds }, (feed) => {
    seq.push(...feed);
    return trainer.lastLogits(seq);
  });
  return r.ids;
}

test('a batched KV-cached group equals seeded full-forward sampling, completion by completion, and repeats with its seed', async () => {
  const { backend } = testBackend('cpu');
  const frozen = await FrozenWeights.load(store, config, backend, 'f32');
  const engine = new GgmlTrainEngine(backend, frozen, loraModules(), spec);
  const check = new GgmlLoraTrainer(backend, frozen, loraModules(), 0);
  try {
    const group = await engine.grpo!.sampleCompletions(prompt(), G, sampling);
    assert.equal(group.length, G);
    for (let i = 0; i < G; i++) assert.deepEqual(group[i], await fullForwardSample(check, prompt(), sampling, i), `completion ${i}`);
    assert.ok(new Set(group.map((ids) => ids.join())).size > 1, `the seeds give different completions: ${JSON.stringify(group)}`);
    assert.deepEqual(await engine.grpo!.sampleCompletions(prompt(), G, sampling), group, 'same seed, same group');
    const before = nativeMemory().totalBytes;
    await engine.grpo!.sampleCompletions(prompt(), G, sampling);
    assert.equal(nativeMemory().totalBytes, before, 'a rollout leaves native memory flat');
  } finally {
    check.dispose();
    engine.dispose();
  }
});

test('EOS ends a completion inside the batch, as it ends the full-forward one', async () => {
  const { backend } = testBackend('cpu');
  const frozen = await FrozenWeights.load(store, config, backend, 'f32');
  const engine = new GgmlTrainEngine(backend, frozen, loraModules(), spec);
  const check = new GgmlLoraTrainer(backend, frozen, loraModules(), 0);
  try {
    const free = await engine.grpo!.sampleCompletions(prompt(), G, sampling);
    // The 4th token of completion 0 as an EOS id: completion 0 stops there, the others may run on.
    const o = { ...sampling, eosIds: [free[0][3]] };
    const group = await engine.grpo!.sampleCompletions(prompt(), G, o);
    assert.equal(group[0].length, 4);
    for (let i = 0; i < G; i++) assert.deepEqual(group[i], await fullForwardSample(check, prompt(), o, i), `completion ${i}`);
  } finally {
    check.dispose();
    engine.dispose();
  }
});

test('the reference log-probs of a group are the reference decoder log-softmax at each completion token', async () => {
  const { backend } = testBackend('cpu');
  const frozen = await FrozenWeights.load(store, config, backend, 'f32');
  const engine = new GgmlTrainEngine(backend, frozen, loraModules(), spec);
  try {
    const p = prompt();
    const group = await engine.grpo!.sampleCompletions(p, G, sampling);
    const batch = collate(
      group.map((ids, i) => [{ ids: [...p, ...ids], targets: shiftLabels([...p.map(() => IGNORE_INDEX), ...ids]), source: i }]),
      0,
      false,
    );
    const ref = await engine.grpo!.targetLogProbs(batch, true);
    const policy = await engine.grpo!.targetLogProbs(batch, false);
    const V = config.vocabSize;
    const model = engine.referenceModel();
    let at = 0;
    let adapterShift = 0;
    for (const ids of group) {
      const seq = [...p, ...ids];
      const cache = model.newCache(1, seq.length);
      const logits = await model.forward(cache, seq, seq.length, { logits: 'all' }); // [T * V]
      cache.dispose();
      for (let t = 0; t < ids.length; t++, at++) {
        const row = p.length - 1 + t; // the position that predicts ids[t]
        const want = logits[row * V + ids[t]] - logSumExp(logits, row * V, (row + 1) * V);
        assert.ok(Math.abs(ref[at] - want) <= 1e-3 * Math.max(1, Math.abs(want)), `ref logp at ${at}: ${ref[at]} vs ${want}`);
        adapterShift = Math.max(adapterShift, Math.abs(policy[at] - ref[at]));
      }
    }
    assert.equal(at, ref.length);
    assert.ok(adapterShift > 1e-3, `the adapter moves the policy away from the reference (${adapterShift})`);
  } finally {
    engine.dispose();
  }
});
