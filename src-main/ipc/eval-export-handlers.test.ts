import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type { AppEvent } from '../../src-shared/ipc-contract';
import type { EvalStartRequest } from '../../src-shared/dto/evals';
import { writeAppSettings } from '../app-settings';
import { UserError } from '../errors';
import { openStore, type Db } from '../store/db';
import { insertRun } from '../store/queries/runs';
import { tempDir, tinyQwen2Adapter, tinyQwen2Model } from '../test-support/paths';
import type { HandlerContext } from './context';
import { evalArgs, evalHandlers } from './eval-handlers';
import { validateRequest } from '../../src-shared/ipc-contract';
import { exportHandlers } from './export-handlers';
import { EXPORT_MARKER } from '../export/output-folder';

function setup(): { ctx: HandlerContext; events: AppEvent[]; db: Db; dir: string; runId: number; waitFor: (type: AppEvent['type']) => Promise<AppEvent> } {
  const dir = tempDir('tuneloom-eval-ipc-');
  const dbPath = join(dir, 'store.db');
  const db = openStore(dbPath);
  writeAppSettings(db, { defaultBackend: 'cpu' });
  const data = join(dir, 'qa.jsonl');
  writeFileSync(
    data,
    ['你好', '学生请假流程？', '图书馆几点开门？']
      .map((q, i) =>
        JSON.stringify({
          messages: [
            { role: 'user', content: q },
            { role: 'assistant', content: `答案${i}` },
          ],
        }),
      )
      .join('\n') + '\n',
  );
  const runId = insertRun(db, {
    name: 'r',
    method: 'lora',
    modelPath: tinyQwen2Model,
    datasetPath: data,
    config: { data, valSplit: 0.34 },
    seed: 42,
    appVersion: '0',
    outDir: join(dir, 'run'),
    preset: 'handbook',
  });
  mkdirSync(join(dir, 'run'));
  db.prepare('UPDATE runs SET adapter_path = ?, status = ? WHERE id = ?').run(tinyQwen2Adapter, 'completed', runId);
  const events: AppEvent[] = [];
  const waiters: { type: string; resolve: (e: AppEvent) => void }[] = [];
  const publish = (e: AppEvent) => {
    events.push(e);
    const i = waiters.findIndex((w) => w.type === e.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(e);
  };
  const waitFor = (type: AppEvent['type']) => new Promise<AppEvent>((resolve) => waiters.push({ type, resolve }));
  return { ctx: { db, dbPath, home: dir, electronVersion: null, publish }, events, db, dir, runId, waitFor };
}

test('evals.start: base then adapter in child processes, progress events, both rows on the run, predictions sorted', { timeout: 120_000 }, async () => {
  const { ctx, events, db, runId, waitFor } = setup();
  try {
    const h = evalHandlers(ctx);
    const done = waitFor('eval.done');
    const job = await h['evals.start']({
      runId,
      split: 'all',
      metrics: ['loss', 'f1', 'em', 'bleu'],
      mode: 'sacrebleu',
      lang: 'zh',
      base: true,
      limit: 2,
      maxNewTokens: 2,
    });
    assert.equal(job.target, 'base');
    assert.deepEqual(await h['evals.active']({ id: runId }), { ...job });
    await assert.rejects(
      async () => h['evals.start']({ runId, split: 'all', metrics: ['f1'], mode: 'sacrebleu', lang: 'zh', base: false, maxNewTokens: 2 }),
      /already running/,
    );
    const end = (await done) as Extract<AppEvent, { type: 'eval.done' }>;
    assert.equal(end.error, null);
    const progress = events
      .filter((e): e is Extract<AppEvent, { type: 'eval.progress' }> => e.type === 'eval.progress')
      .map((e) => `${e.job.target} ${e.job.done}/${e.job.total}`);
    assert.ok(progress.includes('base 2/2') && progress.includes('adapter 2/2'), progress.join(', '));
    assert.ok(progress.indexOf('base 2/2') < progress.indexOf('adapter 1/2'), 'base first, then the adapter');
    const rows = h['evals.list']({ id: runId }) as Awaited<ReturnType<(typeof h)['evals.list']>>;
    assert.deepEqual(
      rows.map((r) => [r.target, r.examples, r.metricMode]),
      [
        ['base', 2, 'sacrebleu'],
        ['adapter', 2, 'sacrebleu'],
      ],
    );
    for (const r of rows) {
      assert.equal(typeof r.loss, 'number');
      for (const k of ['f1', 'em', 'bleu4', 'perplexity']) assert.equal(typeof r.metrics[k], 'number', k);
    }
    const preds = h['evals.predictions']({ evalId: rows[1]!.id, sortBy: 'f1' }) as {
      idx: number;
      reference: string | null;
      scores: Record<string, number> | null;
    }[];
    assert.equal(preds.length, 2);
    assert.ok(preds[0]!.scores!.f1 <= preds[1]!.scores!.f1, 'worst first');
    assert.equal(await h['evals.active']({ id: runId }), null);
  } finally {
    db.close();
  }
});

test('evals: arguments follow the run (split, val-split, seed, format); a run without an adapter is refused in one line', () => {
  const { ctx, db, runId } = setup();
  try {
    const run = {
      id: runId,
      modelPath: '/m',
      adapterPath: '/a',
      seed: 7,
      datasetPath: '/d.jsonl',
      config: { data: '/d.jsonl', valSplit: 0.1, format: 'conversations' },
    } as never;
    const args = evalArgs(
      run,
      { runId, split: 'validation', metrics: ['bleu', 'rouge'], mode: 'jieba', lang: 'zh', base: false, maxNewTokens: 16, limit: 5 },
      'adapter',
      '/db',
      'wasm',
    );
    const flag = (name: string) => args[args.indexOf(name) + 1];
    assert.deepEqual(
      [
        flag('--split'),
        flag('--val-split'),
        flag('--seed'),
        flag('--format'),
        flag('--limit'),
        flag('--adapter'),
        flag('--backend'),
        flag('--mode'),
        flag('--metrics'),
      ],
      ['validation', '0.1', '7', 'conversations', '5', '/a', 'wasm', 'jieba', 'bleu,rouge'],
    );
    assert.ok(
      !evalArgs(run, { runId, split: 'all', metrics: ['f1'], mode: 'sacrebleu', lang: 'en', base: true, maxNewTokens: 4 }, 'base', '/db', 'auto').includes(
        '--adapter',
      ),
    );
    assert.ok(!args.includes('--temperature'), 'greedy unless a temperature is given');
    // Sampled: base and adapter draw with the run's seed, so before/after differ by the adapter only.
    for (const target of ['base', 'adapter'] as const) {
      const sampled = evalArgs(
        run,
        { runId, split: 'all', metrics: ['f1'], mode: 'sacrebleu', lang: 'en', base: true, maxNewTokens: 4, temperature: 0.7 },
        target,
        '/db',
        'auto',
      );
      assert.deepEqual([sampled[sampled.indexOf('--temperature') + 1], sampled[sampled.indexOf('--sample-seed') + 1]], ['0.7', '7']);
    }
    db.prepare('UPDATE runs SET adapter_path = NULL WHERE id = ?').run(runId);
    assert.throws(
      () => evalHandlers(ctx)['evals.start']({ runId, split: 'all', metrics: ['f1'], mode: 'sacrebleu', lang: 'zh', base: true, maxNewTokens: 2 }),
      (e: unknown) => e instanceof UserError && /has no finished adapter yet/.test(e.message) && !e.message.includes('\n'),
    );
  } finally {
    db.close();
  }
});

test('evals: a thinking budget and "Wait" extensions reach both targets as --think-budget / --think-wait', () => {
  const { db, runId } = setup();
  try {
    const run = { id: runId, modelPath: '/m', adapterPath: '/a', seed: 7, datasetPath: '/d.jsonl', config: { data: '/d.jsonl' } } as never;
    const req: EvalStartRequest = { runId, split: 'all', metrics: ['f1'], mode: 'sacrebleu', lang: 'en', base: true, maxNewTokens: 64 };
    for (const target of ['base', 'adapter'] as const) {
      const args = evalArgs(run, { ...req, thinkBudget: 32, thinkWait: 2 }, target, '/db', 'auto');
      assert.deepEqual([args[args.indexOf('--think-budget') + 1], args[args.indexOf('--think-wait') + 1]], ['32', '2'], target);
    }
    const plain = evalArgs(run, { ...req, thinkBudget: 0, thinkWait: 0 }, 'adapter', '/db', 'auto');
    assert.ok(!plain.includes('--think-budget') && !plain.includes('--think-wait'), '0 means off');
    assert.deepEqual(validateRequest('evals.start', { ...req, thinkBudget: 32, thinkWait: 2 }), { ...req, thinkBudget: 32, thinkWait: 2 });
    assert.throws(() => validateRequest('evals.start', { ...req, thinkWait: 65 }), /thinkWait must be at most 64/);
  } finally {
    db.close();
  }
});

test('exports.start adapter: the PEFT folder copied and checked; an existing folder refused in one line until overwrite', { timeout: 30_000 }, async () => {
  const { ctx, db, dir, runId, waitFor } = setup();
  try {
    const h = exportHandlers(ctx);
    const done = waitFor('export.done');
    const job = await h['exports.start']({ runId, to: 'adapter' });
    assert.equal(job.out, join(dir, 'run', 'export-adapter'));
    const end = (await done) as Extract<AppEvent, { type: 'export.done' }>;
    assert.equal(end.error, null);
    assert.deepEqual(readdirSync(job.out).sort(), [EXPORT_MARKER, 'README.md', ...readdirSync(tinyQwen2Adapter)].sort());
    assert.equal(statSync(join(job.out, 'adapter_model.safetensors')).size, statSync(join(tinyQwen2Adapter, 'adapter_model.safetensors')).size);
    assert.equal(end.export?.kind, 'adapter');
    assert.equal(end.export?.selfCheck?.ok, true);
    assert.match(end.export!.selfCheck!.summary!, /2 adapter files and a README written; every byte matches/);
    assert.deepEqual(
      (h['exports.list']({ id: runId }) as { id: number }[]).map((e) => e.id),
      [end.export!.id],
    );

    assert.throws(
      () => h['exports.start']({ runId, to: 'adapter' }),
      (e: unknown) =>
        e instanceof UserError &&
        /export-adapter: the export folder already exists and is not empty — choose another folder, or confirm to overwrite it$/.test(e.message),
    );
    writeFileSync(join(job.out, 'stale.txt'), 'old');
    const again = waitFor('export.done');
    await h['exports.start']({ runId, to: 'adapter', overwrite: true });
    assert.equal(((await again) as Extract<AppEvent, { type: 'export.done' }>).error, null);
    assert.ok(!existsSync(join(job.out, 'stale.txt')), 'overwrite replaced the folder');
  } finally {
    db.close();
  }
});

/** A finished run as the trainer leaves it: the adapter in the run folder, with checkpoints and an earlier export beside it. */
function realRunLayout(db: Db, dir: string, runId: number): string {
  const out = join(dir, 'run');
  for (const f of readdirSync(tinyQwen2Adapter)) copyFileSync(join(tinyQwen2Adapter, f), join(out, f));
  mkdirSync(join(out, 'checkpoint-4'));
  writeFileSync(join(out, 'checkpoint-4', 'optimizer.safetensors'), 'x'.repeat(1000));
  mkdirSync(join(out, 'export-gguf-f16'));
  writeFileSync(join(out, 'export-gguf-f16', 'model-f16.gguf'), 'gguf');
  db.prepare('UPDATE runs SET adapter_path = ? WHERE id = ?').run(out, runId);
  return out;
}

const exportDone = (e: AppEvent) => e as Extract<AppEvent, { type: 'export.done' }>;

test(
  'exports.start adapter of a real run folder: the default folder inside it works, and only the two files and a README are written (issue 15 #6)',
  { timeout: 30_000 },
  async () => {
    const { ctx, db, dir, runId, waitFor } = setup();
    try {
      const runDir = realRunLayout(db, dir, runId);
      const h = exportHandlers(ctx);
      let done = waitFor('export.done');
      const job = await h['exports.start']({ runId, to: 'adapter' });
      assert.equal(job.out, join(runDir, 'export-adapter'));
      assert.equal(exportDone(await done).error, null, 'the default folder is inside the run folder, which cp refused (ERR_FS_CP_EINVAL)');
      const expected = [EXPORT_MARKER, 'README.md', 'adapter_config.json', 'adapter_model.safetensors'];
      assert.deepEqual(readdirSync(job.out).sort(), expected.sort());
      assert.ok(readFileSync(join(job.out, 'adapter_model.safetensors')).equals(readFileSync(join(runDir, 'adapter_model.safetensors'))));
      assert.match(readFileSync(join(job.out, 'README.md'), 'utf8'), /PeftModel\.from_pretrained/);

      const custom = join(dir, 'elsewhere');
      done = waitFor('export.done');
      await h['exports.start']({ runId, to: 'adapter', out: custom });
      assert.equal(exportDone(await done).error, null);
      assert.deepEqual(readdirSync(custom).sort(), expected.sort(), 'no checkpoints, no earlier exports');
    } finally {
      db.close();
    }
  },
);

test(
  'exports.start overwrite replaces only a previous export: never a folder of the user’s, the data folder, the store or a parent of them (issue 16 #1)',
  { timeout: 30_000 },
  async () => {
    const { ctx, db, dir, runId, waitFor } = setup();
    try {
      const h = exportHandlers(ctx);
      const mine = join(dir, 'my-notes');
      mkdirSync(mine);
      writeFileSync(join(mine, 'thesis.txt'), 'keep me');
      for (const out of [mine, ctx.home, dir, dirname(dir)]) {
        assert.throws(
          () => h['exports.start']({ runId, to: 'adapter', out, overwrite: true }),
          (e: unknown) => e instanceof UserError && !e.message.includes('\n') && /not a Tuneloom export|data folder or store/.test(e.message),
          out,
        );
      }
      assert.ok(existsSync(join(mine, 'thesis.txt')) && existsSync(ctx.dbPath), 'nothing was deleted');
      db.prepare('SELECT 1').get(); // the live store still answers

      // A previous export is replaced by a swap: no staging or old folder is left beside it.
      const out = join(dir, 'adapter-out');
      let done = waitFor('export.done');
      await h['exports.start']({ runId, to: 'adapter', out });
      assert.equal(exportDone(await done).error, null);
      done = waitFor('export.done');
      await h['exports.start']({ runId, to: 'adapter', out, overwrite: true });
      assert.equal(exportDone(await done).error, null);
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.includes('adapter-out')),
        ['adapter-out'],
      );
    } finally {
      db.close();
    }
  },
);
