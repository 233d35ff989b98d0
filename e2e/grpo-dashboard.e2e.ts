/**
 * The GRPO flow as a user does it: the "train your own reasoning model" preset, a GSM8K-style file the
 * test writes (a synthetic task, as src-main/engine-node/grpo-learning.test.ts does), the project's tiny
 * model, the correctness reward plus the user's own reward file; bad GRPO fields are one line each and
 * block the launch. A real worker trains with GRPO, and the dashboard's reward chart and completions
 * table follow the run live: a MutationObserver records every step count the page showed, with no
 * reload. Then the same run in English, read back from the store. A second, stored GRPO run holds
 * completions of thousands of characters with no space: they stay inside their cells.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { writeTinyModel } from '../src-main/test-support/tiny-model';
import { openStore } from '../src-main/store/db';
import { insertGrpoStep } from '../src-main/store/queries/grpo-steps';
import { insertRun, setRunStatus } from '../src-main/store/queries/runs';
import { clippedTexts, overflowingTables, screenshot, HANG_GUARD_MS } from './support/browser';
import { servedApp } from './support/served-app';

const QUESTIONS = [
  'What is 2 + 3?',
  'What is 7 - 4?',
  'How many legs have 2 cats?',
  'What is 10 / 2?',
  'What is 3 x 3?',
  'What is 1 + 1?',
  'What is 9 - 9?',
  'What is 6 + 2?',
];
const ANSWERS = [5, 3, 8, 5, 9, 2, 0, 8];
// Small on purpose: sampling re-runs the whole sequence per new token (no KV cache yet), and a loaded
// 2-core machine measured 215 s of generation for one step of 2 prompts x 4 completions x 32 tokens.
const STEPS = 4;
const G = 2;

/** What the page showed over time: the reward chart's step count and the newest step in the completions table. */
declare global {
  interface Window {
    grpoSeen?: { chart: number; table: number }[];
  }
}

describe('GRPO dashboard', () => {
  let storedRun = 0;
  const long = '<think>' + '推理'.repeat(300) + 'Wait'.repeat(400) + '</think><answer>42</answer>';
  const app = servedApp({
    setup: (serve) => {
      const db = openStore(serve.dbPath);
      try {
        storedRun = insertRun(db, {
          name: 'grpo-long-completions',
          method: 'lora',
          modelPath: '/models/Qwen2.5-0.5B-Instruct',
          config: { grpo: { numGenerations: 2 } },
          seed: 1,
          appVersion: '0.1.0',
          outDir: '/runs/grpo-long',
          totalSteps: 3,
        });
        for (let step = 1; step <= 3; step++) {
          const completions = [0, 1].map((i) => ({
            prompt: `Natalia sold clips to ${48 * step} of her friends in April, and then she sold half as many clips in May. How many clips did she sell altogether?`,
            completion: i ? long : `short answer ${step}`,
            reward: i,
            parts: { format: i, correct: i },
            advantage: i ? 0.7071 : -0.7071,
          }));
          insertGrpoStep(db, storedRun, {
            step,
            meanReward: 0.5,
            rewardStd: 0.5,
            rewards: { format: 0.5, correct: 0.5 },
            kl: 0.01 * step,
            completionLength: 100 + step,
            correctFraction: 0.5,
            completions,
          });
        }
        setRunStatus(db, storedRun, 'running');
        setRunStatus(db, storedRun, 'completed');
      } finally {
        db.close();
      }
    },
  });

  test('the GRPO preset launches from the wizard; the reward chart and completions table update live', async (t) => {
    const home = app.serve.home;
    const dataPath = join(home, 'math.jsonl');
    writeFileSync(
      dataPath,
      QUESTIONS.map((q, i) => JSON.stringify({ question: q, answer: `Work it out step by step.\n#### ${ANSWERS[i]}` })).join('\n') + '\n',
    );
    // A reward the random tiny model earns in part (distinct characters of 4), so the curve has something to show.
    const rewardFile = join(home, 'diversity-reward.js');
    writeFileSync(rewardFile, 'export function reward(prompt, completion) { return new Set(completion).size / 4 }\n');
    const modelDir = writeTinyModel(join(home, 'tiny-model'));
    const page = app.s.page;

    await page.goto(app.serve.url);
    await page.locator('nav a[data-nav="settings"]').click();
    // The cpu backend: CI has no GPU.
    await page.getByLabel('默认计算后端').selectOption('cpu');
    await page.locator('.toast', { hasText: '已保存' }).waitFor();
    await page.locator('nav a[data-nav="new"]').click();
    await page.locator('button[data-preset="demo"][aria-checked="true"]').waitFor();
    await page.locator('button[data-preset="grpo"]').click();
    assert.match(await page.locator('button[data-preset="grpo"]').innerText(), /训练你自己的推理模型（GRPO）/);
    await screenshot(page, 'zh-CN-grpo-preset');
    await page.locator('[data-testid="wizard-next"]').click();

    await page.locator('[data-testid="dataset-path"]').fill(dataPath);
    await page.locator('[data-testid="dataset-inspect"]').click();
    const preview = page.locator(`[data-testid="dataset-preview"][data-path="${dataPath}"]`);
    await preview.waitFor();
    assert.match(await preview.innerText(), /识别结果：gsm8k · utf-8/);
    await page.locator('[data-testid="dataset-import"]').click();
    await page.locator('input[name="ds"]:checked').waitFor();
    await page.locator('[data-testid="wizard-next"]').click();

    await page.locator('[data-testid="model-path"]').fill(modelDir);
    await page.locator('[data-testid="model-register"]').click();
    await page.locator('input[name="model"]:checked').waitFor();
    await page.locator('[data-testid="wizard-next"]').click();

    // Method: GRPO is chosen by the preset, with its fields.
    assert.equal(await page.locator('[data-testid="method-grpo"]').isChecked(), true);
    const fields = page.locator('[data-testid="grpo-fields"]');
    assert.equal(await fields.getByLabel('每题补全数 G').inputValue(), '4');
    assert.equal(await fields.getByLabel('KL 系数 β').inputValue(), '0.04');
    assert.equal(await page.locator('input[data-reward="format"]').isChecked(), true);
    assert.equal(await page.locator('input[data-reward="correct"]').isChecked(), true);
    // Bad fields: one line each, in the user's language.
    await fields.getByLabel('每题补全数 G').fill('1');
    await page.locator('input[data-reward="format"]').uncheck();
    await page.locator('input[data-reward="correct"]').uncheck();
    const problems = page.locator('[data-testid="grpo-problems"] li');
    await problems.nth(1).waitFor();
    assert.deepEqual(await problems.allInnerTexts(), [
      '每题补全数 G：请填 2 到 256 之间的整数（一组至少要有两个补全才能比较）。',
      '奖励函数：至少勾选一项，或选择你自己的 .js 奖励文件。',
    ]);
    await screenshot(page, 'zh-CN-grpo-method-problems');
    // A short, fast schedule for the tiny model: 1 prompt x 2 completions of up to 4 new tokens.
    await fields.getByLabel('每题补全数 G').fill(String(G));
    await fields.getByLabel('最多生成 token 数').fill('4');
    await page.locator('input[data-reward="correct"]').check();
    await page.locator('[data-testid="reward-file"]').fill(rewardFile);
    await page.locator('[data-testid="grpo-problems"]').waitFor({ state: 'detached' });
    await page.getByLabel('最大步数（0 = 按轮数）').fill(String(STEPS));
    await page.getByLabel('批大小').fill('1');
    await page.getByLabel('梯度累积').fill('1');
    await page.getByLabel('学习率', { exact: true }).fill('0.003');
    await page.getByLabel('最大长度', { exact: true }).fill('96');
    await screenshot(page, 'zh-CN-grpo-method');
    assert.deepEqual(await clippedTexts(page), [], 'clipped text on the GRPO method step (zh-CN)');
    await page.locator('[data-testid="wizard-next"]').click();
    await page.locator('[data-testid="wizard-next"]').click();

    assert.match(
      await page.locator('[data-testid="review-grpo"]').innerText(),
      /每题 2 个补全 · β 0.04 · 最多 4 token · 温度 1 · 奖励：答案正确 \+ .*diversity-reward\.js/,
    );
    assert.match(
      (await page.locator('[data-testid="cli-command"]').textContent()) ?? '',
      /--method grpo[\s\S]*--num-generations 2[\s\S]*--reward correct[\s\S]*--reward-file /,
    );
    assert.equal(await page.locator('[data-testid="sample-prompts"]').count(), 0, 'GRPO shows its completions, not sample prompts');
    await screenshot(page, 'zh-CN-grpo-review');

    // From here on, every change of the reward chart's step count and of the table's newest step is recorded.
    // A string, not a function: tsx would wrap a named function in its __name helper, unknown in the page.
    await page.evaluate(`(() => {
      window.grpoSeen = [];
      const look = () => {
        const chart = Number(document.querySelector('[data-testid="reward-chart"]')?.getAttribute('data-steps') ?? 0);
        const table = Number(document.querySelector('[data-testid="grpo-completions"] tbody tr')?.getAttribute('data-step') ?? 0);
        const last = window.grpoSeen.at(-1);
        if (!last || last.chart !== chart || last.table !== table) window.grpoSeen.push({ chart, table });
      };
      new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-steps', 'data-step'] });
    })()`);
    await page.locator('[data-testid="wizard-launch"]').click();
    await page.waitForURL(/#\/runs\/\d+$/);
    const runUrl = page.url();
    await page.locator('.badge[data-status="completed"], .badge[data-status="failed"]').waitFor({ timeout: HANG_GUARD_MS });
    if (await page.locator('.badge[data-status="failed"]').count()) {
      await screenshot(page, 'zh-CN-grpo-run-failed-unexpectedly');
      assert.fail(`the run failed: ${await page.locator('[data-testid="run-error"]').innerText()}`);
    }
    await page.locator(`[data-testid="reward-chart"][data-steps="${STEPS}"]`).waitFor();
    await page.locator(`[data-testid="grpo-completions"] tbody tr[data-step="${STEPS}"]`).first().waitFor();
    const seen = (await page.evaluate(() => window.grpoSeen!)).filter((s) => s.chart > 0);
    const charts = seen.map((s) => s.chart);
    t.diagnostic(`steps the page showed (chart, table's newest): ${JSON.stringify(seen)}`);
    // At least one partial run shown before the last step, then more steps without a reload: live.
    assert.ok(charts[0]! < STEPS && new Set(charts).size >= 2, `the chart grew while the run went on: ${JSON.stringify(seen)}`);
    assert.deepEqual(
      charts,
      [...charts].sort((a, b) => a - b),
      'the step count only grows',
    );
    assert.ok(
      seen.every((s) => s.table === s.chart),
      `the table's newest step is the chart's last step: ${JSON.stringify(seen)}`,
    );

    // The table: newest first, the group of the last step (1 prompt x 2 completions) on top, with the rewards.
    const rows = page.locator('[data-testid="grpo-completions"] tbody tr');
    const steps = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-step'))));
    assert.deepEqual(steps, [...Array(G).fill(STEPS), ...Array(G).fill(STEPS - 1), ...Array(G).fill(STEPS - 2)]);
    assert.match(await rows.first().innerText(), /What is|How many/);
    assert.match(await page.locator('[data-testid="correct-chart"]').innerText(), /组内答对比例/);
    assert.equal(await page.locator('[data-testid="correct-chart"] canvas').count(), 1, 'a correctness reward: the fraction correct is charted');
    assert.equal(await page.locator('[data-testid="kl-chart"] canvas').count(), 1);
    assert.equal(await page.locator('[data-testid="length-chart"] canvas').count(), 1);
    assert.match(await page.locator('.progress-card').innerText(), /GRPO \(LoRA\)/);
    // Long completions stay inside their cells: no cell text wider than its box, no table wider than the page.
    const wide = await page.locator('[data-testid="completion-text"]').evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).length);
    assert.equal(wide, 0, 'a completion wider than its cell');
    assert.deepEqual(await overflowingTables(page), []);
    assert.deepEqual(await clippedTexts(page), [], 'clipped text on the GRPO dashboard (zh-CN)');
    await screenshot(page, 'zh-CN-grpo-dashboard');
    await page.locator('[data-testid="grpo-completions"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'zh-CN-grpo-completions');

    // English, and the dashboard read back from the store (the run view mounts again).
    await page.locator('nav a[data-nav="settings"]').click();
    await page.locator('button[data-lang="en"]').click();
    await page.goto(runUrl);
    await page.locator(`[data-testid="reward-chart"][data-steps="${STEPS}"]`).waitFor();
    assert.match(await page.locator('[data-testid="reward-chart"]').innerText(), /GRPO rewards/);
    assert.deepEqual(
      await page.locator('[data-testid="grpo-completions"] tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-step')))),
      steps,
    );
    assert.deepEqual(await page.locator('[data-testid="grpo-completions"] thead th').allInnerTexts(), [
      'Step',
      'Prompt',
      'Completion',
      'Reward',
      'Each reward',
      'Advantage',
    ]);
    assert.deepEqual(await overflowingTables(page), []);
    assert.deepEqual(await clippedTexts(page), [], 'clipped text on the GRPO dashboard (en)');
    await screenshot(page, 'en-grpo-dashboard');
    await page.locator('[data-testid="grpo-completions"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'en-grpo-completions');
    // The wizard's GRPO step in English too.
    await page.locator('nav a[data-nav="new"]').click();
    await page.locator('button[data-preset="grpo"]').click();
    for (let i = 0; i < 3; i++) await page.locator('[data-testid="wizard-next"]').click();
    await page.locator('[data-testid="grpo-fields"]').getByLabel('Temperature').fill('0');
    assert.deepEqual(await page.locator('[data-testid="grpo-problems"] li').allInnerTexts(), [
      'Temperature: enter a number above 0 and at most 10 (GRPO samples; usually 1.0).',
    ]);
    assert.deepEqual(await clippedTexts(page), [], 'clipped text on the GRPO method step (en)');
    await screenshot(page, 'en-grpo-method-problems');
    await page.locator('nav a[data-nav="settings"]').click();
    await page.locator('button[data-lang="zh-CN"]').click();
    assert.deepEqual(app.s.errors, []);
  });

  test('a stored GRPO run: completions of thousands of characters stay inside their cells, zh-CN and en', async () => {
    const page = app.s.page;
    for (const lang of ['zh-CN', 'en'] as const) {
      await page.locator('nav a[data-nav="settings"]').click();
      await page.locator(`button[data-lang="${lang}"]`).click();
      await page.goto(`${app.serve.url.replace(/#.*$/, '')}#/runs/${storedRun}`);
      await page.locator('[data-testid="reward-chart"][data-steps="3"]').waitFor();
      const rows = page.locator('[data-testid="grpo-completions"] tbody tr');
      assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-step')))), [3, 3, 2, 2, 1, 1], 'newest first');
      const texts = page.locator('[data-testid="completion-text"]');
      assert.equal((await texts.nth(1).textContent())?.length, long.length, 'the whole completion is there, scrolling inside its cell');
      const boxes = await texts.evaluateAll((els) =>
        els.map((e) => ({ wide: e.scrollWidth > e.clientWidth + 1, tall: e.clientHeight, scrolls: e.scrollHeight > e.clientHeight })),
      );
      assert.ok(
        boxes.every((b) => !b.wide),
        'no completion wider than its cell',
      );
      assert.ok(boxes[1]!.scrolls && boxes[1]!.tall < 200, `a long completion scrolls inside a box of bounded height: ${JSON.stringify(boxes[1])}`);
      // clippedTexts skips tables: the fixed-width headers are checked here.
      assert.deepEqual(
        await page
          .locator('[data-testid="grpo-completions"] thead th')
          .evaluateAll((ths) => ths.filter((th) => th.scrollWidth > th.clientWidth + 1).map((th) => th.textContent)),
        [],
        'a header wider than its column',
      );
      assert.deepEqual(await overflowingTables(page), []);
      assert.deepEqual(await clippedTexts(page), [], `clipped text on the stored GRPO run (${lang})`);
      assert.equal(
        await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth),
        false,
        'the page never scrolls sideways',
      );
      await page.locator('[data-testid="grpo-completions"]').scrollIntoViewIfNeeded();
      await screenshot(page, `${lang}-grpo-long-completions`);
    }
    await page.locator('nav a[data-nav="settings"]').click();
    await page.locator('button[data-lang="zh-CN"]').click();
    assert.deepEqual(app.s.errors, []);
  });
});
