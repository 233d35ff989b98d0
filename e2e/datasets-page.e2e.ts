/**
 * The Datasets page (issue 15 #10): import with the wizard's checks and column mapping, the stats and
 * histogram stored at import, a preview, detection run again, the runs that used a dataset, and delete
 * (asked first; the files and the runs' own data path stay).
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openStore } from '../src-main/store/db';
import { getRun, insertRun } from '../src-main/store/queries/runs';
import { clippedTexts, screenshot } from './support/browser';
import { servedApp } from './support/served-app';

describe('Datasets page', () => {
  const app = servedApp();
  let csv = '';
  let runId = 0;

  test("import a CSV the detector does not know: the wizard's checks and column mapping, then its stats", async () => {
    const page = app.s.page;
    csv = join(app.serve.home, 'faq.csv');
    writeFileSync(csv, 'topic,q,a\nlibrary,图书馆几点开门？,早上八点。\ndorm,宿舍几点熄灯？,晚上十一点。\nleave,怎么请假？,填写请假单。\n');
    await page.goto(app.serve.url);
    await page.locator('nav a[data-nav="datasets"]').click();
    await page.locator('main h1', { hasText: '数据集' }).waitFor();
    await page.locator('[data-testid="datasets-table"] tbody tr').first().waitFor();
    assert.equal(await page.getByText('即将推出').count(), 0, 'no "coming soon" stub');
    await page.locator('[data-testid="dataset-import-open"]').click();
    const panel = page.locator('[data-testid="dataset-panel"]');
    await panel.locator('[data-testid="dataset-path"]').fill(csv);
    await panel.locator('[data-testid="dataset-inspect"]').click();
    // The importer's CLI-worded error, in the UI's words: its fields, not --format/--map.
    const err = panel.locator('.note.bad');
    await err.waitFor();
    assert.match(await err.innerText(), /无法从字段（topic, q, a）判断数据集格式。请在「格式」中选择，或点「自己映射列」/);
    assert.doesNotMatch(await err.innerText(), /--/);
    await screenshot(page, 'zh-CN-datasets-format-error');
    await panel.locator('[data-testid="map-open"]').click();
    await panel.locator('[data-testid="map-q"]').selectOption({ label: '用户' });
    await panel.locator('[data-testid="map-a"]').selectOption({ label: '助手' });
    await panel.locator('[data-testid="map-apply"]').click();
    const preview = panel.locator(`[data-testid="dataset-preview"][data-path="${csv}"]`);
    await preview.waitFor();
    assert.match(await preview.innerText(), /3 条样本，跳过 0 条[\s\S]*图书馆几点开门？/);
    await screenshot(page, 'zh-CN-datasets-import-mapped');
    await panel.locator('[data-testid="dataset-import"]').click();
    await page.locator('[data-testid="dataset-notice"]', { hasText: '已导入「faq」：3 条样本' }).waitFor();
    const detail = page.locator('[data-testid="dataset-detail"]');
    await detail.locator('h2', { hasText: 'faq' }).waitFor();
    assert.match(await detail.innerText(), /csv[\s\S]*utf-8[\s\S]*3[\s\S]*faq\.csv/);
    assert.match(await detail.locator('[data-testid="dataset-lengths"]').innerText(), /长度（字符）：p50 \d+ · p95 \d+ · 最长 \d+ · 平均 [\d.]+/);
    await detail.locator('[data-testid="length-histogram"]').waitFor();
    assert.equal(await detail.locator('[data-testid="dataset-runs"]').innerText(), '尚未使用');
    assert.deepEqual(app.s.errors, []);
  });

  test('the runs that used a dataset; preview and detect again', async () => {
    const page = app.s.page;
    const db = openStore(app.serve.dbPath);
    try {
      const ds = db.prepare("SELECT id, sha256 FROM datasets WHERE name = 'faq'").get() as { id: number; sha256: string };
      runId = insertRun(db, {
        name: 'faq-lora',
        method: 'lora',
        modelPath: '/models/m',
        datasetId: ds.id,
        datasetPath: csv,
        datasetSha256: ds.sha256,
        config: {},
        seed: 1,
        appVersion: '0',
        outDir: join(app.serve.home, 'runs', 'faq-lora'),
      });
    } finally {
      db.close();
    }
    await page.reload();
    await page.locator('[data-testid="datasets-table"] button', { hasText: 'faq' }).click();
    const detail = page.locator('[data-testid="dataset-detail"]');
    await detail.locator('[data-testid="dataset-runs"] a', { hasText: 'faq-lora' }).waitFor();
    assert.equal(await page.locator(`tr:has(button:has-text("faq")) a[href="#/runs/${runId}"]`).count(), 1, 'the table lists the run too');
    await screenshot(page, 'zh-CN-datasets-detail');
    assert.deepEqual(await clippedTexts(page), []);

    // Preview: the stored mapping is used again, no import offered (it is imported).
    await detail.locator('[data-testid="dataset-preview-open"]').click();
    const panel = page.locator('[data-testid="dataset-panel"]');
    await panel.locator(`[data-testid="dataset-preview"][data-path="${csv}"]`).waitFor();
    assert.match(await panel.innerText(), /按你指定的列角色 · utf-8[\s\S]*3 条样本/);
    assert.equal(await panel.locator('[data-testid="dataset-import"]').count(), 0);

    // Detect again on the demo dataset: format and encoding detected afresh.
    await page.locator('[data-testid="datasets-table"] tr:has-text("演示") button').first().click();
    await detail.locator('[data-testid="dataset-redetect"]').click();
    const fresh = panel.locator('[data-testid="dataset-preview"]');
    await fresh.waitFor();
    assert.match(await fresh.innerText(), /识别结果：conversations · utf-8/);
    await screenshot(page, 'zh-CN-datasets-redetect');
    assert.deepEqual(app.s.errors, []);
  });

  test('delete asks first, says what stays, and leaves the run and the file', async () => {
    const page = app.s.page;
    await page.locator('[data-testid="datasets-table"] button', { hasText: 'faq' }).click();
    await page.locator('[data-testid="dataset-delete"]').click();
    const dialog = page.locator('[data-testid="confirm-dialog"]');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /移除数据集「faq」[\s\S]*磁盘上的文件不会删除[\s\S]*用过它的 1 次训练/);
    await screenshot(page, 'zh-CN-datasets-delete-confirm');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.locator('[data-testid="dataset-delete"]').click();
    await page.locator('[data-testid="confirm-yes"]').click();
    await page.locator('[data-testid="dataset-notice"]', { hasText: '已从数据集库移除「faq」' }).waitFor();
    await page.locator('[data-testid="datasets-table"] button', { hasText: 'faq' }).waitFor({ state: 'detached' });
    assert.ok(existsSync(csv), "the user's file stays");
    const db = openStore(app.serve.dbPath);
    try {
      const run = getRun(db, runId)!;
      assert.deepEqual([run.datasetId, run.datasetPath], [null, csv]);
    } finally {
      db.close();
    }
    assert.deepEqual(app.s.errors, []);
  });

  test('in English', async () => {
    const page = app.s.page;
    await page.locator('nav a[data-nav="settings"]').click();
    await page.locator('button[data-lang="en"]').click();
    await page.locator('nav a[data-nav="datasets"]').click();
    await page.locator('main h1', { hasText: 'Datasets' }).waitFor();
    await page.locator('[data-testid="datasets-table"] tr:has-text("Demo") button').first().click();
    const detail = page.locator('[data-testid="dataset-detail"]');
    assert.match(await detail.locator('[data-testid="dataset-lengths"]').innerText(), /Lengths \(characters\): p50 \d+ · p95 \d+ · longest \d+ · mean [\d.]+/);
    await screenshot(page, 'en-datasets-detail');
    await detail.locator('[data-testid="dataset-delete"]').click();
    assert.match(await page.locator('[data-testid="confirm-dialog"]').innerText(), /Remove the dataset[\s\S]*files on disk are not deleted/);
    await screenshot(page, 'en-datasets-delete-confirm');
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="dataset-import-open"]').click();
    await page.locator('[data-testid="dataset-panel"] [data-testid="dataset-path"]').waitFor();
    await screenshot(page, 'en-datasets-import');
    assert.deepEqual(await clippedTexts(page), []);
    assert.deepEqual(app.s.errors, []);
  });
});
