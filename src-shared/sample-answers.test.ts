import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SampleRow } from './dto/runs';
import { answersByPrompt } from './sample-answers';

const s = (step: number, promptIdx: number, prompt: string, output: string): SampleRow => ({ step, promptIdx, prompt, output });

test('answers are matched by prompt text, not by position; a run that never saw a prompt has none', () => {
  const demo = [s(8, 0, '图书馆周末几点开门？', 'demo@8'), s(24, 0, '图书馆周末几点开门？', 'demo@24'), s(24, 1, '如何申请缓考？', 'demo-exam')];
  const adgen = [s(30, 0, '类型#裙*颜色#红色', 'adgen-dress'), s(30, 1, '图书馆周末几点开门？ ', 'adgen-library')];
  const rows = answersByPrompt([demo, adgen]);
  assert.deepEqual(
    rows.map((r) => r.prompt),
    ['图书馆周末几点开门？', '如何申请缓考？', '类型#裙*颜色#红色'],
  );
  assert.deepEqual(
    rows.map((r) => r.answers.map((a) => a?.output ?? '—')),
    [
      ['demo@24', 'adgen-library'],
      ['demo-exam', '—'],
      ['—', 'adgen-dress'],
    ],
  );
});

test('no samples at all: no rows; one run without samples: "—" in its column', () => {
  assert.deepEqual(answersByPrompt([[], []]), []);
  assert.deepEqual(
    answersByPrompt([[s(1, 0, 'q', 'a')], []]).map((r) => r.answers.map((a) => a?.output ?? null)),
    [['a', null]],
  );
});
