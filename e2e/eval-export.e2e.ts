/**
 * Evaluate and export from the run dashboard: a tiny LoRA run trained by `tuneloom train` into the
 * store of a real `tuneloom serve` (the byte-level tiny Qwen2, seconds on a CPU), then, in the
 * browser, the Evaluate tab runs the same few validation examples through the base model and the
 * adapter (child processes of serve) and shows both columns; the Export tab writes a merged model,
 * whose self-check result appears, and refuses the now existing folder until "overwrite".
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openStore } from '../src-main/store/db';
import { insertRun } from '../src-main/store/queries/runs';
import { attachEvalToRun, evalPredictions, evalRunRows, recordEvalRun } from '../src-main/store/queries/eval-runs';
import { writeLearningData } from '../src-main/test-support/learning-data';
import { repoRoot } from '../src-main/test-support/paths';
import { writeTinyModel } from '../src-main/test-support/tiny-model';
import { clippedSelects, clippedTexts, screenshot, HANG_GUARD_MS } from './support/browser';
import { servedApp } from './support/served-app';
import { SocketGate } from './support/socket-gate';
import type { AppEvent } from '../src-shared/ipc-contract';

/** The Evaluate tab's three cards: the form, the results and the predictions. */
const EVAL_CARDS = '[data-testid="eval-form"], [data-testid="eval-results"], [data-testid="eval-predictions"]';

describe('evaluate and export a finished run', () => {
  let runId: number;
  // The store gets a finished run (trained through the CLI) before the browser opens.
  const app = servedApp({
    setup: (serve) => {
      const model = writeTinyModel(join(serve.home, 'tiny-model'));
      const data = writeLearningData(join(serve.home, 'qa.jsonl'));
      // 60 steps as in the handbook flow (the adapter learns the topic answers); 20% held out for the eval.
      const train = spawnSync(
        process.execPath,
        [
          join(repoRoot, 'dist/cli.js'),
          'train',
          '--model',
          model,
          '--data',
          data,
          '--out',
          join(serve.home, 'run'),
          '--max-steps',
          '60',
          '--lr',
          '0.01',
          '--scheduler',
          'constant',
          '--grad-accum',
          '1',
          '--val-split',
          '0.2',
          '--eval-every',
          '0',
          '--backend',
          'cpu',
          '--db',
          serve.dbPath,
          '--json',
        ],
        { env: { ...process.env, TUNELOOM_HOME: serve.home }, encoding: 'utf8' },
      );
      assert.equal(train.status, 0, train.stderr);
      runId = (JSON.parse(train.stdout.trim().split('\n').at(-1)!) as { run_id: number }).run_id;
    },
  });

  test('Evaluate tab: before/after table with numbers for the base model and the adapter, predictions next to references', async () => {
    const page = app.s.page;
    await page.goto(app.serve.url);
    await page.locator('nav a[data-nav="settings"]').click();
    await page.getByLabel('默认计算后端').selectOption('cpu');
    await page.locator('.toast', { hasText: '已保存' }).waitFor();
    await page.goto(`${app.serve.url}#/runs/${runId}`);
    await page.locator('.badge[data-status="completed"]').waitFor();
    await page.locator('button[data-tab="evaluate"]').click();
    // A run without a preset gets the custom set (all metrics); keep it quick: loss, BLEU/ROUGE, F1/EM on 3 examples.
    await page.locator('[data-testid="eval-split"]').selectOption('validation');
    await page.locator('[data-testid="eval-limit"]').fill('3');
    await page.locator('[data-testid="eval-max-new-tokens"]').fill('8');
    await page.getByLabel('文本语言').selectOption('en');
    await page.locator('[data-testid="eval-start"]').click();
    await page.locator('[data-testid="eval-progress"]').waitFor();
    await screenshot(page, 'zh-CN-eval-progress');
    await page.locator('[data-testid="eval-progress"]').waitFor({ state: 'detached', timeout: HANG_GUARD_MS });
    assert.equal(
      await page.locator('[data-testid="eval-error"]').count(),
      0,
      await page
        .locator('[data-testid="eval-error"]')
        .allInnerTexts()
        .then((t) => t.join()),
    );

    const table = page.locator('[data-testid="eval-table"]');
    await table.waitFor();
    for (const metric of ['loss', 'bleu4', 'rougeL', 'f1', 'em']) {
      const row = table.locator(`tr[data-metric="${metric}"]`);
      const before = Number(await row.locator('[data-testid="eval-before"]').innerText());
      const afterV = Number(await row.locator('[data-testid="eval-after"]').innerText());
      assert.ok(Number.isFinite(before) && Number.isFinite(afterV), `${metric}: ${before} / ${afterV}`);
    }
    const loss = (col: string) => table.locator(`tr[data-metric="loss"] [data-testid="${col}"]`).innerText().then(Number);
    assert.ok((await loss('eval-after')) < (await loss('eval-before')), 'the adapter lowers the validation loss');
    assert.match(await table.locator('tr[data-metric="bleu4"]').innerText(), /sacrebleu/, 'the scoring mode is named next to the number');
    assert.match(await table.locator('tr[data-metric="f1"]').innerText(), /SQuAD/);
    const preds = page.locator('[data-testid="eval-predictions-table"] tbody tr');
    assert.equal(await preds.count(), 3);
    assert.match(await page.locator('[data-testid="eval-scale"]').innerText(), /分数为 0–100，越高越好/);
    // 最差在前 / 最好在前 flips the predictions by the chosen score.
    const scores = async () => (await page.locator('[data-testid="eval-predictions-table"] tbody tr td:last-child').allInnerTexts()).map(Number);
    const worst = await scores();
    assert.deepEqual(
      worst,
      [...worst].sort((x, y) => x - y),
      'worst first by default',
    );
    await page.locator('[data-testid="eval-predictions"] button', { hasText: '最好在前' }).click();
    await page.waitForFunction(
      (w) =>
        JSON.stringify(
          Array.from(document.querySelectorAll('[data-testid="eval-predictions-table"] tbody tr td:last-child')).map((td) => Number(td.textContent)),
        ) === w,
      JSON.stringify([...worst].reverse()),
    );
    await page.locator('[data-testid="eval-predictions"] button', { hasText: '最差在前' }).click();
    assert.deepEqual(await clippedTexts(page, { within: EVAL_CARDS, ellipsized: true }), [], 'Evaluate tab text cut off or ellipsized (zh-CN)');
    assert.deepEqual(await clippedSelects(page, EVAL_CARDS), [], 'an Evaluate tab choice shown cut (zh-CN)');
    await screenshot(page, 'zh-CN-eval-before-after');
    await page.locator('[data-testid="eval-predictions"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'zh-CN-eval-predictions');
    assert.deepEqual(app.s.errors, []);
  });

  test('Evaluate tab: a thinking budget on a model without <think> is one line; a budget-forced eval shows what it did, before and after', async () => {
    const page = app.s.page;
    await page.goto(`${app.serve.url}#/runs/${runId}`);
    await page.locator('button[data-tab="evaluate"]').click();
    await page.locator('[data-testid="eval-limit"]').fill('3');
    await page.locator('[data-testid="eval-think-budget"]').fill('2');
    await page.locator('[data-testid="eval-think-wait"]').fill('1');
    await page.locator('[data-testid="eval-start"]').click();
    // The tiny Qwen2 fixture's tokenizer has no <think>: the eval stops at once, saying so in one line.
    const failed = page.locator('[data-testid="eval-error"]');
    await failed.waitFor();
    const line = await failed.innerText();
    assert.match(line, /--think-budget needs a model whose tokenizer has <think> and <\/think> tokens/, line);
    assert.match(line, /tokenizer\.json/, line);
    assert.ok(!line.trim().includes('\n'), line);
    await screenshot(page, 'zh-CN-eval-think-refused');

    // What a budget-forced eval did, as the CLI stores it: the latest before/after pair again, with its summary.
    const db = openStore(app.serve.dbPath);
    try {
      const pair = evalRunRows(db, runId).slice(-2);
      assert.deepEqual(
        pair.map((e) => e.target),
        ['base', 'adapter'],
      );
      for (const [i, e] of pair.entries()) {
        const predictions = evalPredictions(db, e.id).map((p) => ({ prompt: p.prompt, prediction: p.prediction, reference: p.reference, scores: p.scores }));
        const thinking = { budget: 2, maxWaits: 1, meanTokens: 1.5 + i, waits: i, forcedCloses: 3 - i };
        const { evalId } = recordEvalRun(db, {
          ...e,
          modelPath: e.modelPath!,
          split: e.split!,
          metricMode: e.metricMode!,
          examples: e.examples!,
          thinking,
          predictions,
        });
        if (e.target === 'base') attachEvalToRun(db, evalId, runId);
      }
    } finally {
      db.close();
    }
    await page.reload();
    await page.locator('button[data-tab="evaluate"]').click();
    const lines = page.locator('[data-testid="eval-thinking"]');
    await lines.nth(1).waitFor();
    assert.deepEqual(await lines.evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.side)), ['before', 'after']);
    assert.deepEqual(
      (await lines.allInnerTexts()).map((t) => t.trim()),
      [
        '训练前（基础模型）：每个回答平均思考 1.5 个 token · 预算 2 · “Wait” 共用 0 次（每个回答最多 1 次）· 3 个回答按预算结束思考',
        '训练后（适配器）：每个回答平均思考 2.5 个 token · 预算 2 · “Wait” 共用 1 次（每个回答最多 1 次）· 2 个回答按预算结束思考',
      ],
    );
    assert.deepEqual(await clippedTexts(page, { within: EVAL_CARDS, ellipsized: true }), [], 'Evaluate tab text cut off or ellipsized (zh-CN)');
    await page.locator('[data-testid="eval-results"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'zh-CN-eval-thinking');
    assert.deepEqual(app.s.errors, []);
  });

  test('Export tab: a merged model with its self-check result; the existing folder is refused until overwrite', async () => {
    const page = app.s.page;
    await page.locator('button[data-tab="export"]').click();
    await page.locator('button[data-export="merged"]').click();
    const result = page.locator('[data-testid="export-result"]');
    await result.waitFor({ timeout: HANG_GUARD_MS });
    const check = page.locator('[data-testid="export-selfcheck"]');
    assert.equal(await check.getAttribute('data-ok'), 'true');
    assert.match(await check.innerText(), /✓ 通过 — 3\/3 prompts: identical greedy tokens/);
    await screenshot(page, 'zh-CN-export-merged-self-check');

    await page.locator('button[data-export="merged"]').click();
    const error = page.locator('[data-testid="export-error"]');
    await error.waitFor();
    assert.match(await error.innerText(), /export-merged: the export folder already exists and is not empty/);
    await screenshot(page, 'zh-CN-export-refused');
    await page.locator('[data-testid="export-overwrite"]').click();
    await page.locator('[data-testid="export-result"]').waitFor({ timeout: HANG_GUARD_MS });
    assert.equal(await page.locator('[data-testid="export-table"] tbody tr').count(), 2);
    assert.deepEqual(app.s.errors, []);
  });

  test('Evaluate tab in English: every label is read whole (none cut, none ellipsized); results and predictions', async () => {
    const page = app.s.page;
    await page.goto(`${app.serve.url}#/settings`);
    await page.locator('button[data-lang="en"]').click();
    await page.locator('main h1', { hasText: 'Settings' }).waitFor();
    await page.goto(`${app.serve.url}#/runs/${runId}`);
    await page.locator('button[data-tab="evaluate"]').click();
    await page.locator('[data-testid="eval-table"]').waitFor();
    await page.locator('[data-testid="eval-predictions-table"] tbody tr').first().waitFor();
    await screenshot(page, 'en-eval-before-after'); // before the checks, so a failure leaves a picture of it
    assert.equal(await page.getByLabel('At most N examples').inputValue(), '20', 'the en labels name their fields');
    assert.deepEqual(await clippedTexts(page, { within: EVAL_CARDS, ellipsized: true }), [], 'Evaluate tab text cut off or ellipsized (en)');
    assert.deepEqual(await clippedSelects(page, EVAL_CARDS), [], 'an Evaluate tab choice shown cut (en)');
    assert.deepEqual(await clippedTexts(page), [], 'clipped text on the run page (en)');
    assert.match(await page.locator('[data-testid="eval-scale"]').innerText(), /0–100 scale, higher is better/);
    await page.locator('[data-testid="eval-predictions"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'en-eval-predictions');
    assert.equal(await page.locator('[data-testid="eval-predictions-table"] tbody tr').count(), 3);
    assert.deepEqual(await clippedTexts(page, { within: EVAL_CARDS, ellipsized: true }), [], 'the predictions card in en');
    assert.deepEqual(app.s.errors, []);
  });

  test("Compare shows each run's stored eval metrics (before → after, with the scoring mode)", async () => {
    const db = openStore(app.serve.dbPath);
    const other = insertRun(db, { name: 'not evaluated', method: 'lora', modelPath: '/m', config: {}, seed: 1, appVersion: '0', outDir: '/o' });
    db.close();
    const page = app.s.page;
    await page.goto(`${app.serve.url}#/compare?ids=${runId},${other}`);
    const finals = page.locator('[data-testid="final-metrics"]');
    const bleu = finals.locator('tr[data-eval-metric="bleu4"]');
    await bleu.waitFor();
    const cells = await bleu.locator('td').allInnerTexts();
    assert.match(cells[1]!, /^\d+\.\d\d → \d+\.\d\d\s*sacrebleu$/, cells[1]);
    assert.equal(cells[2], '—');
    assert.match(await finals.locator('tr[data-eval-metric="loss"] td').nth(1).innerText(), /^\d+\.\d\d → \d\.\d\d$/);
    await finals.scrollIntoViewIfNeeded();
    await screenshot(page, 'en-compare-eval-metrics');
    assert.deepEqual(app.s.errors, []);
  });

  // The ETA of a job comes from the pace of its progress events. The test paces them: the gate holds the
  // job's events until the job has finished, then hands them over one by one with the page's clock moved
  // 5 s ahead before each, so "time left" has a known pace to come from (no waiting for real time).
  test('Evaluate and Export show the time left while they run, in en and zh-CN', async (t) => {
    const page = app.s.page;
    const gate = new SocketGate({ events: ['eval.progress', 'eval.done', 'export.progress', 'export.done'] });
    await gate.install(page);
    await page.clock.install();
    await page.goto(`${app.serve.url}#/settings`);
    await page.locator('button[data-lang="en"]').click();
    await page.locator('main h1', { hasText: 'Settings' }).waitFor();
    await page.goto(`${app.serve.origin}/#/runs/${runId}`);
    await page.locator('.badge[data-status="completed"]').waitFor();

    /** Delivers the held events one at a time (clock 5 s ahead each); returns the ETA texts seen on the way. */
    async function paced(progress: string, label: (e: AppEvent) => string | null, shot: string): Promise<string[]> {
      const etas: string[] = [];
      while (gate.held.length) {
        await page.clock.fastForward(5000);
        const frame = gate.releaseNext();
        if (!('event' in frame)) continue;
        const text = label(frame.event);
        if (text === null) continue;
        await page.locator(`[data-testid="${progress}"]`, { hasText: text }).waitFor();
        const eta = page.locator(`[data-testid="${progress}"] [data-testid="eta"]`);
        if (!(await eta.count())) continue;
        etas.push(await eta.innerText());
        if (etas.length === 1) await screenshot(page, shot);
      }
      gate.releaseAll();
      await page.locator(`[data-testid="${progress}"]`).waitFor({ state: 'detached' });
      return etas;
    }

    // Evaluate, in English: the adapter on 3 validation examples.
    await page.locator('button[data-tab="evaluate"]').click();
    await page.locator('[data-testid="eval-split"]').selectOption('validation');
    await page.locator('[data-testid="eval-limit"]').fill('3');
    await page.locator('[data-testid="eval-max-new-tokens"]').fill('8');
    await page.locator('[data-testid="eval-base"]').uncheck();
    gate.holding = true;
    await page.locator('[data-testid="eval-start"]').click();
    await page.locator('[data-testid="eval-progress"]').waitFor();
    await gate.waitHeld(1, (f) => 'event' in f && f.event.type === 'eval.done');
    const evalEvents = gate.heldEvents();
    assert.ok(evalEvents.filter((e) => e.type === 'eval.progress' && e.job.done > 0).length >= 2, 'the eval reports each example');
    const evalEtas = await paced(
      'eval-progress',
      (e) => {
        if (e.type !== 'eval.progress' || e.job.done === 0) return null;
        return `${e.job.done} / ${e.job.total}`;
      },
      'en-eval-eta',
    );
    assert.ok(evalEtas.length >= 1, 'the eval showed a time left');
    t.diagnostic(`eval ETAs: ${evalEtas.join(' | ')}`);
    assert.ok(
      evalEtas.every((t) => /^· about \d+ s left$/.test(t.trim())),
      evalEtas.join(' | '),
    );
    assert.equal(await page.locator('[data-testid="eval-error"]').count(), 0);

    // Export, in zh-CN: a merged model into a fresh folder.
    await page.locator('nav a[data-nav="settings"]').click();
    await page.locator('button[data-lang="zh-CN"]').click();
    await page.locator('main h1', { hasText: '设置' }).waitFor();
    await page.goto(`${app.serve.origin}/#/runs/${runId}`);
    await page.locator('button[data-tab="export"]').click();
    await page.locator('[data-testid="export-out"]').fill(join(app.serve.home, 'export-eta'));
    gate.holding = true;
    await page.locator('button[data-export="merged"]').click();
    await page.locator('[data-testid="export-progress"]').waitFor();
    await gate.waitHeld(1, (f) => 'event' in f && f.event.type === 'export.done');
    const writes = gate.heldEvents().flatMap((e) => (e.type === 'export.progress' && e.job.stage === 'write' ? [e.job.pct] : []));
    assert.ok(writes.filter((p) => p > 0 && p < 100).length >= 2, `the export reports its writing: ${writes.join(', ')}`);
    const exportEtas = await paced(
      'export-progress',
      (e) => {
        if (e.type !== 'export.progress' || e.job.stage !== 'write') return null;
        return `正在写入：${e.job.pct}%`;
      },
      'zh-CN-export-eta',
    );
    assert.ok(exportEtas.length >= 1, 'the export showed a time left');
    t.diagnostic(`export ETAs: ${exportEtas.join(' | ')} (writing ${writes.join(', ')} %)`);
    assert.ok(
      exportEtas.every((t) => /^· 还需约 \d+ 秒$/.test(t.trim())),
      exportEtas.join(' | '),
    );
    await page.locator('[data-testid="export-result"]').waitFor();
    assert.deepEqual(app.s.errors, []);
  });
});
