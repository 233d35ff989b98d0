/**
 * The wizard's preselection when the library arrives late (issue 15: under load in CI a preset's model
 * was not selected). The socket is routed through the test so the `models.list` answer can be held back
 * until the user has clicked a preset: the clicked preset stays, its model is applied when the list
 * comes, and a model the user picked afterwards survives later reloads of the list.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEMO_MODEL_NAME } from '../src-main/models/demo/ensure-demo';
import { registerModel } from '../src-main/models/register-model';
import { openStore } from '../src-main/store/db';
import { writeTinyModel } from '../src-main/test-support/tiny-model';
import { screenshot } from './support/browser';
import { servedApp } from './support/served-app';
import { SocketGate } from './support/socket-gate';

describe('wizard: a models list that arrives late', () => {
  const app = servedApp({
    setup: async (serve) => {
      // Two real models besides the demo one: the handbook preset's preferred one, and another that sorts first.
      const db = openStore(serve.dbPath);
      try {
        await registerModel(db, writeTinyModel(join(serve.home, 'models', 'Qwen2.5-0.5B-Instruct')));
        await registerModel(db, writeTinyModel(join(serve.home, 'models', 'another-model')));
      } finally {
        db.close();
      }
    },
  });
  const gate = new SocketGate({ channels: ['models.list'] });
  const checkedModel = () => app.s.page.locator('.choice:has(input[name="model"]:checked) strong').allInnerTexts();

  test('a preset clicked before the list arrives stays, and its model is selected when the list comes', async () => {
    const page = app.s.page;
    await gate.install(page);
    await page.goto(app.serve.url);
    await page.locator('nav a[data-nav="new"]').waitFor();
    gate.holding = true;
    const held = gate.waitHeld();
    await page.locator('nav a[data-nav="new"]').click();
    await held;
    // The library is not there yet: the user picks the offline demo (a real model exists, so the
    // wizard's opening preset would be the handbook one).
    await page.locator('button[data-preset="demo"]').click();
    await page.locator('button[data-preset="demo"][aria-checked="true"]').waitFor();
    gate.releaseAll();
    await page.locator('.stepper li:nth-child(3) button').click();
    await page.locator('input[name="model"]:checked').waitFor();
    assert.deepEqual(await checkedModel(), [DEMO_MODEL_NAME], "the demo preset's model");
    await page.locator('.stepper li:nth-child(1) button').click();
    assert.equal(await page.locator('button[data-preset="demo"]').getAttribute('aria-checked'), 'true', 'the clicked preset stays');

    // Again with the handbook preset: its preferred model, not the first in the list.
    await page.reload();
    gate.holding = true;
    const heldAgain = gate.waitHeld();
    await page.locator('nav a[data-nav="runs"]').click();
    await page.locator('nav a[data-nav="new"]').click();
    await heldAgain;
    await page.locator('button[data-preset="handbook"]').click();
    gate.releaseAll();
    await page.locator('.stepper li:nth-child(3) button').click();
    await page.locator('input[name="model"]:checked').waitFor();
    assert.deepEqual(await checkedModel(), ['Qwen2.5-0.5B-Instruct']);
    await screenshot(page, 'zh-CN-wizard-model-late-list');
    assert.deepEqual(app.s.errors, []);
  });

  test('a model the user picked is kept when the list is loaded again (after an import)', async () => {
    const page = app.s.page;
    // On the Model step of the handbook preset: an import reloads the library, and the preset would
    // select its preferred model again if it could.
    await page.locator('.choice', { hasText: 'another-model' }).locator('input[name="model"]').check();
    const file = join(app.serve.home, 'chats.jsonl');
    writeFileSync(
      file,
      [0, 1, 2]
        .map((i) =>
          JSON.stringify({
            conversations: [
              { role: 'user', content: `问题 ${i}` },
              { role: 'assistant', content: `回答 ${i}` },
            ],
          }),
        )
        .join('\n') + '\n',
    );
    await page.locator('.stepper li:nth-child(2) button').click();
    await page.locator('[data-testid="dataset-path"]').fill(file);
    await page.locator('[data-testid="dataset-inspect"]').click();
    await page.locator(`[data-testid="dataset-preview"][data-path="${file}"]`).waitFor();
    await page.locator('[data-testid="dataset-import"]').click();
    await page.locator('.choice:has(input[name="ds"]:checked)', { hasText: 'chats' }).waitFor();
    await page.locator('.stepper li:nth-child(3) button').click();
    await page.locator('input[name="model"]:checked').waitFor();
    assert.deepEqual(await checkedModel(), ['another-model']);
    assert.deepEqual(app.s.errors, []);
  });
});
