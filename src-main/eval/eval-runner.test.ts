/**
 * Eval run on the tiny fixture, on the ggml engine (cpu backend, f32 weights): the teacher-forced reference loss reproduces transformers + peft's
 * SFT loss from goldens.json (the same chat, parsed back from its ids), generation + scoring
 * fill every requested metric and every prediction's scores, and batched generation (--batch-size)
 * gives the predictions and scores of one-at-a-time generation, greedy and sampled.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadTokenizer } from '../engine-node/load-model';
import { openGgmlInferenceSession, type GgmlInferenceSession } from '../engine-node/ggml-session';
import { tempDir, tinyQwen2Adapter, tinyQwen2Dir, tinyQwen2Model } from '../test-support/paths';
import { generateGgml } from '../engine/ggml/generate';
import { runEval } from './eval-runner';

const goldens = JSON.parse(readFileSync(join(tinyQwen2Dir, 'goldens.json'), 'utf8')) as {
  sft: { ids: number[]; loss: number };
  adapter: { sft_loss: number };
};
let session: GgmlInferenceSession;
let dataFile: string;
let chatsFile: string;

before(async () => {
  session = await openGgmlInferenceSession({ model: tinyQwen2Model, adapter: tinyQwen2Adapter, backend: 'cpu', weights: 'f32' });
  // The golden SFT sample as a chat file: decode its ids and split the ChatML turns.
  const text = loadTokenizer(tinyQwen2Model).decode(goldens.sft.ids);
  const messages = [...text.matchAll(/<\|im_start\|>(\w+)\n([\s\S]*?)<\|im_end\|>/g)].map((m) => ({ role: m[1], content: m[2] }));
  assert.deepEqual(
    messages.map((m) => m.role),
    ['user', 'assistant'],
  );
  dataFile = join(tempDir('tuneloom-eval-'), 'sft.jsonl');
  writeFileSync(dataFile, JSON.stringify({ messages }) + '\n');
  // Five chats whose prompts differ in length, so a batch of 4 is left-padded and a batch of 1 is left over.
  const questions = [
    '你好',
    '高血压病人可以吃党参吗？请详细说明原因和注意事项。',
    'What is LoRA?',
    '类型#裤*版型#宽松*材质#牛仔布*风格#街头*图案#字母',
    '写一句广告语。',
  ];
  chatsFile = join(tempDir('tuneloom-eval-'), 'chats.jsonl');
  writeFileSync(
    chatsFile,
    questions
      .map((q) =>
        JSON.stringify({
          messages: [
            { role: 'user', content: q },
            { role: 'assistant', content: '参考答案。' },
          ],
        }),
      )
      .join('\n') + '\n',
  );
});
after(() => session.dispose());

test('eval loss is the golden SFT loss of base + adapter (transformers + peft, 1e-4 relative)', async () => {
  const r = await runEval(session, { data: dataFile, metrics: ['loss'] });
  assert.equal(r.examples, 1);
  assert.ok(Math.abs(r.loss! - goldens.adapter.sft_loss) <= 1e-4 * goldens.adapter.sft_loss, `${r.loss} vs ${goldens.adapter.sft_loss}`);
  assert.ok(Math.abs(r.perplexity! - Math.exp(r.loss!)) < 1e-6 * r.perplexity!);
  assert.equal(r.bleu4, undefined);
  assert.equal(r.predictions[0].prediction, ''); // no generation when only loss is asked
});

test('generation metrics: every score present, per-prediction scores, jieba mode named', async () => {
  const r = await runEval(session, { data: dataFile, metrics: ['bleu', 'rouge', 'f1', 'em'], maxNewTokens: 4, mode: 'jieba' });
  assert.equal(r.mode, 'jieba');
  for (const k of ['bleu4', 'rouge1', 'rouge2', 'rougeL', 'f1', 'em'] as const) assert.equal(typeof r[k], 'number', k);
  assert.equal(r.loss, undefined);
  assert.ok(r.predictions[0].prediction.length > 0);
  assert.equal(typeof r.predictions[0].scores?.bleu4, 'number');
  assert.ok(r.tokens_per_s! > 0);
});

test('--batch-size 4 gives the predictions and scores of --batch-size 1 (greedy and seeded sampling)', async () => {
  const texts: string[][] = [];
  for (const sampling of [undefined, { greedy: false as const, temperature: 1.2, topK: 50, topP: 0.95, seed: 11 }]) {
    const progress: number[] = [];
    const run = (batchSize: number) =>
      runEval(session, {
        data: chatsFile,
        metrics: ['bleu', 'rouge', 'f1', 'em'],
        maxNewTokens: 6,
        batchSize,
        sampling,
        onProgress: (done) => batchSize === 4 && progress.push(done),
      });
    const one = await run(1);
    const four = await run(4);
    assert.equal(four.examples, 5);
    assert.deepEqual(four.predictions, one.predictions);
    for (const k of ['bleu4', 'rouge1', 'rouge2', 'rougeL', 'f1', 'em'] as const) assert.equal(four[k], one[k], k);
    assert.ok(four.predictions.every((p) => p.prediction.length > 0));
    assert.deepEqual(progress, [1, 2, 3, 4, 5]);
    texts.push(four.predictions.map((p) => p.prediction));
  }
  assert.notDeepEqual(texts[1], texts[0], 'sampled predictions must differ from greedy ones here');
});

test('budget forcing, both ways: the cap closes thinking at N tokens, "Wait" replaces an early close; each prediction records it', async () => {
  const tok = session.tokenizer;
  const think = tok.tokenToId('<think>')!;
  const end = tok.tokenToId('</think>')!;
  // The prompt opens <think> in the user turn (the fixture's template has no thinking prompt).
  const file = join(tempDir('tuneloom-eval-think-'), 'think.jsonl');
  writeFileSync(
    file,
    ['你好<think>', 'What is LoRA?<think>']
      .map((q) =>
        JSON.stringify({
          messages: [
            { role: 'user', content: q },
            { role: 'assistant', content: '好。' },
          ],
        }),
      )
      .join('\n') + '\n',
  );
  const base = { data: file, metrics: ['f1' as const], maxNewTokens: 10 };
  const free = await runEval(session, base);

  // Cap: 3 thought tokens, then the forced close "\n</think>\n\n"; the text before it is the free text's start.
  const closeIds = tok.encode('\n</think>\n\n');
  const capped = await runEval(session, {
    ...base,
    thinking: { budget: 3, thinkStartId: think, thinkEndId: end, closeIds, waitIds: tok.encode('Wait'), maxWaits: 0 },
  });
  for (const [i, p] of capped.predictions.entries()) {
    assert.deepEqual(p.thinking, { budget: 3, maxWaits: 0, tokens: 3, waits: 0, forcedClose: true }, `prediction ${i}`);
    assert.notEqual(p.prediction, free.predictions[i].prediction, 'the forced close changes the text');
  }
  assert.deepEqual(capped.thinking, { budget: 3, maxWaits: 0, meanTokens: 3, waits: 0, forcedCloses: 2 });

  // Wait: the model never writes </think> here, so the id its greedy answer to example 1 starts with
  // stands in for the end of thinking (engine-level options take any id). With one Wait allowed and
  // no cap, that first "close" becomes "Wait" and the thinking goes on.
  const prompt = tok.encodeChat([{ role: 'user', content: '你好<think>' }], { addGenerationPrompt: true }).ids;
  const greedy = await generateGgml(session.model, prompt, { maxNewTokens: 2, sampling: { greedy: true }, eosTokenIds: [] });
  const fakeEnd = greedy.ids[0];
  const extended = await runEval(session, {
    ...base,
    limit: 1,
    thinking: { budget: Infinity, thinkStartId: think, thinkEndId: fakeEnd, closeIds: [fakeEnd], waitIds: tok.encode('Wait'), maxWaits: 1 },
  });
  const used = extended.predictions[0].thinking!;
  assert.equal(used.budget, null);
  assert.equal(used.waits, 1, JSON.stringify(used));
  assert.equal(used.forcedClose, false);
  assert.ok(extended.predictions[0].prediction.startsWith('Wait'), extended.predictions[0].prediction);
  assert.deepEqual(extended.thinking, { budget: null, maxWaits: 1, meanTokens: used.tokens, waits: 1, forcedCloses: 0 });
  assert.equal(free.thinking, undefined, 'no budget forcing, nothing recorded');
});
