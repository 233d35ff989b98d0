/**
 * The Playground as a chat (issue 15): the newest turn at the bottom, column titles that stay in view
 * however long the answers get (only the answers scroll, and long output stays inside its box), and a
 * clear-chat button. Uses the demo model, whose random weights give long nonsense: what this needs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { screenshot, HANG_GUARD_MS } from './support/browser';
import { servedApp } from './support/served-app';

async function ask(page: Page, prompt: string, n: number, timeout = HANG_GUARD_MS) {
  await page.locator('[data-testid="play-prompt"]').fill(prompt);
  await page.locator('[data-testid="play-send"]').click();
  await page.waitForFunction((k) => document.querySelectorAll('[data-testid="play-answer"][data-done="true"]').length === k, n, { timeout });
}

/** The column title's box lies inside the column's box, and no answer is wider than its list. */
async function layout(page: Page) {
  return page.evaluate(() => {
    const col = document.querySelector('[data-testid="play-column"]')!.getBoundingClientRect();
    const title = document.querySelector('[data-testid="play-column-title"]')!.getBoundingClientRect();
    const log = document.querySelector<HTMLElement>('[data-testid="play-log"]')!;
    return {
      titleInside: title.top >= col.top && title.bottom <= col.bottom,
      scrolls: log.scrollHeight > log.clientHeight,
      atBottom: log.scrollHeight - log.scrollTop - log.clientHeight < 48,
      overflowX: log.scrollWidth > log.clientWidth + 1,
      prompts: Array.from(document.querySelectorAll('[data-testid="play-column"] .q')).map((q) => q.textContent),
    };
  });
}

describe('playground', () => {
  const app = servedApp();

  for (const lang of ['zh-CN', 'en'] as const) {
    test(`newest turn at the bottom, the title stays visible, clear chat (${lang})`, async () => {
      const page = app.s.page;
      if (lang === 'zh-CN') await page.goto(app.serve.url);
      else {
        await page.locator('nav a[data-nav="settings"]').click();
        await page.locator('button[data-lang="en"]').click();
      }
      await page.locator('nav a[data-nav="playground"]').click();
      await page.locator('[data-testid="play-column"]').waitFor();
      await page.getByLabel(lang === 'en' ? 'Max new tokens' : '最多生成 token 数').fill('160');
      await ask(page, 'first question', 1);
      await ask(page, 'second question', 2);
      await ask(page, 'third question', 3);
      const l = await layout(page);
      assert.deepEqual(l.prompts, ['first question', 'second question', 'third question'], 'oldest first, newest at the bottom');
      assert.ok(l.scrolls, 'the answers are longer than the column');
      assert.ok(l.titleInside, 'the column title stays in view');
      assert.ok(l.atBottom, 'the list follows the newest answer');
      assert.ok(!l.overflowX, 'long output wraps inside its box');
      await screenshot(page, `${lang}-playground-long-answers`);
      await page.locator('[data-testid="play-clear"]').click();
      await page.locator('[data-testid="play-column"] .q').first().waitFor({ state: 'detached' });
      assert.equal(await page.locator('[data-testid="play-clear"]').isDisabled(), true);
      assert.deepEqual(app.s.errors, []);
    });
  }

  // Budget forcing (issue 17): the cap and the Wait count go to the columns, and each answer shows
  // what was used. The prompt opens <think> itself; the random demo model never closes it, so the
  // budget does.
  for (const lang of ['en', 'zh-CN'] as const) {
    test(`thinking budget and Wait: the answer records what was used (${lang})`, async () => {
      const page = app.s.page;
      await page.goto(app.serve.url);
      await page.locator('nav a[data-nav="settings"]').click();
      await page.locator(`button[data-lang="${lang}"]`).click();
      await page.locator('nav a[data-nav="playground"]').click();
      await page.locator('[data-testid="play-column"]').waitFor();
      await page.getByLabel(lang === 'en' ? 'Max new tokens' : '最多生成 token 数').fill('24');
      await page.locator('[data-testid="play-think-budget"]').fill('6');
      await page.locator('[data-testid="play-think-wait"]').fill('2');
      // A budget of 6 tokens: the answer comes quickly, but the child still loads the model (slow under load).
      await ask(page, 'Think first.<think>', 1, 240_000);
      const line = (await page.locator('[data-testid="play-thinking"]').textContent())!.replace(/\s+/g, ' ').trim();
      const want =
        lang === 'en'
          ? 'Thinking: 6 tokens · budget 6 · "Wait" used 0 of 2 · closed by the budget'
          : '思考：6 个 token · 预算 6 · “Wait” 已用 0/2 次 · 已按预算结束思考';
      assert.equal(line, want);
      await screenshot(page, `${lang}-playground-thinking-budget`);
      await page.locator('[data-testid="play-clear"]').click();
      assert.deepEqual(app.s.errors, []);
    });
  }
});
