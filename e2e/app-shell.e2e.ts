/**
 * The app shell in Chromium against a real `tuneloom serve`: it loads without console errors, the
 * sidebar reaches every view, the language switch changes what the user reads (and sticks), and rows
 * written to the store show up in the runs list and the dashboard. Screenshots of every view in both
 * languages land in e2e/artifacts/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openStore } from '../src-main/store/db';
import { insertRun } from '../src-main/store/queries/runs';
import type { RunError } from '../src-shared/dto/runs';
import { clippedTexts, overflowingTables, screenshot, HANG_GUARD_MS } from './support/browser';
import { servedApp } from './support/served-app';
import { seedLibrary, seedRun } from './support/seed';

const VIEWS = [
  { nav: 'runs', zh: '训练记录', en: 'Runs' },
  { nav: 'new', zh: '新建训练', en: 'New run' },
  { nav: 'compare', zh: '对比训练', en: 'Compare runs' },
  { nav: 'playground', zh: '试玩场', en: 'Playground' },
  { nav: 'datasets', zh: '数据集', en: 'Datasets' },
  { nav: 'models', zh: '模型', en: 'Models' },
  { nav: 'settings', zh: '设置', en: 'Settings' },
] as const;

describe('app shell', () => {
  let runIds: { done: number; failed: number; live: number };
  const app = servedApp();

  const h1 = () => app.s.page.locator('main h1').first().innerText();
  async function visit(nav: string, expectH1: string) {
    await app.s.page.locator(`nav a[data-nav="${nav}"]`).click();
    await app.s.page.locator(`main[data-view="${nav}"]`).waitFor();
    await app.s.page.locator('main h1', { hasText: expectH1 }).first().waitFor();
    await app.s.page.waitForLoadState('networkidle');
  }

  test('loads in zh-CN with no console errors and shows the empty runs list', async () => {
    await app.s.page.goto(app.serve.url);
    await app.s.page.locator('main h1', { hasText: '训练记录' }).waitFor();
    await app.s.page.getByText('还没有训练记录').waitFor();
    assert.equal(await app.s.page.evaluate(() => document.documentElement.lang), 'zh-CN');
    assert.ok(!app.s.page.url().includes('token='), 'the token is taken out of the address bar');
    await screenshot(app.s.page, 'zh-CN-runs-empty');
    assert.deepEqual(app.s.errors, []);
  });

  test('a run row inserted into the store appears in the runs list', async () => {
    const db = openStore(app.serve.dbPath);
    const lib = seedLibrary(db);
    const plain = insertRun(db, {
      name: 'inserted-by-test',
      method: 'lora',
      modelPath: lib.modelPath,
      modelId: lib.modelId,
      datasetId: lib.handbookId,
      config: { lr: 1e-4 },
      seed: 7,
      appVersion: '0.1.0',
      outDir: '/runs/x',
    });
    runIds = {
      done: seedRun(db, {
        name: 'handbook-lora-r8',
        status: 'completed',
        steps: 240,
        modelId: lib.modelId,
        modelPath: lib.modelPath,
        datasetId: lib.handbookId,
        samplesEvery: 40,
      }),
      failed: seedRun(db, {
        name: 'handbook-lr-too-high',
        status: 'failed',
        steps: 35,
        totalSteps: 240,
        lr: 5e-3,
        loss: [2.8, 2.2],
        modelId: lib.modelId,
        modelPath: lib.modelPath,
        datasetId: lib.handbookId,
        error: { name: 'NanLoss', message: 'loss became NaN at step 36', kind: 'nan' },
      }),
      live: seedRun(db, {
        name: 'handbook-lora-r16',
        status: 'running',
        steps: 150,
        totalSteps: 240,
        loraR: 16,
        loss: [2.8, 0.5],
        modelId: lib.modelId,
        modelPath: lib.modelPath,
        datasetId: lib.handbookId,
        samplesEvery: 30,
      }),
    };
    db.close();
    await app.s.page.reload();
    const row = app.s.page.locator(`tr[data-run-id="${plain}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /inserted-by-test/);
    assert.match(await row.innerText(), /排队中/);
    assert.equal(await app.s.page.locator('[data-testid="runs-table"] tbody tr').count(), 4);
    // The status filter goes through the contract to the store query.
    await app.s.page.locator('[data-testid="filter-status"]').selectOption('failed');
    await app.s.page.locator('[data-testid="runs-table"] tbody tr').first().filter({ hasText: 'handbook-lr-too-high' }).waitFor();
    assert.equal(await app.s.page.locator('[data-testid="runs-table"] tbody tr').count(), 1);
    await app.s.page.locator('[data-testid="filter-status"]').selectOption('');
    await app.s.page.locator('[data-testid="runs-table"] tbody tr').nth(3).waitFor();
    assert.deepEqual(app.s.errors, []);
  });

  test('navigation reaches every view; each renders in zh-CN without clipped text', async () => {
    for (const v of VIEWS) {
      await visit(v.nav, v.zh);
      assert.equal(await h1(), v.zh);
      assert.deepEqual(await clippedTexts(app.s.page), [], `clipped text on ${v.nav}`);
      assert.deepEqual(await overflowingTables(app.s.page), [], `a table wider than the page on ${v.nav}`);
      await screenshot(app.s.page, `zh-CN-${v.nav}`);
    }
    assert.deepEqual(app.s.errors, []);
  });

  test('the run dashboard shows the curves, the samples timeline and why a run failed', async () => {
    await app.s.page.goto(`${app.serve.origin}/#/runs/${runIds.live}`);
    await app.s.page.locator('[data-testid="loss-chart"] canvas').waitFor();
    await app.s.page.locator('[data-testid="sample-timeline"] li').first().waitFor();
    assert.match(await app.s.page.locator('[data-testid="sample-timeline"]').innerText(), /图书馆周六、周日 8:00 开门/);
    await app.s.page.locator('[data-testid="eta"]').waitFor();
    await screenshot(app.s.page, 'zh-CN-run-dashboard');
    await app.s.page.goto(`${app.serve.origin}/#/runs/${runIds.failed}`);
    const problem = app.s.page.locator('[data-testid="run-error"]');
    await problem.waitFor();
    assert.match(await problem.innerText(), /loss became NaN at step 36/);
    assert.match(await problem.innerText(), /降低学习率/);
    await screenshot(app.s.page, 'zh-CN-run-failed');
    // Two finished runs side by side: curves, the settings that differ, final numbers, same-prompt answers.
    await app.s.page.goto(`${app.serve.origin}/#/compare?ids=${runIds.done},${runIds.failed}`);
    await app.s.page.locator('[data-testid="compare-chart"] canvas').waitFor();
    const diff = app.s.page.locator('[data-testid="hparam-diff"] tbody');
    await diff.locator('tr.differs').first().waitFor();
    assert.deepEqual(await diff.locator('tr.differs td.key').allInnerTexts(), ['lr'], 'only the learning rate differs');
    const finals = await app.s.page.locator('[data-testid="final-metrics"]').innerText();
    assert.match(finals, /240[\s\S]*35/, 'steps of each run');
    assert.match(await app.s.page.locator('section', { hasText: '同一提示词的回答' }).innerText(), /图书馆周六、周日 8:00 开门/);
    await screenshot(app.s.page, 'zh-CN-compare-two-runs');
    // A run that sampled another prompt at the same position: its answer stays under its own prompt.
    const db = openStore(app.serve.dbPath);
    db.prepare('INSERT INTO samples (run_id, step, prompt_idx, prompt, output, ts) VALUES (?, 30, 0, ?, ?, ?)').run(
      runIds.failed,
      '类型#裙*颜色#红色*风格#复古',
      '这款复古红裙，优雅大方。',
      Date.now(),
    );
    db.close();
    await app.s.page.reload();
    const prompts = app.s.page.locator('[data-testid="answer-prompt"]');
    await prompts.nth(2).waitFor();
    assert.deepEqual(
      (await prompts.allInnerTexts()).map((t) => t.replace(/^#\d+\s*/, '')),
      ['图书馆周末几点开门？', '如何申请缓考？', '类型#裙*颜色#红色*风格#复古'],
    );
    const answersOf = async (i: number) => app.s.page.locator('[data-testid="answer-row"]').nth(i).locator('[data-testid="answer-text"]').allInnerTexts();
    assert.deepEqual(await answersOf(0), ['图书馆周六、周日 8:00 开门，22:00 闭馆。', '—'], 'the dress answer is not shown under the library prompt');
    assert.deepEqual(await answersOf(2), ['—', '这款复古红裙，优雅大方。']);
    await app.s.page.locator('[data-testid="answer-row"]').nth(2).scrollIntoViewIfNeeded();
    await screenshot(app.s.page, 'zh-CN-compare-different-prompts');

    // One unbroken run of 4,000 characters (what a random or broken model can write) stays inside its box.
    const db2 = openStore(app.serve.dbPath);
    try {
      const long = 'LastError'.repeat(450);
      for (const id of [runIds.done, runIds.live])
        db2
          .prepare('INSERT INTO samples (run_id, step, prompt_idx, prompt, output, ts) VALUES (?, 100000, 0, ?, ?, ?)')
          .run(id, '图书馆周末几点开门？', long, Date.now());
    } finally {
      db2.close();
    }
    const overflowing = (sel: string) =>
      app.s.page.evaluate((q) => Array.from(document.querySelectorAll<HTMLElement>(q)).filter((el) => el.scrollWidth > el.clientWidth + 1).length, sel);
    await app.s.page.goto(`${app.serve.origin}/#/runs/${runIds.live}`);
    await app.s.page.locator('[data-testid="sample-timeline"] .out', { hasText: 'LastErrorLastError' }).first().waitFor();
    assert.equal(await overflowing('[data-testid="sample-timeline"] .out'), 0, 'samples wrap inside their box');
    assert.equal(
      await app.s.page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
      true,
      'the page does not scroll sideways',
    );
    await app.s.page.goto(`${app.serve.origin}/#/compare?ids=${runIds.done},${runIds.live}`);
    await app.s.page.locator('.answer p', { hasText: 'LastErrorLastError' }).first().waitFor();
    assert.equal(await overflowing('.answer p'), 0, 'compare answers wrap inside their box');
    assert.equal(await app.s.page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), true);
    await app.s.page.locator('.answer p', { hasText: 'LastErrorLastError' }).first().scrollIntoViewIfNeeded();
    await screenshot(app.s.page, 'zh-CN-compare-long-output');
    assert.deepEqual(app.s.errors, []);
  });

  test('the language switch in Settings changes visible text, and sticks after a reload', async () => {
    await visit('settings', '设置');
    await app.s.page.locator('button[data-lang="en"]').click();
    await app.s.page.locator('main h1', { hasText: 'Settings' }).waitFor();
    assert.equal(await app.s.page.locator('nav a[data-nav="runs"]').innerText(), 'Runs');
    assert.equal(await app.s.page.evaluate(() => document.documentElement.lang), 'en');
    await app.s.page.reload();
    await app.s.page.locator('main h1', { hasText: 'Settings' }).waitFor();
    for (const v of VIEWS) {
      await visit(v.nav, v.en);
      assert.equal(await h1(), v.en);
      await screenshot(app.s.page, `en-${v.nav}`); // before the checks, so a failure leaves a picture of it
      assert.deepEqual(await clippedTexts(app.s.page), [], `clipped text on ${v.nav} (en)`);
      assert.deepEqual(await overflowingTables(app.s.page), [], `a table wider than the page on ${v.nav} (en)`);
    }
    await app.s.page.goto(`${app.serve.origin}/#/runs/${runIds.live}`);
    await app.s.page.locator('[data-testid="loss-chart"] canvas').waitFor();
    await app.s.page.getByText('Generation samples').waitFor();
    await screenshot(app.s.page, 'en-run-dashboard');
    await app.s.page.goto(`${app.serve.origin}/#/compare?ids=${runIds.done},${runIds.live},${runIds.failed}`);
    await app.s.page.locator('[data-testid="compare-chart"] canvas').waitFor();
    await screenshot(app.s.page, 'en-compare-three-runs');
    // The selection stays: opened again from the sidebar (no ids in the address), and after a reload.
    await visit('runs', 'Runs');
    await visit('compare', 'Compare runs');
    const checked = () => app.s.page.locator('.chip input:checked').count();
    await app.s.page.locator('[data-testid="compare-chart"] canvas').waitFor();
    assert.equal(await checked(), 3);
    await app.s.page.reload();
    await app.s.page.locator('[data-testid="compare-chart"] canvas').waitFor();
    assert.equal(await checked(), 3);
    assert.deepEqual(app.s.errors, []);
  });

  test('dark theme', async () => {
    await visit('settings', 'Settings');
    await app.s.page.locator('button[data-theme-choice="dark"]').click();
    assert.equal(await app.s.page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await app.s.page.goto(`${app.serve.origin}/#/runs/${runIds.live}`);
    await app.s.page.locator('[data-testid="loss-chart"] canvas').waitFor();
    await screenshot(app.s.page, 'en-run-dashboard-dark');
    await visit('runs', 'Runs');
    await screenshot(app.s.page, 'en-runs-dark');
    assert.deepEqual(app.s.errors, []);
  });

  test('Settings: choosing another data folder says when it applies and what happens to the data', async () => {
    await visit('settings', 'Settings');
    const card = app.s.page.locator('[data-testid="data-dir"]');
    assert.equal(await card.locator('[data-testid="data-dir-current"]').innerText(), app.serve.home);
    assert.match(await card.innerText(), /Set by the TUNELOOM_HOME environment variable/);
    await card.locator('[data-testid="data-dir-input"]').fill('relative/folder');
    await card.locator('[data-testid="data-dir-use"]').click();
    await app.s.page.locator('.note.bad', { hasText: 'the data folder must be an absolute path' }).waitFor();
    const next = `${app.serve.home}/elsewhere`;
    await card.locator('[data-testid="data-dir-input"]').fill(next);
    await card.locator('[data-testid="data-dir-use"]').click();
    const note = card.locator('[data-testid="data-dir-next"]');
    await note.waitFor();
    // TUNELOOM_HOME is set for the served app, so it stays in use; the note says so.
    assert.match(await note.innerText(), new RegExp(`Saved: ${next} is used from the next start on which TUNELOOM_HOME is not set`));
    await screenshot(app.s.page, 'en-settings-data-dir');
    assert.deepEqual(await clippedTexts(app.s.page), []);
  });

  test('Browse… picks a data file and a model folder on the machine running Tuneloom', async () => {
    const page = app.s.page;
    const dataDir = join(app.serve.home, 'browse-me');
    mkdirSync(join(dataDir, 'models', 'tiny'), { recursive: true });
    writeFileSync(
      join(dataDir, 'handbook.jsonl'),
      JSON.stringify({
        conversations: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello' },
        ],
      }) + '\n',
    );
    await visit('new', 'New run');
    await page.locator('.stepper li:nth-child(2) button').click();
    await page.locator('[data-testid="dataset-path"]').fill(dataDir); // the browser opens where the typed path points
    await page.locator('[data-testid="dataset-browse"]').click();
    const picker = page.locator('dialog[data-testid="path-picker"]').first();
    await picker.locator('[data-testid="browse-where"]', { hasText: dataDir }).waitFor();
    assert.deepEqual(
      await picker.locator('.entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-name'))),
      ['models', 'handbook.jsonl'],
      'folders first',
    );
    await picker.locator('.entry[data-name="handbook.jsonl"]').click();
    await screenshot(page, 'en-wizard-browse');
    await picker.locator('[data-testid="browse-pick-file"]').click();
    assert.equal(await page.locator('[data-testid="dataset-path"]').inputValue(), join(dataDir, 'handbook.jsonl'));
    // Picking a file inspects it at once. The seeded default model is a folder that does not exist: the
    // preview still shows, in characters, and says what is wrong with the model.
    const preview = page.locator(`[data-testid="dataset-preview"][data-path="${join(dataDir, 'handbook.jsonl')}"]`);
    await preview.waitFor();
    assert.match(
      await preview.locator('[data-testid="dataset-model-error"]').innerText(),
      /Shown in characters: this model cannot render the samples \(.*model folder not found/,
    );
    await screenshot(page, 'en-wizard-browse-picked');

    // The checked file is not imported: the stepper cannot skip it, Next imports it.
    assert.equal(await page.locator('.stepper li:nth-child(3) button').isDisabled(), true);
    await page.locator('[data-testid="wizard-next"]', { hasText: 'Import and continue' }).click();
    await page.locator('section.step[data-step="2"]').waitFor();
    const folderPicker = page.locator('dialog[data-testid="path-picker"][open]');
    await page.locator('[data-testid="model-path"]').fill(join(dataDir, 'models'));
    await page.locator('[data-testid="model-browse"]').click();
    // Folder mode: files are shown for orientation but cannot be picked; a click on a folder opens it.
    await folderPicker.locator('[data-testid="browse-up"]').click();
    assert.equal(await folderPicker.locator('.entry[data-name="handbook.jsonl"]').isDisabled(), true);
    await folderPicker.locator('.entry[data-name="models"]').click();
    await folderPicker.locator('.entry[data-name="tiny"]').click();
    await folderPicker.locator('[data-testid="browse-where"]', { hasText: join(dataDir, 'models', 'tiny') }).waitFor();
    await folderPicker.locator('[data-testid="browse-pick-folder"]').click();
    assert.equal(await page.locator('[data-testid="model-path"]').inputValue(), join(dataDir, 'models', 'tiny'));
    assert.deepEqual(app.s.errors, []);
  });

  test('a CSV the detector does not know: map its columns to roles, see the chats, import it', async () => {
    const page = app.s.page;
    const csv = join(app.serve.home, 'faq.csv');
    writeFileSync(csv, 'topic,q,a\nlibrary,When does the library open?,At 8:00.\ndorm,When are lights out?,At 23:00.\n');
    await visit('new', 'New run');
    await page.locator('.stepper li:nth-child(2) button').click();
    await page.locator('[data-testid="dataset-path"]').fill(csv);
    await page.locator('[data-testid="dataset-inspect"]').click();
    await page
      .locator('.note.bad', { hasText: 'cannot tell the dataset format from its fields (topic, q, a). Choose a “Format”, or “Map columns myself”' })
      .waitFor();
    await screenshot(page, 'en-wizard-format-error');
    await page.locator('[data-testid="map-open"]').click();
    const mapper = page.locator('[data-testid="column-mapper"]');
    await mapper.locator('[data-testid="map-q"]').waitFor();
    assert.equal(await mapper.locator('[data-testid="map-apply"]').isDisabled(), true, 'no user/assistant yet');
    await mapper.locator('[data-testid="map-q"]').selectOption({ label: 'user' });
    await mapper.locator('[data-testid="map-a"]').selectOption({ label: 'assistant' });
    await mapper.locator('[data-testid="map-topic"]').selectOption({ label: 'metadata' });
    await mapper.locator('[data-testid="map-apply"]').click();
    const preview = page.locator(`[data-testid="dataset-preview"][data-path="${csv}"]`);
    await preview.waitFor();
    assert.match(await preview.innerText(), /Your column roles · utf-8[\s\S]*2 examples[\s\S]*When does the library open\?[\s\S]*At 8:00\./);
    assert.match(await preview.locator('ul.fields').innerText(), /q → user[\s\S]*a → assistant/);
    await screenshot(page, 'en-wizard-column-mapping');
    await page.locator('[data-testid="dataset-import"]').click();
    await page.locator('.choice', { hasText: 'faq' }).waitFor();
    const db = openStore(app.serve.dbPath);
    try {
      const row = db.prepare("SELECT format, mapping_json FROM datasets WHERE name = 'faq'").get() as { format: string; mapping_json: string };
      assert.deepEqual([row.format, JSON.parse(row.mapping_json)], ['csv', { q: 'user', a: 'assistant', topic: 'meta' }]);
    } finally {
      db.close();
    }
    assert.deepEqual(app.s.errors, []);
  });

  test('keyboard only: Tab reaches the sidebar with a visible focus ring, Enter opens a view, the wizard steps by keys', async () => {
    const page = app.s.page;
    await visit('runs', 'Runs');
    await page.locator('body').click({ position: { x: 1, y: 1 } }); // focus starts outside any control
    // Tab until a sidebar link has focus; each stop must show a focus ring (outline or box-shadow).
    let reached = '';
    for (let i = 0; i < 12 && !reached; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        const cs = getComputedStyle(el);
        const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none';
        return { nav: el.getAttribute('data-nav'), ring, tag: el.tagName };
      });
      if (!f) continue;
      assert.ok(f.ring, `focused ${f.tag}${f.nav ? ` (${f.nav})` : ''} shows a focus ring`);
      if (f.nav === 'new') reached = f.nav;
    }
    assert.equal(reached, 'new', 'Tab reaches the New run link');
    await page.keyboard.press('Enter');
    await page.locator('main[data-view="new"]').waitFor();
    // The first preset card takes focus and Space chooses it; the Next button is reachable by Tab.
    await page.locator('button[data-preset]').first().focus();
    await page.keyboard.press('Space');
    await page.locator('[data-testid="wizard-next"]').focus();
    await page.keyboard.press('Enter');
    await page.locator('section.step[data-step="1"]').waitFor();
    await screenshot(page, 'en-keyboard-focus');
    assert.deepEqual(app.s.errors, []);
  });

  test('deleting a finished run asks first, then removes it from the list', async () => {
    await visit('runs', 'Runs');
    const row = app.s.page.locator(`tr[data-run-id="${runIds.failed}"]`);
    assert.equal(await app.s.page.locator(`tr[data-run-id="${runIds.live}"] [data-testid="delete-run"]`).isDisabled(), true, 'a running run cannot be deleted');
    await row.locator('[data-testid="delete-run"]').click();
    const dialog = app.s.page.locator('[data-testid="confirm-dialog"]');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /handbook-lr-too-high/);
    await screenshot(app.s.page, 'en-runs-delete-confirm');
    await app.s.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await row.count(), 1, 'Esc cancels');
    await row.locator('[data-testid="delete-run"]').click();
    await app.s.page.locator('[data-testid="confirm-yes"]').click();
    await row.waitFor({ state: 'detached' });
    assert.equal(await app.s.page.locator('[data-testid="runs-table"] tbody tr').count(), 3);
    assert.deepEqual(app.s.errors, []);
  });

  test("an interrupted run's banner says one true thing, in the user's language", async () => {
    const db = openStore(app.serve.dbPath);
    const lib = db.prepare('SELECT model_id AS modelId, model_path AS modelPath, dataset_id AS datasetId FROM runs WHERE id = ?').get(runIds.done) as {
      modelId: number;
      modelPath: string;
      datasetId: number;
    };
    const error = {
      name: 'WorkerUnresponsive',
      kind: 'internal',
      message: 'the training worker stopped answering and was killed after step 35; resume from the start with `tuneloom runs resume 9`',
    };
    const id = seedRun(db, { name: 'handbook-long-eval', status: 'interrupted', steps: 35, totalSteps: 240, ...lib, error });
    db.close();
    await app.s.page.goto(`${app.serve.origin}/#/runs/${id}`);
    const banner = app.s.page.locator('[data-testid="run-error"]');
    await banner.waitFor();
    const en = await banner.innerText();
    assert.match(en, /The training process stopped answering after step 35 and was ended\./);
    assert.match(en, /No checkpoint was saved yet: Resume starts again from step 0/);
    assert.doesNotMatch(en, /last checkpoint|latest checkpoint|resume from the start with/, 'no second, contradicting resume story');
    await screenshot(app.s.page, 'en-run-interrupted');
    await visit('settings', 'Settings');
    await app.s.page.locator('button[data-lang="zh-CN"]').click();
    await app.s.page.goto(`${app.serve.origin}/#/runs/${id}`);
    await banner.waitFor();
    const zh = await banner.innerText();
    assert.match(zh, /训练进程在第 35 步之后停止响应，已被终止。/);
    assert.match(zh, /还没有保存检查点：点「继续」会从第 0 步重新开始/);
    assert.doesNotMatch(zh, /stopped|answering|checkpoint|resume from/, 'no English sentence in the zh-CN banner');
    await screenshot(app.s.page, 'zh-CN-run-interrupted');
    assert.deepEqual(app.s.errors, []);
  });

  test("an out-of-memory run's banner lists the memory planner's options, in the user's language", async () => {
    const db = openStore(app.serve.dbPath);
    const lib = db.prepare('SELECT model_id AS modelId, model_path AS modelPath, dataset_id AS datasetId FROM runs WHERE id = ?').get(runIds.done) as {
      modelId: number;
      modelPath: string;
      datasetId: number;
    };
    const GiB = 2 ** 30;
    const error: RunError = {
      name: 'OutOfMemory',
      kind: 'oom',
      message:
        "out of memory on wasm after step 12 (Array buffer allocation failed) — the memory planner's options: --gradient-checkpointing (~2.1 GiB), --max-len 256 (~2.4 GiB)",
      options: [
        { key: 'gradient-checkpointing', totalBytes: 2.1 * GiB },
        { key: 'shorter-max-len', value: 256, totalBytes: 2.4 * GiB },
      ],
    };
    const id = seedRun(db, { name: 'handbook-max-len-2048', status: 'failed', steps: 12, totalSteps: 240, ...lib, error });
    db.close();
    await app.s.page.goto(`${app.serve.origin}/#/runs/${id}`);
    const options = app.s.page.locator('[data-testid="oom-options"] li');
    await options.nth(1).waitFor();
    assert.deepEqual(await options.allInnerTexts(), ['开启梯度检查点 — 预计共需 2.10 GiB', '缩短最大长度：256 — 预计共需 2.40 GiB']);
    assert.match(await app.s.page.locator('[data-testid="run-error"]').innerText(), /第 12 步之后内存不足。/);
    await screenshot(app.s.page, 'zh-CN-run-oom');
    await visit('settings', '设置');
    await app.s.page.locator('button[data-lang="en"]').click();
    await app.s.page.goto(`${app.serve.origin}/#/runs/${id}`);
    await options.nth(1).waitFor();
    assert.deepEqual(await options.allInnerTexts(), [
      'Turn on gradient checkpointing — about 2.10 GiB in total',
      'Shorter max length: 256 — about 2.40 GiB in total',
    ]);
    await screenshot(app.s.page, 'en-run-oom');
    assert.deepEqual(app.s.errors, []);
  });

  test('a browser that arrives without the token gets no API', async () => {
    const context = await app.s.browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(HANG_GUARD_MS);
    const page = await context.newPage();
    const refused: string[] = [];
    page.on('websocket', (ws) => refused.push(ws.url()));
    await page.goto(app.serve.origin + '/');
    await page.getByText('需要访问令牌').or(page.getByText('An access token is needed')).first().waitFor();
    assert.equal(refused.length, 0, 'no socket is even attempted without a token');
    await context.close();
  });

  test('a reopened tab or a bookmark works without the token: the session cookie from the first visit', async () => {
    const context = await app.s.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    context.setDefaultTimeout(HANG_GUARD_MS);
    try {
      const first = await context.newPage();
      await first.goto(app.serve.url);
      await first.locator('main h1').first().waitFor();
      const cookie = (await context.cookies()).find((c) => c.name === 'tuneloom_session');
      assert.ok(cookie, 'the first visit with the token set the session cookie');
      assert.deepEqual([cookie.httpOnly, cookie.sameSite, cookie.expires], [true, 'Strict', -1], 'HttpOnly, SameSite=Strict, a session cookie');
      await first.close();
      // A new tab has no sessionStorage: only the cookie can let it in.
      const reopened = await context.newPage();
      await reopened.goto(`${app.serve.origin}/#/datasets`);
      await reopened.locator('main[data-view="datasets"] h1', { hasText: /数据集|Datasets/ }).waitFor();
      await reopened.locator('[data-testid="datasets-table"]').waitFor();
      assert.equal(await reopened.getByText('需要访问令牌').count(), 0);
    } finally {
      await context.close();
    }
  });
});
