/**
 * Teacher-forced loss on ggml (cpu, f32 weights) on the tiny Qwen2 fixture: the golden SFT sample's
 * masked-mean cross-entropy equals transformers + peft's (1e-4 relative, the fixtures README), fed
 * whole or in chunks through the KV cache; and native memory is flat across repeated passes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tinyQwen2Dir } from '../../test-support/paths';
import { openTinyQwen2Decoders, type TinyQwen2Decoders } from '../../test-support/tiny-qwen2-decoders';
import type { GgmlCausalLM } from './causal-lm';
import { nativeMemory } from './owners';
import { sequenceNll } from './sequence-loss';

const goldens = JSON.parse(readFileSync(join(tinyQwen2Dir, 'goldens.json'), 'utf8')) as {
  sft: { ids: number[]; labels: number[]; loss: number };
  adapter: { sft_loss: number };
};
const IGNORE = -100;
/** Labels shifted by one: the target after ids[0..t]. */
const targets = goldens.sft.ids.map((_, t) => goldens.sft.labels[t + 1] ?? IGNORE);
let base: GgmlCausalLM;
let adapted: GgmlCausalLM;
let tiny: TinyQwen2Decoders;
before(async () => {
  tiny = await openTinyQwen2Decoders('cpu');
  ({ base, adapted } = tiny);
});
after(() => tiny.dispose());

const mean = (r: { nll: number; count: number }) => r.nll / r.count;
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-4 * Math.abs(b), `${what}: ${a} vs ${b}`);

test('the golden SFT loss, base and adapter, fed whole and in chunks of 7 tokens', async () => {
  const counted = targets.filter((t) => t !== IGNORE).length;
  assert.ok(counted > 0 && counted < targets.length, 'the sample must have masked and counted targets');
  for (const [model, golden, what] of [
    [base, goldens.sft.loss, 'base'],
    [adapted, goldens.adapter.sft_loss, 'adapter'],
  ] as const) {
    for (const chunkTokens of [undefined, 7]) {
      const r = await sequenceNll(model, goldens.sft.ids, targets, { ignoreIndex: IGNORE, chunkTokens });
      assert.equal(r.count, counted);
      close(mean(r), golden, `${what}, chunk ${chunkTokens ?? 'whole'}`);
    }
  }
});

test('no target, no compute: count 0', async () => {
  assert.deepEqual(await sequenceNll(base, [1, 2, 3], [IGNORE, IGNORE, IGNORE], { ignoreIndex: IGNORE }), { nll: 0, count: 0 });
});

test('native memory is flat across 5 chunked loss passes', async () => {
  const pass = () => sequenceNll(adapted, goldens.sft.ids, targets, { ignoreIndex: IGNORE, chunkTokens: 16 });
  await pass();
  const start = nativeMemory();
  for (let i = 0; i < 5; i++) await pass();
  assert.deepEqual(nativeMemory(), start);
});
