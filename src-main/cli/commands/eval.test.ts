import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../../store/db';
import { evalPredictions, evalRunsOf } from '../../store/queries/eval-runs';
import { runTuneloom } from '../../test-support/cli';
import { tempDir, tinyQwen2Model } from '../../test-support/paths';

test('tuneloom eval (base model, "before"): CLI.md JSON shape, and the run with its predictions in the store', async () => {
  const dir = tempDir('tuneloom-cli-eval-');
  const data = join(dir, 'qa.jsonl');
  writeFileSync(data, [
    JSON.stringify({ messages: [{ role: 'user', content: '你好' }, { role: 'assistant', content: '你好！' }] }),
    JSON.stringify({ messages: [{ role: 'user', content: '学生请假流程？' }, { role: 'assistant', content: '填写请假单。' }] }),
  ].join('\n') + '\n');
  const db = join(dir, 'store.db');
  const r = await runTuneloom(['eval', '--model', tinyQwen2Model, '--data', data, '--max-new-tokens', '3', '--backend', 'cpu', '--db', db, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, unknown> & { predictions: unknown[]; eval_id: number };
  for (const k of ['examples', 'loss', 'bleu4', 'rouge1', 'rouge2', 'rougeL', 'f1', 'em']) assert.equal(typeof out[k], 'number', k);
  assert.equal(out.examples, 2);
  assert.equal(out.predictions.length, 2);
  const store = openStore(db);
  try {
    const runs = evalRunsOf(store, null);
    assert.deepEqual(runs.map((e) => e.id), [out.eval_id]);
    assert.equal(runs[0].loss, out.loss);
    assert.equal(evalPredictions(store, out.eval_id).length, 2);
  } finally {
    store.close();
  }

  const bad = await runTuneloom(['eval', '--model', tinyQwen2Model, '--data', data, '--metrics', 'bleu,accuracy']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--metrics: unknown metric "accuracy"/);
});
