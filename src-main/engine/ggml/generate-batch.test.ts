/**
 * Batched generation on ggml (cpu, f32 weights) on the tiny Qwen2 fixture, the port of
 * generate/generate-batch.test.ts: left-padded rows of different lengths give, token for token, what
 * one-at-a-time generation gives (greedy, seeded sampling with repetition penalty, LoRA adapter,
 * P-Tuning prefix, rows stopping early on EOS), and a batch leaves no native memory behind.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openTinyQwen2Decoders, type TinyQwen2Decoders } from '../../test-support/tiny-qwen2-decoders';
import type { GenerateResult, SamplingOptions } from '../generate/generate';
import { SeededRng } from '../generate/seeded-rng';
import type { GgmlCausalLM, HostPrefix } from './causal-lm';
import { generateBatchGgml, generateGgml, type GgmlGenerateOptions } from './generate';
import { nativeMemory } from './owners';

/** Deterministic token ids (spread over the 151,936-word vocabulary), 3, 11 and 29 long. */
const ids = (n: number, s: number) => Array.from({ length: n }, (_, i) => (i * 7919 + s * 104729) % 151936);
const PROMPTS = [ids(3, 1), ids(11, 2), ids(29, 3)];
const NEW = 8;

let base: GgmlCausalLM;
let adapted: GgmlCausalLM;
let tiny: TinyQwen2Decoders;
before(async () => {
  tiny = await openTinyQwen2Decoders('cpu');
  ({ base, adapted } = tiny);
});
after(() => tiny.dispose());

type Extra = Partial<Pick<GgmlGenerateOptions, 'prefix' | 'eosTokenIds' | 'repetitionPenalty'>>;

async function oneByOne(model: GgmlCausalLM, sampling: (row: number) => SamplingOptions, extra: Extra = {}): Promise<GenerateResult[]> {
  const out: GenerateResult[] = [];
  for (const [r, p] of PROMPTS.entries()) out.push(await generateGgml(model, p, { maxNewTokens: NEW, sampling: sampling(r), eosTokenIds: [], ...extra }));
  return out;
}

/** Greedy one-at-a-time references, computed once: [base, with adapter]. */
let greedyRefs: [GenerateResult[], GenerateResult[]] | undefined;
async function greedySingle(withLora: boolean): Promise<GenerateResult[]> {
  greedyRefs ??= [await oneByOne(base, () => ({ greedy: true })), await oneByOne(adapted, () => ({ greedy: true }))];
  return greedyRefs[withLora ? 1 : 0];
}

test('greedy: a left-padded batch of 3 prompts equals 3 separate generations (base model and LoRA adapter)', async () => {
  for (const withLora of [false, true]) {
    const batch = await generateBatchGgml(withLora ? adapted : base, PROMPTS, { maxNewTokens: NEW, sampling: { greedy: true }, eosTokenIds: [] });
    assert.deepEqual(batch, await greedySingle(withLora), withLora ? 'with adapter' : 'base');
  }
  // The adapter changes the output, so the comparison above really covered two different models.
  assert.notDeepEqual((await greedySingle(true))[2].ids, (await greedySingle(false))[2].ids);
});

test('rows that stop on EOS early are masked; the other rows are unaffected', async () => {
  const free = await greedySingle(true);
  // An EOS id that the longest prompt's output reaches at its 3rd token (and that need not stop the others).
  const eos = free[2].ids[2];
  const single = await oneByOne(adapted, () => ({ greedy: true }), { eosTokenIds: [eos] });
  assert.equal(single[2].finishReason, 'eos');
  assert.ok(
    single.some((r) => r.finishReason === 'length'),
    'some row must run to maxNewTokens for the mixed case',
  );
  const batch = await generateBatchGgml(adapted, PROMPTS, { maxNewTokens: NEW, sampling: { greedy: true }, eosTokenIds: [eos] });
  assert.deepEqual(batch, single);
});

test('sampled: row r with seed s equals generation with seed s (temperature, top-k, top-p, repetition penalty)', async () => {
  const sampling = (r: number): SamplingOptions => ({ greedy: false, temperature: 1.3, topK: 50, topP: 0.95, seed: 100 + r });
  const single = await oneByOne(adapted, sampling, { repetitionPenalty: 1.2 });
  const batch = await generateBatchGgml(adapted, PROMPTS, {
    maxNewTokens: NEW,
    sampling: PROMPTS.map((_, r) => sampling(r)),
    eosTokenIds: [],
    repetitionPenalty: 1.2,
  });
  assert.deepEqual(batch, single);
  const greedy = await greedySingle(true);
  assert.ok(
    single.some((r, i) => r.ids.join() !== greedy[i].ids.join()),
    'sampling must differ from greedy here',
  );
});

test('a P-Tuning prefix goes into every row of the batch: same ids as one-at-a-time generation with it', async () => {
  const { numLayers, numKvHeads, headDim } = base.config;
  const rng = new SeededRng(10);
  const P = 4;
  const random = () => Float32Array.from({ length: P * numKvHeads * headDim }, () => (rng.next() - 0.5) * 6); // [P][nKv][hd]
  const prefix: HostPrefix = { length: P, keys: Array.from({ length: numLayers }, random), values: Array.from({ length: numLayers }, random) };
  const single = await oneByOne(base, () => ({ greedy: true }), { prefix });
  const batch = await generateBatchGgml(base, PROMPTS, { maxNewTokens: NEW, sampling: { greedy: true }, eosTokenIds: [], prefix });
  assert.deepEqual(batch, single);
  const plain = await greedySingle(false);
  assert.ok(
    single.some((r, i) => r.ids.join() !== plain[i].ids.join()),
    'the prefix must change the output',
  );
});

test('native memory is flat across batched generations (the cache and its graphs are freed)', async () => {
  const run = () => generateBatchGgml(adapted, PROMPTS, { maxNewTokens: 10, sampling: { greedy: true }, eosTokenIds: [] });
  await run();
  const start = nativeMemory();
  const r = await run();
  assert.equal(r[0].ids.length, 10);
  await run();
  assert.deepEqual(nativeMemory(), start);
});
