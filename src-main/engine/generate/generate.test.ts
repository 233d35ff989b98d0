import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { tempDir } from '../../test-support/paths';
import { writeSyntheticCheckpoint } from '../../../scripts/synthetic-checkpoint';
import { loadModelFromDir } from '../../engine-node/load-model';
import type { CausalLM } from '../models/causal-lm';
import { toHost } from '../nn/to-host';
import { generate, generateAsync } from './generate';
import { applyRepetitionPenalty, applyTopK, applyTopP } from './logits-processors';
import { argmax } from './sampler';
import { TextStreamer } from './text-streamer';
import { ThinkingBudget } from './thinking-budget';

let model: CausalLM;
const PROMPT = [1, 2, 3, 4, 5];

before(async () => {
  await tf.setBackend('cpu');
  const dir = join(tempDir(), 'tiny');
  writeSyntheticCheckpoint({ shape: 'tiny', out: dir, dtype: 'f32', std: 0.3, seed: 3 });
  model = await loadModelFromDir(dir);
});

test('tf.memory().numTensors is flat across 100 generation steps', () => {
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  const r = generate(model, PROMPT, { maxNewTokens: 100, sampling: { greedy: true }, eosTokenIds: [], onToken: () => counts.push(tf.memory().numTensors) });
  assert.equal(r.ids.length, 100);
  assert.equal(r.finishReason, 'length');
  // During decoding only the cache is alive: 2 tensors per layer, whatever the step.
  assert.ok(counts.every((c) => c === before + 2 * model.config.numLayers), `counts ${[...new Set(counts)]}`);
  assert.equal(tf.memory().numTensors, before);
});

test('greedy with the KV cache equals argmax of a full re-forward at every step', () => {
  const r = generate(model, PROMPT, { maxNewTokens: 8, sampling: { greedy: true }, eosTokenIds: [] });
  const ids = [...PROMPT];
  for (let s = 0; s < 8; s++) {
    const logits = toHost(() => tf.slice(model.logits(tf.tensor2d([ids], [1, ids.length], 'int32')), [0, ids.length - 1, 0], [1, 1, -1]));
    ids.push(argmax(logits));
  }
  assert.deepEqual(r.ids, ids.slice(PROMPT.length));
});

test('generateAsync (the path webgpu needs) gives the same ids and text callbacks as generate', async () => {
  const opts = { maxNewTokens: 10, sampling: { greedy: false as const, temperature: 0.9, topK: 40, topP: 0.95, seed: 4 }, eosTokenIds: [], repetitionPenalty: 1.2 };
  const pieces: string[] = [];
  const sync = generate(model, PROMPT, opts);
  const viaAsync = await generateAsync(model, PROMPT, { ...opts, decode: (ids) => ids.join(','), onText: (d) => pieces.push(d) });
  assert.deepEqual(viaAsync, sync);
  assert.equal(pieces.join(''), sync.ids.join(','));
});

test('stops at an EOS id with finish_reason eos', () => {
  const free = generate(model, PROMPT, { maxNewTokens: 6, sampling: { greedy: true }, eosTokenIds: [] });
  const r = generate(model, PROMPT, { maxNewTokens: 6, sampling: { greedy: true }, eosTokenIds: [free.ids[2]] });
  assert.deepEqual(r.ids, free.ids.slice(0, free.ids.indexOf(free.ids[2]) + 1));
  assert.equal(r.finishReason, 'eos');
});

test('sampling is reproducible with a seed; top-k 1 is greedy', () => {
  const sample = (seed: number) => generate(model, PROMPT, { maxNewTokens: 12, sampling: { greedy: false, temperature: 1.5, topK: 0, topP: 1, seed }, eosTokenIds: [] }).ids;
  assert.deepEqual(sample(5), sample(5));
  assert.notDeepEqual(sample(5), sample(6));
  const greedy = generate(model, PROMPT, { maxNewTokens: 6, sampling: { greedy: true }, eosTokenIds: [] }).ids;
  const k1 = generate(model, PROMPT, { maxNewTokens: 6, sampling: { greedy: false, temperature: 0.7, topK: 1, topP: 1, seed: 9 }, eosTokenIds: [] }).ids;
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

test('thinking budget (s1): forces the close after N thought tokens; Wait replaces an early close', () => {
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
  const free = generate(model, [...PROMPT, 10], { maxNewTokens: 10, sampling: { greedy: true }, eosTokenIds: [] });
  assert.ok(!free.ids.slice(0, 4).includes(11), 'this model must not close <think> by itself within the budget');
  const r = generate(model, [...PROMPT, 10], { maxNewTokens: 10, sampling: { greedy: true }, eosTokenIds: [], thinking: think });
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
