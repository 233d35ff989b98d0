/**
 * The wizard trains on the dataset the user picked (issue 15 #4): a checked file that is not imported yet
 * cannot be skipped past (Next imports it), going back keeps the check, a preset preselects only a dataset
 * of its own format (or none), and with no downloaded model the wizard opens on the offline demo.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { writeCsv } from '../scripts/bench/data-import';
import { openStore } from '../src-main/store/db';
import { writeTinyModel } from '../src-main/test-support/tiny-model';
import { screenshot, HANG_GUARD_MS } from './support/browser';
import { servedApp } from './support/served-app';

const CHATS = [
  {
    conversations: [
      { role: 'user', content: '图书馆几点开门？' },
      { role: 'assistant', content: '早上八点。' },
    ],
  },
  {
    conversations: [
      { role: 'user', content: '宿舍几点熄灯？' },
      { role: 'assistant', content: '晚上十一点。' },
    ],
  },
  {
    conversations: [
      { role: 'user', content: '怎么请假？' },
      { role: 'assistant', content: '填写请假单，请辅导员签字。' },
    ],
  },
];
const ADGEN = [
  { content: '类型#上衣*颜色#白色*风格#简约', summary: '简约的白色上衣，百搭又清爽。' },
  { content: '类型#裙*材质#雪纺*风格#清新', summary: '清新的雪纺裙，轻盈飘逸。' },
];

function datasetNames(dbPath: string): string[] {
  const db = openStore(dbPath);
  try {
    return (db.prepare('SELECT name FROM datasets ORDER BY id').all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

describe('wizard: the dataset the user picked', () => {
  const app = servedApp();

  test('no downloaded model: the wizard opens on the offline demo preset with the demo dataset', async () => {
    const page = app.s.page;
    await page.goto(app.serve.url);
    await page.locator('nav a[data-nav="new"]').click();
    await page.locator('button[data-preset="demo"][aria-checked="true"]').waitFor();
    await page.locator('[data-testid="wizard-next"]').click();
    await page.locator('.choice:has(input[name="ds"]:checked)', { hasText: '演示' }).waitFor();
    assert.deepEqual(app.s.errors, []);
  });

  test('a preset preselects a dataset of its own format, or none', async () => {
    const page = app.s.page;
    const adgen = join(app.serve.home, 'adgen-train.json');
    writeFileSync(adgen, ADGEN.map((r) => JSON.stringify(r)).join('\n') + '\n');
    // The adgen file is imported in the wizard (custom preset, nothing preselected), then each preset is chosen.
    await page.locator('.stepper li:nth-child(1) button').click();
    await page.locator('button[data-preset="custom"]').click();
    await page.locator('[data-testid="wizard-next"]').click();
    await page.locator('[data-testid="dataset-path"]').fill(adgen);
    await page.locator('[data-testid="dataset-inspect"]').click();
    await page.locator(`[data-testid="dataset-preview"][data-path="${adgen}"]`).waitFor();
    await page.locator('[data-testid="dataset-import"]').click();
    await page.locator('.choice:has(input[name="ds"]:checked)', { hasText: 'adgen-train' }).waitFor();

    const checkedAfter = async (preset: string) => {
      await page.locator('.stepper li:nth-child(1) button').click();
      await page.locator(`button[data-preset="${preset}"]`).click();
      await page.locator(`button[data-preset="${preset}"][aria-checked="true"]`).waitFor();
      await page.locator('.stepper li:nth-child(2) button').click();
      await page.locator('section.step[data-step="1"]').waitFor();
      await page.locator('input[name="ds"]').first().waitFor();
      return page.locator('.choice:has(input[name="ds"]:checked)').allInnerTexts();
    };
    assert.deepEqual(
      (await checkedAfter('adgen')).map((t) => t.split('\n')[0]),
      ['adgen-train'],
      'AdvertiseGen picks the adgen dataset',
    );
    assert.deepEqual(await checkedAfter('medical'), [], 'no medical CSV imported: nothing preselected');
    const demo = await checkedAfter('demo');
    assert.equal(demo.length, 1);
    assert.match(demo[0]!, /演示/);
    assert.deepEqual(app.s.errors, []);
  });

  test('a checked file that is not imported: going back keeps it, Next imports it, the review shows it', async () => {
    const page = app.s.page;
    const file = join(app.serve.home, 'my-handbook.jsonl');
    writeFileSync(file, CHATS.map((r) => JSON.stringify(r)).join('\n') + '\n');
    await page.locator('.stepper li:nth-child(1) button').click();
    await page.locator('button[data-preset="handbook"]').click();
    await page.locator('[data-testid="wizard-next"]').click();
    await page.locator('[data-testid="dataset-path"]').fill(file);
    await page.locator('[data-testid="dataset-inspect"]').click();
    const preview = page.locator(`[data-testid="dataset-preview"][data-path="${file}"]`);
    await preview.waitFor();
    assert.equal(await page.locator('input[name="ds"]:checked').count(), 0, 'the checked file, not an imported dataset, is the choice');
    assert.match(await page.locator('[data-testid="wizard-next"]').innerText(), /导入并继续/);
    await page.locator('[data-testid="dataset-pending"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'zh-CN-wizard-dataset-pending');

    // Back to the presets and forward again: the check is still there.
    await page.locator('.nav button', { hasText: '上一步' }).click();
    await page.locator('section.step[data-step="0"]').waitFor();
    await page.locator('[data-testid="wizard-next"]').click();
    await preview.waitFor();
    assert.equal(await page.locator('[data-testid="dataset-path"]').inputValue(), file);
    assert.ok(!datasetNames(app.serve.dbPath).includes('my-handbook'), 'not imported yet');

    // The stepper cannot jump past it either.
    assert.equal(await page.locator('.stepper li:nth-child(6) button').isDisabled(), true);
    await page.locator('[data-testid="wizard-next"]').click();
    await page.locator('section.step[data-step="2"]').waitFor();
    assert.ok(datasetNames(app.serve.dbPath).includes('my-handbook'), 'Next imported the checked file');
    await page.locator('.stepper li:nth-child(6) button').click();
    const summary = page.locator('dl.summary');
    await summary.waitFor();
    assert.match(await summary.innerText(), /my-handbook \(3 条样本\)/);
    assert.match((await page.locator('[data-testid="cli-command"]').textContent()) ?? '', /my-handbook\.jsonl/);
    assert.deepEqual(app.s.errors, []);
  });

  test('in English: the pending check and its Next button', async () => {
    const page = app.s.page;
    const file = join(app.serve.home, 'second.jsonl');
    writeFileSync(
      file,
      CHATS.slice(0, 2)
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    );
    await page.locator('nav a[data-nav="settings"]').click();
    await page.locator('button[data-lang="en"]').click();
    await page.locator('main h1', { hasText: 'Settings' }).waitFor();
    await page.locator('nav a[data-nav="new"]').click();
    await page.locator('.stepper li:nth-child(2) button').click();
    await page.locator('[data-testid="dataset-path"]').fill(file);
    await page.locator('[data-testid="dataset-inspect"]').click();
    await page.locator(`[data-testid="dataset-preview"][data-path="${file}"]`).waitFor();
    assert.match(await page.locator('[data-testid="wizard-next"]').innerText(), /Import and continue/);
    assert.match(await page.locator('[data-testid="dataset-pending"]').innerText(), /not imported yet/);
    await page.locator('[data-testid="dataset-pending"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'en-wizard-dataset-pending');
    assert.deepEqual(app.s.errors, []);
  });

  /** Checks a GB18030 medical CSV of `mb` MB with the demo model chosen: characters first, then tokens with progress. */
  async function checkMedical(name: string, mb: number) {
    const page = app.s.page;
    const file = join(app.serve.home, name);
    const { rows } = await writeCsv(file, mb * 1e6, 500);
    await page.locator('.stepper li:nth-child(1) button').click();
    await page.locator('button[data-preset="medical"]').click();
    await page.locator('[data-testid="wizard-next"]').click();
    await page.locator('[data-testid="dataset-path"]').fill(file);
    const t0 = Date.now();
    await page.locator('[data-testid="dataset-inspect"]').click();
    const preview = page.locator(`[data-testid="dataset-preview"][data-path="${file}"]`);
    await preview.waitFor();
    const firstPreviewS = (Date.now() - t0) / 1000;
    return { page, file, rows, preview, firstPreviewS };
  }

  test('a large GB18030 CSV in English: the preview comes at once, the token count shows its progress', async () => {
    const { page, preview, rows } = await checkMedical('medical-en.csv', 1);
    assert.match(await preview.innerText(), new RegExp(`medical-csv · gb18030[\\s\\S]*${rows.toLocaleString('en').replace(/,/g, ',?')} examples`));
    const progress = page.locator('[data-testid="dataset-progress"]', { hasText: 'Counting lengths in' });
    await progress.waitFor();
    await screenshot(page, 'en-wizard-dataset-counting');
    await page.locator('[data-testid="histogram-caption"]', { hasText: 'tokens, chat template included' }).waitFor({ timeout: HANG_GUARD_MS });
    assert.equal(await page.locator('[data-testid="dataset-progress"]').count(), 0);
    assert.deepEqual(app.s.errors, []);
  });

  test('the 3.4 MB medical CSV: characters at CLI speed, tokens with progress; Import and later visits do not check again', async () => {
    await app.s.page.locator('nav a[data-nav="settings"]').click();
    await app.s.page.locator('button[data-lang="zh-CN"]').click();
    await app.s.page.locator('nav a[data-nav="new"]').click();
    const { page, preview, rows, firstPreviewS } = await checkMedical('medical-gb18030.csv', 3.4);
    console.log(`wizard check of a 3.4 MB GB18030 CSV (${rows} rows): first preview in ${firstPreviewS.toFixed(1)} s`);
    assert.match(await preview.innerText(), /识别结果：medical-csv · gb18030/);
    const progress = page.locator('[data-testid="dataset-progress"]', { hasText: '的 token 统计长度' });
    await progress.waitFor();
    assert.equal(await page.locator('[data-testid="wizard-next"]').isDisabled(), false, 'Next does not wait for the token count');
    // The ETA comes once there is a pace to go on (the first second and 2%); 53 chunks of 64 KiB take longer.
    await page.locator('[data-testid="dataset-progress"]', { hasText: '还需约' }).waitFor({ timeout: HANG_GUARD_MS });
    await screenshot(page, 'zh-CN-wizard-dataset-counting');
    await page.locator('[data-testid="histogram-caption"]', { hasText: '的 token，含对话模板' }).waitFor({ timeout: HANG_GUARD_MS });
    const t0 = Date.now();
    await page.locator('[data-testid="dataset-import"]').click();
    await page.locator('.choice:has(input[name="ds"]:checked)', { hasText: 'medical-gb18030' }).waitFor();
    console.log(`import after the check: ${((Date.now() - t0) / 1000).toFixed(1)} s (the check's result is registered)`);
    assert.equal(await page.locator('[data-testid="dataset-progress"]').count(), 0, 'no check after the import');
    await page.locator('[data-testid="wizard-next"]').click();
    await page.locator('section.step[data-step="2"]').waitFor();
    await page.locator('.nav button', { hasText: '上一步' }).click();
    await preview.waitFor();
    assert.equal(await page.locator('[data-testid="dataset-progress"]').count(), 0, 'a later visit shows the check it has');
    assert.equal(await preview.getAttribute('aria-busy'), 'false');
    assert.equal(await page.locator('[data-testid="dataset-inspect"]').isDisabled(), false, 'the step is not locked');
    assert.deepEqual(app.s.errors, []);
  });

  test('method step: a learning rate far off for the method is flagged with the reason; rsLoRA in the advanced settings', async () => {
    const page = app.s.page;
    const modelDir = writeTinyModel(join(app.serve.home, 'tiny-model'));
    await page.locator('.stepper li:nth-child(3) button').click();
    await page.locator('[data-testid="model-path"]').fill(modelDir);
    await page.locator('[data-testid="model-register"]').click();
    await page.locator('.choice:has(input[name="model"]:checked)', { hasText: 'tiny-model' }).waitFor();
    await page.locator('[data-testid="wizard-next"]').click();
    await page.locator('input[type="radio"][value="lora"]').check();
    await page.getByLabel('学习率', { exact: true }).fill('0.0002');
    assert.equal(await page.locator('[data-testid="lr-warning"]').count(), 0, 'the usual LoRA rate');
    await page.getByLabel('学习率', { exact: true }).fill('0.02');
    assert.match(await page.locator('[data-testid="lr-warning"]').innerText(), /学习率 0\.02 对 LoRA 来说过高.*alpha\/r/);
    await page.locator('summary', { hasText: '高级选项' }).click();
    await page.locator('[data-testid="rslora"]').check();
    await screenshot(page, 'zh-CN-wizard-lr-warning');
    await page.locator('.stepper li:nth-child(6) button').click();
    assert.match((await page.locator('[data-testid="cli-command"]').textContent()) ?? '', /--rslora/);
    await page.locator('.stepper li:nth-child(4) button').click();
    await page.locator('input[type="radio"][value="ptuning"]').check();
    await page.getByLabel('学习率', { exact: true }).fill('0.0002');
    assert.match(await page.locator('[data-testid="lr-warning"]').innerText(), /对 P-Tuning v2 来说过低.*前缀从零开始学/);

    await page.locator('nav a[data-nav="settings"]').click();
    await page.locator('button[data-lang="en"]').click();
    await page.locator('nav a[data-nav="new"]').click();
    await page.locator('.stepper li:nth-child(3) button').click();
    await page.locator('.choice', { hasText: 'tiny-model' }).locator('input').check();
    await page.locator('.stepper li:nth-child(4) button').click();
    await page.locator('input[type="radio"][value="lora"]').check();
    await page.getByLabel('Learning rate', { exact: true }).fill('0.05');
    assert.match(await page.locator('[data-testid="lr-warning"]').innerText(), /Learning rate 0\.05 is far too high for LoRA/);
    await page.locator('summary', { hasText: 'Advanced' }).click();
    await page.locator('[data-testid="rslora"]').waitFor();
    await screenshot(page, 'en-wizard-lr-warning');
    assert.deepEqual(app.s.errors, []);
  });
});
