/**
 * When one machine is not enough: the wizard offers a cluster recipe when the planner says a run will
 * not fit; the run page's Export tab writes a run's recipe for LLaMA-Factory; a folder laid out like
 * LLaMA-Factory's output (the adapter our trainer wrote, their trainer_log.jsonl) is imported from the
 * runs list; and the imported run shows in compare beside the original. zh-CN, then en.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openStore } from '../src-main/store/db';
import { listMetrics } from '../src-main/store/queries/metrics';
import { getRun } from '../src-main/store/queries/runs';
import { writeLearningData } from '../src-main/test-support/learning-data';
import { repoRoot } from '../src-main/test-support/paths';
import { writeTinyModel } from '../src-main/test-support/tiny-model';
import { screenshot, HANG_GUARD_MS } from './support/browser';
import { servedApp } from './support/served-app';

describe('export a recipe, import the result, compare', () => {
  let runId: number;
  const app = servedApp({
    setup: (serve) => {
      const model = writeTinyModel(join(serve.home, 'tiny-model'));
      const data = writeLearningData(join(serve.home, 'qa.jsonl'));
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
          '8',
          '--lr',
          '0.01',
          '--val-split',
          '0.2',
          '--eval-every',
          '4',
          '--grad-accum',
          '2',
          '--backend',
          'cpu',
          '--db',
          serve.dbPath,
          '--name',
          'local-0.5b',
          '--json',
        ],
        { env: { ...process.env, TUNELOOM_HOME: serve.home }, encoding: 'utf8' },
      );
      assert.equal(train.status, 0, train.stderr);
      runId = (JSON.parse(train.stdout.trim().split('\n').at(-1)!) as { run_id: number }).run_id;
    },
  });

  test('the wizard offers the recipe when the run will not fit', async () => {
    const page = app.s.page;
    await page.goto(app.serve.url);
    // The demo assets are written in the background at start-up; the lists refresh on library.changed.
    await page.locator('nav a[data-nav="models"]').click();
    await page.locator('tr', { hasText: '演示模型 Tiny Qwen2' }).waitFor({ timeout: HANG_GUARD_MS });
    await page.locator('nav a[data-nav="datasets"]').click();
    await page.locator('tr', { hasText: '演示数据：学生手册问答' }).waitFor({ timeout: HANG_GUARD_MS });
    await page.locator('nav a[data-nav="new"]').click();
    await page.locator('button[data-preset="demo"]').click();
    await page.locator('[data-testid="wizard-next"]').click();
    await page.locator('.choice:has(input[name="ds"]:checked)').waitFor();
    await page.locator('[data-testid="wizard-next"]').click();
    await page.locator('.choice:has(input[name="model"]:checked)').waitFor();
    await page.locator('[data-testid="wizard-next"]').click();
    await page.getByLabel('批大小').fill('64');
    await page.getByLabel('最大长度').fill('16384');
    await page.locator('[data-testid="wizard-next"]').click();
    const hint = page.locator('[data-testid="plan-warning"] [data-testid="plan-recipe"]');
    await hint.waitFor({ timeout: HANG_GUARD_MS });
    assert.match(await hint.innerText(), /这台机器放不下？也可以把同样的配方交给多卡机器/);
    await hint.locator('[data-testid="recipe-gpus"]').fill('8');
    await hint.locator('[data-testid="recipe-write"]').click();
    const done = hint.locator('[data-testid="recipe-result"]');
    await done.waitFor({ timeout: HANG_GUARD_MS });
    const out = await done.locator('[data-testid="recipe-path"]').innerText();
    assert.ok(existsSync(join(out, 'llamafactory_lora_sft.yaml')) && existsSync(join(out, 'ds_config.json')), out);
    assert.match(readFileSync(join(out, 'llamafactory_lora_sft.yaml'), 'utf8'), /^per_device_train_batch_size: 8$/m, 'batch 64 over 8 GPUs');
    assert.match(await done.innerText(), /FORCE_TORCHRUN=1 NPROC_PER_NODE=8 llamafactory-cli train llamafactory_lora_sft\.yaml/);
    await hint.scrollIntoViewIfNeeded();
    await screenshot(page, 'zh-CN-wizard-recipe-hint');
    assert.deepEqual(app.s.errors, []);
  });

  for (const lang of ['zh-CN', 'en'] as const) {
    test(`${lang}: export from the run page, import from the runs list, the imported run shows in compare`, async () => {
      const page = app.s.page;
      const t =
        lang === 'en'
          ? { write: 'Write recipe', done: /Recipe written: \d+ training and \d+ validation example/, imported: /Imported "/ }
          : { write: '生成配方', done: /已写出配方：\d+ 条训练样本、\d+ 条验证样本/, imported: /已导入「/ };
      if (lang === 'en') {
        await page.locator('nav a[data-nav="settings"]').click();
        await page.locator('button[data-lang="en"]').click();
        await page.locator('main h1', { hasText: 'Settings' }).waitFor();
      }
      await page.goto(`${app.serve.url}#/runs/${runId}`);
      await page.locator('.badge[data-status="completed"]').waitFor();
      await page.locator('button[data-tab="export"]').click();
      const panel = page.locator('[data-testid="recipe-panel"]');
      await panel.waitFor();
      const out = join(app.serve.home, `recipe-${lang}`);
      await panel.locator('[data-testid="recipe-out"]').fill(out);
      await panel.locator('button', { hasText: t.write }).click();
      const result = panel.locator('[data-testid="recipe-result"]');
      await result.waitFor({ timeout: HANG_GUARD_MS });
      assert.match(await result.innerText(), t.done);
      assert.match(await result.innerText(), /llamafactory-cli train llamafactory_lora_sft\.yaml/);
      await panel.scrollIntoViewIfNeeded();
      await screenshot(page, `${lang}-run-recipe-export`);

      // The cluster's output folder: the adapter (written here by our trainer) and LLaMA-Factory's log,
      // whose losses are the run's own scaled, as a bigger model's would be lower: two curves to tell apart.
      const db = openStore(app.serve.dbPath);
      const run = getRun(db, runId)!;
      const curve = listMetrics(db, runId);
      db.close();
      const saves = join(out, 'saves', 'local-0.5b');
      mkdirSync(saves, { recursive: true });
      for (const f of ['adapter_config.json', 'adapter_model.safetensors']) copyFileSync(join(run.adapterPath!, f), join(saves, f));
      writeFileSync(
        join(saves, 'trainer_log.jsonl'),
        curve
          .map((p) => JSON.stringify({ current_steps: p.step, total_steps: 8, loss: Number((p.loss! * 0.8).toFixed(4)), lr: p.lr, epoch: p.epoch }))
          .join('\n') + '\n',
      );

      await page.locator('nav a[data-nav="runs"]').click();
      await page.locator('[data-testid="import-run"]').click();
      await page.locator('[data-testid="import-path"]').fill(saves);
      await page.locator('[data-testid="import-name"]').fill(`cluster-${lang}`);
      await screenshot(page, `${lang}-runs-import`);
      await page.locator('[data-testid="import-go"]').click();
      const done = page.locator('[data-testid="import-done"]');
      await done.waitFor({ timeout: HANG_GUARD_MS });
      assert.match(await done.innerText(), t.imported);
      const row = page.locator('tr', { hasText: `cluster-${lang}` });
      await row.waitFor();
      assert.match(await row.innerText(), lang === 'en' ? /Imported/ : /导入/, 'the list marks imported runs');
      const importedId = Number(await row.getAttribute('data-run-id'));
      await screenshot(page, `${lang}-runs-imported`);

      await page.goto(`${app.serve.url}#/compare?ids=${runId},${importedId}`);
      const chart = page.locator('[data-testid="compare-chart"]');
      await chart.waitFor();
      const final = page.locator('main', { hasText: `cluster-${lang}` });
      await final.waitFor();
      assert.match(await page.locator('main').innerText(), new RegExp(`cluster-${lang}`));
      const lastLoss = (curve.at(-1)!.loss! * 0.8).toFixed(4);
      assert.match(await page.locator('main').innerText(), new RegExp(lastLoss.replace('.', '\\.')), "the imported curve is the log's");
      await page.waitForTimeout(300); // the chart's first paint
      await screenshot(page, `${lang}-compare-imported`);
      assert.deepEqual(app.s.errors, []);
    });
  }
});
