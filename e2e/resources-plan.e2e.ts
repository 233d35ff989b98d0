/**
 * Demo mode and the wizard's Resources step on a fresh install: `tuneloom serve` with an empty home makes
 * the demo model and dataset by itself, labelled as demo in the Models and Datasets views and the wizard
 * pickers; the demo preset picks them; the Resources step shows the backend that will run (the engine's
 * own reason), the memory estimate against the device budget and the time per step. A configuration
 * that cannot fit shows the warning with concrete changes, and applying one makes it fit.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { screenshot, HANG_GUARD_MS } from './support/browser';
import { servedApp } from './support/served-app';

describe('demo mode and the resources step', () => {
  const app = servedApp();

  test('a fresh start lists the demo model and dataset, labelled as demo everywhere', async () => {
    const page = app.s.page;
    await page.goto(app.serve.url);
    await page.locator('nav a[data-nav="models"]').click();
    // The demo model is generated in the background at start-up (about a second); the view refreshes on library.changed.
    const demoRow = page.locator('tr', { hasText: '演示模型 Tiny Qwen2' });
    await demoRow.waitFor({ timeout: HANG_GUARD_MS });
    assert.match(await demoRow.innerText(), /演示/);
    await screenshot(page, 'zh-CN-models-demo');
    await page.locator('nav a[data-nav="datasets"]').click();
    await page.reload();
    await page.locator('nav a[data-nav="datasets"]').click();
    const ds = page.locator('tr', { hasText: '演示数据：学生手册问答' });
    await ds.waitFor({ timeout: HANG_GUARD_MS });
    assert.match(await ds.innerText(), /演示/);
    assert.deepEqual(app.s.errors, []);
  });

  test('the demo preset picks the demo assets; a run too big for the device gets a warning with changes that fit', async () => {
    const page = app.s.page;
    await page.locator('nav a[data-nav="new"]').click();
    await page.locator('main[data-view="new"]').waitFor();
    await page.locator('button[data-preset="demo"]').click();
    await page.locator('[data-testid="wizard-next"]').click();
    assert.match(await page.locator('.choice:has(input[name="ds"]:checked)').innerText(), /演示数据[\s\S]*演示/);
    await page.locator('[data-testid="wizard-next"]').click();
    assert.match(await page.locator('.choice:has(input[name="model"]:checked)').innerText(), /演示模型[\s\S]*演示/);
    await page.locator('[data-testid="wizard-next"]').click();
    assert.equal(await page.getByLabel('学习率', { exact: true }).inputValue(), '0.02');
    assert.equal(await page.getByLabel('最大步数（0 = 按轮数）').inputValue(), '24');
    await page.locator('[data-testid="wizard-next"]').click();

    const memory = page.locator('[data-testid="plan-memory"]');
    await memory.waitFor({ timeout: HANG_GUARD_MS });
    assert.match(await memory.innerText(), /放得下/);
    assert.match(await page.locator('[data-testid="plan-backend"]').innerText(), /引擎给出的原因/);
    assert.match(await page.locator('[data-testid="plan-time"]').innerText(), /每步/);
    // The estimate is for the run as configured (24 max steps), not per epoch.
    assert.match(await page.locator('[data-testid="plan-total"]').innerText(), /^这次训练约 .+（最大步数 24 步）$/);
    await screenshot(page, 'zh-CN-wizard-resources-demo');

    // Far too big for any budget here: batch 64 at 16,384 tokens.
    await page.locator('[data-testid="wizard-back"], button:has-text("上一步")').first().click();
    await page.getByLabel('批大小').fill('64');
    await page.getByLabel('最大长度').fill('16384');
    await page.locator('[data-testid="wizard-next"]').click();
    const warning = page.locator('[data-testid="plan-warning"]');
    await warning.waitFor({ timeout: HANG_GUARD_MS });
    const text = await warning.innerText();
    assert.match(text, /这次训练约需 [\d.]+ GiB，但设备只有/);
    assert.match(text, /减小批大小：1/);
    assert.match(text, /缩短最大长度：\d+/);
    assert.match(text, /开启梯度检查点/);
    assert.match(await memory.innerText(), /放不下/);
    await screenshot(page, 'zh-CN-wizard-resources-too-big');
    // Apply the changes it offers until the estimate fits (each is one click).
    for (let i = 0; i < 3 && (await warning.count()); i++) {
      await warning.locator('li:has(.badge.ok) button, li button').first().click();
      await page.waitForTimeout(600);
    }
    await memory.filter({ hasText: '放得下' }).waitFor({ timeout: HANG_GUARD_MS });
    assert.equal(await warning.count(), 0);
    assert.deepEqual(app.s.errors, []);
  });

  test('the resources step in English', async () => {
    const page = app.s.page;
    await page.locator('nav a[data-nav="settings"]').click();
    await page.locator('button[data-lang="en"]').click();
    await page.locator('nav a[data-nav="new"]').click();
    await page.locator('button[data-preset="demo"]').click();
    for (let i = 0; i < 4; i++) await page.locator('[data-testid="wizard-next"]').click();
    const memory = page.locator('[data-testid="plan-memory"]');
    await memory.waitFor({ timeout: HANG_GUARD_MS });
    assert.match(await memory.innerText(), /fits/);
    assert.match(await page.locator('[data-testid="plan-time"]').innerText(), /per step/);
    assert.match(await page.locator('[data-testid="plan-total"]').innerText(), /^This run: about .+ \(24 steps, the max steps\)$/);
    await screenshot(page, 'en-wizard-resources-demo');
    assert.deepEqual(app.s.errors, []);
  });

  // No wall-clock limit of its own: it waits for the run's end (an event), however busy the machine is.
  // How long the demo takes is measured by `npm run bench:demo`, not here.
  test('the demo preset runs the whole way: loss falls, samples appear, measured memory beside the estimate', async () => {
    const page = app.s.page; // still in English from the test above
    await page.locator('nav a[data-nav="new"]').click();
    await page.locator('.stepper li:first-child button').click(); // the wizard kept the last test's step
    await page.locator('button[data-preset="demo"]').click();
    for (let i = 0; i < 5; i++) await page.locator('[data-testid="wizard-next"]').click();
    await page.locator('[data-testid="wizard-launch"]').click();
    await page.waitForURL(/#\/runs\/\d+$/);
    // Every state a run can end in, so a run that ends otherwise fails the test instead of hanging it.
    const end = page.locator('.badge[data-status="completed"], .badge[data-status="failed"], .badge[data-status="interrupted"], .badge[data-status="stopped"]');
    await end.waitFor({ timeout: HANG_GUARD_MS });
    const status = await end.getAttribute('data-status');
    if (status !== 'completed')
      assert.fail(
        `the demo run ended ${status}: ${await page
          .locator('[data-testid="run-error"]')
          .innerText()
          .catch(() => '')}`,
      );
    const first = Number(await page.locator('[data-testid="first-loss"]').innerText());
    const last = Number(await page.locator('[data-testid="last-loss"]').innerText());
    assert.ok(last < first * 0.95, `the demo loss fell: ${first} -> ${last}`);
    assert.match(await page.locator('.progress-card').innerText(), /Step 24 of 24/);
    assert.ok((await page.locator('[data-testid="sample-timeline"] li').count()) >= 3, 'samples at steps 8, 16 and 24');
    const memory = await page.locator('[data-testid="run-memory"]').innerText();
    assert.match(memory, /peak [\d.]+ (MiB|GiB)\s+estimated [\d.]+ (MiB|GiB)/);
    await screenshot(page, 'en-run-demo-completed');
    assert.deepEqual(app.s.errors, []);
  });
});
