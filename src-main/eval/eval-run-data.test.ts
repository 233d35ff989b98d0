/**
 * Eval reads a run's data as its training read it (issue #19): `tuneloom eval --run ID` takes the run's
 * dataset spec (every file of a folder import, the encoding the user chose), so `--split validation` of a
 * Big5 folder import scores the held-out examples as the worker read them, not auto-detected mojibake.
 * And the Evaluate tab's split is the run's stored ratio, also when it is 0 (no validation).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { importAndRegister } from '../data/register';
import { isChat } from '../data/types';
import { splitValidation } from '../engine/train/split';
import type { TrainConfig } from '../engine/train/train-config';
import { evalArgs } from '../ipc/eval-handlers';
import { openStore } from '../store/db';
import { getRun, insertRun } from '../store/queries/runs';
import { runTuneloom } from '../test-support/cli';
import { tempDir, tinyQwen2Model } from '../test-support/paths';
import { readExamples } from '../engine-node/node-train-io';

const dir = tempDir('tuneloom-eval-run-data-');

const ANSWERS = ['可以適量服用。', '請儘快就醫。', '多喝溫水。', '請早點休息。', '記得複診。', '不要熬夜。', '清淡飲食。', '按時吃藥。'];

test('`eval --run ID --split validation` on a Big5 folder import scores what the run held out, decoded as the user chose', async () => {
  const dbFile = join(dir, 'store.db');
  const db = openStore(dbFile);
  let runId: number;
  let cfg: TrainConfig;
  try {
    const root = join(dir, 'tw');
    ['內科', '兒科'].forEach((dept, f) => {
      mkdirSync(join(root, String(f)), { recursive: true });
      const rows = ANSWERS.slice(f * 4, f * 4 + 4).map((a, i) => `${dept},t${i},問題${f}${i}？,${a}`);
      writeFileSync(join(root, String(f), 'qa.csv'), iconv.encode(`department,title,ask,answer\n${rows.join('\n')}\n`, 'big5'));
    });
    const folder = await importAndRegister(db, root, { encoding: 'big5' });
    const dataset = { id: folder.id, files: folder.result.files.map((f) => f.path), encoding: 'big5', sha256: folder.result.sha256 };
    cfg = { data: root, dataset, valSplit: 0.25, seed: 3 } as TrainConfig;
    runId = insertRun(db, {
      name: 'tw',
      status: 'completed',
      method: 'lora',
      modelPath: tinyQwen2Model,
      datasetPath: root,
      datasetSha256: folder.result.sha256,
      config: cfg,
      seed: 3,
      appVersion: 'test',
      outDir: join(dir, 'out'),
    });
  } finally {
    db.close();
  }
  // What the worker held out: its reader with the run's spec, and the one split.
  const { examples } = await readExamples(cfg.data, cfg.format, cfg.map, cfg.dataset);
  const held = splitValidation(examples, cfg.valSplit, cfg.seed).val.map((ex) => (isChat(ex) ? ex.messages.at(-1)!.content : ''));
  assert.equal(held.length, 2);
  assert.ok(held.every((a) => ANSWERS.includes(a)));

  const r = await runTuneloom([
    'eval',
    '--model',
    tinyQwen2Model,
    '--run',
    String(runId),
    '--split',
    'validation',
    '--max-new-tokens',
    '1',
    '--metrics',
    'bleu',
    '--backend',
    'cpu',
    '--db',
    dbFile,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { predictions: { reference: string }[] };
  assert.deepEqual(
    out.predictions.map((p) => p.reference),
    held,
    'the held-out answers, in Big5 as imported',
  );
});

test("the Evaluate tab's split is the run's stored ratio and seed, 0 included; its own data goes by --run", () => {
  const db = openStore(join(dir, 'args.db'));
  try {
    const id = insertRun(db, {
      name: 'no-val',
      status: 'completed',
      method: 'lora',
      modelPath: '/m',
      datasetPath: '/d.jsonl',
      config: { data: '/d.jsonl', valSplit: 0, seed: 9 },
      seed: 9,
      appVersion: 'test',
      outDir: '/o',
    });
    const run = { ...getRun(db, id)!, adapterPath: '/a' };
    const req = {
      runId: id,
      split: 'validation' as const,
      metrics: ['bleu' as const],
      mode: 'sacrebleu' as const,
      lang: 'zh' as const,
      base: false,
      maxNewTokens: 4,
    };
    const args = evalArgs(run, req, 'adapter', '/db', 'auto');
    const flag = (a: string[], name: string) => (a.includes(name) ? a[a.indexOf(name) + 1] : undefined);
    assert.equal(flag(args, '--val-split'), '0', 'trained without validation: the validation split is empty, not a default 5% of trained-on examples');
    assert.equal(flag(args, '--seed'), '9');
    assert.equal(flag(args, '--run'), String(id));
    const other = evalArgs(run, { ...req, dataPath: '/other.jsonl' }, 'adapter', '/db', 'auto');
    assert.equal(flag(other, '--run'), undefined, 'another file is read as named');
    assert.equal(flag(other, '--val-split'), '0');
  } finally {
    db.close();
  }
});
