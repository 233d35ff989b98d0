import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runTuneloom } from '../../test-support/cli';
import { sharedFixtures, tempDir } from '../../test-support/paths';

const goldens = JSON.parse(readFileSync(join(sharedFixtures, 'text_metric_goldens.json'), 'utf8')) as {
  hyps: string[];
  refs: string[];
  corpus_bleu_zh: number;
};

test('tuneloom metrics reproduces the sacrebleu golden and prints the CLI.md shape', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'hyps.txt'), goldens.hyps.join('\n') + '\n');
  writeFileSync(join(dir, 'refs.txt'), goldens.refs.join('\r\n')); // CRLF, no final newline
  const r = await runTuneloom(['metrics', '--hyps', join(dir, 'hyps.txt'), '--refs', join(dir, 'refs.txt'), '--lang', 'zh', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  for (const key of ['bleu4', 'rouge1', 'rouge2', 'rougeL', 'f1', 'em']) assert.equal(typeof out[key], 'number', key);
  assert.equal(out.mode, 'sacrebleu');
  assert.equal(out.examples, 4);
  assert.ok(Math.abs((out.bleu4 as number) - goldens.corpus_bleu_zh) < 0.01);

  const j = await runTuneloom(['metrics', '--hyps', join(dir, 'hyps.txt'), '--refs', join(dir, 'refs.txt'), '--mode', 'jieba', '--json']);
  assert.equal(j.code, 0, j.stderr);
  assert.equal((JSON.parse(j.stdout) as { mode: string }).mode, 'jieba');
});

test('tuneloom metrics: different line counts and an empty prediction file are one-line user errors', async () => {
  const dir = tempDir();
  const hyps = join(dir, 'hyps.txt');
  const refs = join(dir, 'refs.txt');
  writeFileSync(hyps, 'a\nb\nc\n');
  writeFileSync(refs, 'a\nb\n');
  const r = await runTuneloom(['metrics', '--hyps', hyps, '--refs', refs, '--json']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, new RegExp(`${hyps.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has 3 lines but .*refs\\.txt has 2`));

  writeFileSync(hyps, '');
  const e = await runTuneloom(['metrics', '--hyps', hyps, '--refs', refs, '--json']);
  assert.equal(e.code, 1);
  assert.match(e.stderr, /hyps\.txt: no predictions/);
  assert.equal(e.stderr.trim().split('\n').length, 1);
});

test('scores print rounded to 4 decimals in both modes (no float noise such as 78.78790000000001)', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'hyps.txt'), '今天天气很好\n我们去公园玩\n');
  writeFileSync(join(dir, 'refs.txt'), '今天天气不错\n我们去公园\n');
  for (const mode of ['sacrebleu', 'jieba']) {
    const r = await runTuneloom(['metrics', '--hyps', join(dir, 'hyps.txt'), '--refs', join(dir, 'refs.txt'), '--mode', mode, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, number>;
    for (const key of ['bleu4', 'rouge1', 'rouge2', 'rougeL', 'f1', 'em']) {
      assert.ok((String(out[key]).split('.')[1] ?? '').length <= 4, `${mode} ${key}: ${out[key]}`);
    }
    assert.equal(out.f1, 78.7879, mode);
  }
});
