/**
 * Batched generation on the tiny Qwen2 fixture: left-padded rows of different lengths give, token for
 * token, what `generate` gives one prompt at a time (greedy, seeded sampling, LoRA adapter, P-Tuning
 * prefix, rows stopping early on EOS), and the batch leaves no tensor behind.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { LoraSet } from '../adapters/lora-set';
import { disposeLoraSet } from '../adapters/peft-lora';
import { loadAdapterFromDir, loadModelFromDir } from '../../engine-node/load-tfjs-model';
import type { CausalLM, PrefixKv } from '../models/causal-lm';
import { disposePrefixKv } from '../train/tfjs-prefix';
import { tinyQwen2Adapter, tinyQwen2Model } from '../../test-support/paths';
import type { GenerateResult, SamplingOptions } from './generate';
import { generate, generateBatch, generateBatchAsync } from './tfjs-generate';

let model: CausalLM;
let adapters: LoraSet;
/** Deterministic token ids (spread over the 151,936-word vocabulary), 3, 11 and 29 long. */
const ids = (n: number, s: number) => Array.from({ length: n }, (_, i) => (i * 7919 + s * 104729) % 151936);
const PROMPTS = [ids(3, 1), ids(11, 2), ids(29, 3)];
const NEW = 8;

before(async () => {
  await tf.setBackend('cpu');
  model = await loadModelFromDir(tinyQwen2Model);
  adapters = await loadAdapterFromDir(tinyQwen2Adapter, model.config);
});
after(() => {
  disposeLoraSet(adapters);
  model.dispose();
});

function oneByOne(sampling: (row: number) => SamplingOptions, extra: { adapters?: LoraSet; prefix?: PrefixKv[]; eosTokenIds?: number[]; repetitionPenalty?: number } = {}): GenerateResult[] {
  return PROMPTS.map((p, r) => generate(model, p, { maxNewTokens: NEW, sampling: sampling(r), eosTokenIds: [], ...extra }));
}

/** Greedy one-at-a-time references, computed once: [base, with adapter]. */
let greedyRefs: [GenerateResult[], GenerateResult[]] | undefined;
function greedySingle(lora: boolean): GenerateResult[] {
  greedyRefs ??= [oneByOne(() => ({ greedy: true })), oneByOne(() => ({ greedy: true }), { adapters })];
  return greedyRefs[lora ? 1 : 0];
}

test('greedy: a left-padded batch of 3 prompts equals 3 separate generate calls (base model and LoRA adapter)', () => {
  for (const lora of [false, true]) {
    const batch = generateBatch(model, PROMPTS, { maxNewTokens: NEW, sampling: { greedy: true }, eosTokenIds: [], adapters: lora ? adapters : undefined });
    assert.deepEqual(batch, greedySingle(lora), lora ? 'with adapter' : 'base');
  }
  // The adapter changes the output, so the comparison above really covered two different models.
  assert.notDeepEqual(greedySingle(true)[2].ids, greedySingle(false)[2].ids);
});

test('rows that stop on EOS early are masked; the other rows are unaffected', () => {
  const free = greedySingle(true);
  // An EOS id that the longest prompt's output reaches at its 3rd token (and that need not stop the others).
  const eos = free[2].ids[2];
  const single = oneByOne(() => ({ greedy: true }), { adapters, eosTokenIds: [eos] });
  assert.equal(single[2].finishReason, 'eos');
  assert.ok(single.some((r) => r.finishReason === 'length'), 'some row must run to maxNewTokens for the mixed case');
  const batch = generateBatch(model, PROMPTS, { maxNewTokens: NEW, sampling: { greedy: true }, eosTokenIds: [eos], adapters });
  assert.deepEqual(batch, single);
});

test('sampled: row r with seed s equals generate with seed s (temperature, top-k, top-p, repetition penalty)', () => {
  const sampling = (r: number): SamplingOptions => ({ greedy: false, temperature: 1.3, topK: 50, topP: 0.95, seed: 100 + r });
  const single = oneByOne(sampling, { adapters, repetitionPenalty: 1.2 });
  const batch = generateBatch(model, PROMPTS, { maxNewTokens: NEW, sampling: PROMPTS.map((_, r) => sampling(r)), eosTokenIds: [], adapters, repetitionPenalty: 1.2 });
  assert.deepEqual(batch, single);
  assert.ok(single.some((r, i) => r.ids.join() !== greedySingle(true)[i].ids.join()), 'sampling must differ from greedy here');
});

test('a batch-1 P-Tuning prefix is broadcast over the batch: same ids as generate with that prefix', () => {
  const { numLayers, numKvHeads, headDim } = model.config;
  const prefix: PrefixKv[] = Array.from({ length: numLayers }, (_, l) => ({
    key: tf.randomNormal([1, 4, numKvHeads, headDim], 0, 3, 'float32', 10 + l) as tf.Tensor4D, // [1, P, nKv, hd]
    value: tf.randomNormal([1, 4, numKvHeads, headDim], 0, 3, 'float32', 20 + l) as tf.Tensor4D,
  }));
  try {
    const single = oneByOne(() => ({ greedy: true }), { prefix });
    const batch = generateBatch(model, PROMPTS, { maxNewTokens: NEW, sampling: { greedy: true }, eosTokenIds: [], prefix });
    assert.deepEqual(batch, single);
    assert.ok(single.some((r, i) => r.ids.join() !== greedySingle(false)[i].ids.join()), 'the prefix must change the output');
  } finally {
    disposePrefixKv(prefix);
  }
});

test('tf.memory().numTensors is flat over a batched generation (only the cache lives between steps)', () => {
  const start = tf.memory().numTensors;
  const during: number[] = [];
  const r = generateBatch(model, PROMPTS, { maxNewTokens: 10, sampling: { greedy: true }, eosTokenIds: [], adapters, onStep: () => during.push(tf.memory().numTensors) });
  assert.equal(r[0].ids.length, 10);
  assert.equal(during.length, 10);
  assert.ok(during.every((c) => c === start + 2 * model.config.numLayers), `counts ${[...new Set(during)]}`);
  assert.equal(tf.memory().numTensors, start);
});

test('generateBatchAsync (the webgpu path) gives what generateBatch gives', async () => {
  const opts = { maxNewTokens: 4, sampling: { greedy: false as const, temperature: 0.9, topK: 40, topP: 0.9, seed: 7 }, eosTokenIds: [], adapters };
  assert.deepEqual(await generateBatchAsync(model, PROMPTS, opts), generateBatch(model, PROMPTS, opts));
});
