/**
 * The generation loop (generate.ts: KV cache, EOS, seeded sampling, thinking budget) on the ggml
 * decoder, and the host-side logits processors and streamer it uses.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { tempDir } from '../../test-support/paths';
import { testBackend } from '../../test-support/ggml';
import { writeSyntheticCheckpoint } from '../../../scripts/synthetic-checkpoint';
import { loadGgmlWeightsFromDir } from '../../engine-node/ggml-load';
import type { ComputeBackend } from '../ggml/backend';
import { GgmlCausalLM } from '../ggml/causal-lm';
import { generateGgml, type GgmlGenerateOptions } from '../ggml/generate';
import type { GgmlModelWeights } from '../ggml/model-weights';
import type { GenerateResult } from './generate';
import { applyRepetitionPenalty, applyTopK, applyTopP } from './logits-processors';
import { argmax } from './sampler';
import { TextStreamer } from './text-streamer';
import { ThinkingBudget } from './thinking-budget';

let backend: ComputeBackend;
let weights: GgmlModelWeights;
let model: GgmlCausalLM;
const PROMPT = [1, 2, 3, 4, 5];

before(async () => {
  const dir = join(tempDir(), 'tiny');
  writeSyntheticCheckpoint({ shape: 'tiny', out: dir, dtype: 'f32', std: 0.3, seed: 3 });
  backend = testBackend('cpu').backend;
  weights = await loadGgmlWeightsFromDir(dir, backend, { weights: 'f32' });
  model = new GgmlCausalLM(weights, backend);
});
after(() => {
  model.dispose();
  weights.dispose();
  backend.dispose();
});

const generate = (promptIds: number[], opts: GgmlGenerateOptions): Promise<GenerateResult> => generateGgml(model, promptIds, opts);

/** The last position's logits of a fresh full forward over `ids` (no cache carried over). */
async function lastLogitsAlone(ids: number[]): Promise<Float32Array> {
  const cache = model.newCache(1, ids.length);
  try {
    return await model.forward(cache, ids, ids.length, { logits: 'last' });
  } finally {
    cache.dispose();
  }
}

test('greedy with the KV cache equals argmax of a full re-forward at every step', async () => {
  const r = await generate(PROMPT, { maxNewTokens: 8, sampling: { greedy: true }, eosTokenIds: [] });
  const ids = [...PROMPT];
  for (let s = 0; s < 8; s++) ids.push(argmax(await lastLogitsAlone(ids)));
  assert.deepEqual(r.ids, ids.slice(PROMPT.length));
});

test('stops at an EOS id with finish_reason eos', async () => {
  const free = await generate(PROMPT, { maxNewTokens: 6, sampling: { greedy: true }, eosTokenIds: [] });
  const r = await generate(PROMPT, { maxNewTokens: 6, sampling: { greedy: true }, eosTokenIds: [free.ids[2]] });
  assert.deepEqual(r.ids, free.ids.slice(0, free.ids.indexOf(free.ids[2]) + 1));
  assert.equal(r.finishReason, 'eos');
});

test('sampling is reproducible with a seed; top-k 1 is greedy', async () => {
  const sample = async (seed: number) =>
    (await generate(PROMPT, { maxNewTokens: 12, sampling: { greedy: false, temperature: 1.5, topK: 0, topP: 1, seed }, eosTokenIds: [] })).ids;
  assert.deepEqual(await sample(5), await sample(5));
  assert.notDeepEqual(await sample(5), await sample(6));
  const greedy = (await generate(PROMPT, { maxNewTokens: 6, sampling: { greedy: true }, eosTokenIds: [] })).ids;
  const k1 = (await generate(PROMPT, { maxNewTokens: 6, sampling: { greedy: false, temperature: 0.7, topK: 1, topP: 1, seed: 9 }, eosTokenIds: [] })).ids;
  assert.deepEqual(k1, greedy);
});

test('logits processors: repetition penalty (CTRL), top-k, top-p', () => {
  const l = Float32Array.from([2, -2, 1, 0.5]);
  applyRepetitionPenalty(l, [0, 1, 1], 2);
  assert.deepEqual([...l], [1, -4, 1, 0.5]);
  const k = Float32Array.from([0.1, 3, 2, 1]);
  applyTopK(k, 2);
  assert.deepEqual([...k], [-Infinity, 3, 2, -Infinity]);
  // probs of [ln 0.5, ln 0.3, ln 0.2]: p=0.7 keeps the first two (0.5 < 0.7 <= 0.8).
  const p = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.2)]);
  applyTopP(p, 0.7);
  assert.equal(p[2], -Infinity);
  assert.ok(Number.isFinite(p[1]));
});

test('thinking budget (s1): forces the close after N thought tokens; Wait replaces an early close', async () => {
  const opts = { budget: 3, thinkStartId: 10, thinkEndId: 11, closeIds: [12, 11, 13], waitIds: [14], maxWaits: 1 };
  const tb = new ThinkingBudget(opts, [1, 10]);
  assert.equal(tb.thinking, true);
  assert.deepEqual(tb.intercept(11), [14]); // early close -> "Wait"
  assert.deepEqual(tb.intercept(5), [5]);
  assert.deepEqual(tb.intercept(6), [6]);
  assert.deepEqual(tb.intercept(7), [12, 11, 13]); // budget 3 reached (Wait counted)
  assert.equal(tb.thinking, false);
  assert.deepEqual(tb.intercept(7), [7]);
  assert.deepEqual(tb.usage, { budget: 3, maxWaits: 1, tokens: 3, waits: 1, forcedClose: true });
  const closed = new ThinkingBudget(opts, [10, 5, 11]);
  assert.equal(closed.thinking, false);

  // Through generate: prompt opens <think>; exactly `budget` tokens are thought before the forced close.
  const think = { budget: 4, thinkStartId: 10, thinkEndId: 11, closeIds: [12, 11, 13] };
  const free = await generate([...PROMPT, 10], { maxNewTokens: 10, sampling: { greedy: true }, eosTokenIds: [] });
  assert.ok(!free.ids.slice(0, 4).includes(11), 'this model must not close <think> by itself within the budget');
  const r = await generate([...PROMPT, 10], { maxNewTokens: 10, sampling: { greedy: true }, eosTokenIds: [], thinking: think });
  assert.deepEqual(r.ids.slice(0, 7), [...free.ids.slice(0, 4), 12, 11, 13]);
  assert.deepEqual(r.thinking, { budget: 4, maxWaits: 0, tokens: 4, waits: 0, forcedClose: true }, 'the result records what was used');
  assert.equal(free.thinking, undefined, 'no budget, no record');
});

test('the streamer holds back an incomplete UTF-8 character', () => {
  const bytes = new TextEncoder().encode('a你');
  const decode = (ids: number[]) => new TextDecoder().decode(Uint8Array.from(ids.map((i) => bytes[i])));
  const s = new TextStreamer(decode);
  assert.equal(s.push([0]), 'a');
  assert.equal(s.push([0, 1]), '');
  assert.equal(s.push([0, 1, 2]), '');
  assert.equal(s.push([0, 1, 2, 3]), '你');
});
