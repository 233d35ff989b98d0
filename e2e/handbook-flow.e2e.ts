/**
 * The handbook flow from an empty store, as a user does it: write a JSONL of Q&A chats, import it in the
 * wizard (format, preview, histogram), add a local model folder, keep the handbook preset's LoRA, launch,
 * and watch the dashboard: the loss falls, samples appear and the run completes. A real worker trains the
 * project's tiny byte-level Qwen2 (259-word vocabulary), so it takes seconds on a CPU.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { learningChats } from '../src-main/test-support/learning-data';
import { writeTinyModel } from '../src-main/test-support/tiny-model';
import { clippedTexts, screenshot, HANG_GUARD_MS } from './support/browser';
import { servedApp } from './support/served-app';

/** Tokens of a learning chat as training sees it with the tiny model: ChatML, 4 special tokens + one token per UTF-8 byte. */
function chatTokens(c: { messages: { role: string; content: string }[] }): number {
  return c.messages.reduce((n, m) => n + 2 + Buffer.byteLength(`${m.role}\n${m.content}\n`), 0);
}

describe('handbook flow', () => {
  const app = servedApp();

  test('import a JSONL, pick a local model, LoRA, launch: the loss falls, samples appear, the run completes', async () => {
    const dataPath = join(app.serve.home, 'handbook.jsonl');
    // The student-handbook layout: {"conversations":[{role,content},...]} per line, plus one broken line.
    const lines = learningChats().map((c) => JSON.stringify({ conversations: c.messages }));
    lines.splice(5, 0, '{"conversations": [ broken');
    writeFileSync(dataPath, lines.join('\n') + '\n');
    const modelDir = writeTinyModel(join(app.serve.home, 'tiny-model'));
    const page = app.s.page;

    await page.goto(app.serve.url);
    // The compute backend is a user setting; CI has no GPU, so pin WASM (the same choice auto makes there).
    await page.locator('nav a[data-nav="settings"]').click();
    await page.getByLabel('默认计算后端').selectOption('wasm');
    await page.locator('.toast', { hasText: '已保存' }).waitFor();
    await page.locator('nav a[data-nav="new"]').click();
    // Only the demo model is there yet, so the wizard opens on the demo preset; this flow is the handbook's.
    await page.locator('button[data-preset="demo"][aria-checked="true"]').waitFor();
    await page.locator('button[data-preset="handbook"]').click();
    await page.locator('[data-testid="wizard-next"]').click();

    await page.locator('[data-testid="dataset-path"]').fill(dataPath);
    await page.locator('[data-testid="dataset-inspect"]').click();
    // The preselected demo dataset may be previewed first; wait for the file just inspected.
    const preview = page.locator(`[data-testid="dataset-preview"][data-path="${dataPath}"]`);
    await preview.waitFor();
    assert.match(await preview.innerText(), /识别结果：conversations · utf-8/);
    assert.match(await preview.innerText(), new RegExp(`${lines.length - 1} 条样本，跳过 1 条`));
    assert.match(await preview.innerText(), /跳过的行[\s\S]*\b6\b/, 'the broken record is reported at its line');
    // Without a model ("render with: none"; the demo model is preselected): the character view, and a pointer to the tokens.
    await page.locator('[data-testid="dataset-model"]').selectOption({ label: '不选（按字符统计）' });
    await page.locator('[data-testid="histogram-caption"]', { hasText: '长度分布（字符）' }).waitFor();
    assert.equal(await page.locator('[data-testid="rendered-sample"]').count(), 0);
    assert.equal(await page.locator('[data-testid="histogram-caption"]').innerText(), '长度分布（字符）');
    assert.match(await page.locator('[data-testid="dataset-pick-model"]').innerText(), /选择基座模型后即可按 token 查看/);
    // The importer's field mapping, in the user's language.
    assert.match(await preview.locator('ul.fields').innerText(), /conversations → 对话轮次（role\/content），保留所有角色/);
    await screenshot(page, 'zh-CN-wizard-dataset-preview');
    await page.locator('[data-testid="dataset-import"]').click();
    await page.locator('input[name="ds"]:checked').waitFor();
    await page.locator('[data-testid="wizard-next"]').click();

    await page.locator('[data-testid="model-path"]').fill(modelDir);
    await page.locator('[data-testid="model-register"]').click();
    await page.locator('input[name="model"]:checked').waitFor();
    assert.match(await page.locator('.choice:has(input[name="model"]:checked)').innerText(), /qwen2 .* 含对话模板/);
    // Back to the Dataset step: with the model chosen, the imported data is rendered through its chat
    // template (special tokens marked) and measured in its tokens.
    await page.locator('.nav button', { hasText: '上一步' }).click();
    await page.locator('[data-testid="histogram-caption"]', { hasText: 'tiny-model' }).waitFor();
    const rendered = page.locator('[data-testid="rendered-sample"]');
    const chat0 = learningChats()[0]!;
    assert.equal(
      await rendered.first().innerText(),
      `<|im_start|>user\n${chat0.messages[0]!.content}<|im_end|>\n<|im_start|>assistant\n${chat0.messages[1]!.content}<|im_end|>\n`,
    );
    assert.deepEqual(await rendered.first().locator('.special').allInnerTexts(), ['<|im_start|>', '<|im_end|>', '<|im_start|>', '<|im_end|>']);
    assert.match(await preview.innerText(), new RegExp(`\\b${chatTokens(chat0)} 个 token`));
    assert.equal(await page.locator('[data-testid="histogram-caption"]').innerText(), '长度分布（tiny-model 的 token，含对话模板）');
    const longest = Math.max(...learningChats().map(chatTokens));
    assert.match(await page.locator('[data-testid="cutoff-note"]').innerText(), new RegExp(`全部样本都在最大长度 512 以内（最长 ${longest}）`));
    assert.equal(await page.locator('[data-testid="length-histogram"]').getAttribute('data-unit'), 'tokens');
    await screenshot(page, 'zh-CN-wizard-dataset-template-fits');
    await page.locator('[data-testid="wizard-next"]').click();
    await page.locator('input[name="model"]:checked').waitFor();
    await page.locator('[data-testid="wizard-next"]').click();

    // Method: the handbook preset's LoRA r 8 on q/v; a short, fast schedule for the test. Batch 4 for
    // 90 steps, because at batch 1 for 60 steps the random tiny model answered the capital prompt "Paris" at only
    // 1 of 6 seeds (measured with `tuneloom train` + `generate`, seeds 40-45); batch 4 x 90 steps at 6 of 6.
    assert.equal(await page.getByLabel('秩 r').inputValue(), '8');
    await page.getByLabel('最大步数（0 = 按轮数）').fill('90');
    await page.getByLabel('批大小').fill('4');
    await page.getByLabel('学习率', { exact: true }).fill('0.01');
    await page.getByLabel('梯度累积').fill('1');
    await page.getByLabel('学习率调度').selectOption('constant');
    await page.locator('summary', { hasText: '高级选项' }).click();
    await page.getByLabel('每 N 步生成样例').fill('30');
    await page.getByLabel('每 N 步验证').fill('0');
    await screenshot(page, 'zh-CN-wizard-method');
    await page.locator('[data-testid="wizard-next"]').click();

    // Resources: the backend the run gets (probed, with the engine's reason), the planner's memory
    // estimate against the device budget, and a time per step from a throughput measured here.
    const memory = page.locator('[data-testid="plan-memory"]');
    await memory.waitFor({ timeout: HANG_GUARD_MS });
    // The settings' backend is the old name wasm: the probe opens ggml's cpu backend and says so.
    assert.match(
      await page.locator('[data-testid="plan-backend"]').innerText(),
      /cpu \(wasm\)[\s\S]*cpu: CPU \(.*GiB free of .*\)[\s\S]*--backend wasm is a name of the old engine; using --backend cpu/,
    );
    assert.match(await memory.innerText(), /\d+(\.\d+)? (GiB|MiB|KiB)\s*\/\s*[\d.]+ GiB · 系统内存（CPU 后端）\s*放得下/);
    assert.match(await page.locator('[data-testid="plan-time"]').innerText(), /每步 .*每轮 .*（\d+ 步）[\s\S]*GFLOP\/s/);
    await screenshot(page, 'zh-CN-wizard-resources');
    await page.locator('[data-testid="wizard-next"]').click();
    assert.notEqual(await page.locator('[data-testid="sample-prompts"]').inputValue(), '', 'sample prompts come from the preview');
    await screenshot(page, 'zh-CN-wizard-review');
    await page.locator('[data-testid="wizard-launch"]').click();

    await page.waitForURL(/#\/runs\/\d+$/);
    // A guard against a hung run, not a timing: 90 steps at batch 4 took 43 s of wall per 10 steps at load
    // average 34 on the 2-core machine (4.9 CPU-s), so the bound leaves room for a machine that busy.
    await page.locator('.badge[data-status="completed"], .badge[data-status="failed"]').waitFor({ timeout: HANG_GUARD_MS });
    if (await page.locator('.badge[data-status="failed"]').count()) {
      await screenshot(page, 'zh-CN-run-failed-unexpectedly');
      assert.fail(`the run failed: ${await page.locator('[data-testid="run-error"]').innerText()}`);
    }
    await page.locator('[data-testid="loss-chart"] canvas').waitFor();
    const first = Number(await page.locator('[data-testid="first-loss"]').innerText());
    const last = Number(await page.locator('[data-testid="last-loss"]').innerText());
    assert.ok(Number.isFinite(first) && Number.isFinite(last) && last < first * 0.8, `loss fell: ${first} -> ${last}`);
    assert.match(await page.locator('.progress-card').innerText(), /第 90 \/ 90 步/);
    const timeline = page.locator('[data-testid="sample-timeline"] li');
    await timeline.first().waitFor();
    assert.ok((await timeline.count()) >= 2, 'a sample at step 30, 60 and 90');
    await screenshot(page, 'zh-CN-run-completed');
    assert.deepEqual(app.s.errors, []);
  });

  test('the dataset step in tokens: a max length that cuts the data, in zh-CN and en', async () => {
    const page = app.s.page;
    const lengths = learningChats().map(chatTokens);
    const over = lengths.filter((n) => n > 48).length;
    assert.ok(over > 0 && over < lengths.length, 'the cut-off goes through the data');
    const pct = `${((100 * over) / lengths.length).toFixed(0)}%`;
    for (const lang of ['zh-CN', 'en'] as const) {
      await page.locator('nav a[data-nav="settings"]').click();
      await page.locator(`button[data-lang="${lang}"]`).click();
      await page.locator('nav a[data-nav="new"]').click();
      // Max length 48 in the Method step, then back to the Dataset step through the stepper.
      for (let i = 0; i < 3; i++) await page.locator('[data-testid="wizard-next"]').click();
      await page.getByLabel(lang === 'en' ? 'Max length' : '最大长度', { exact: true }).fill('48');
      await page.locator('ol.stepper button').nth(1).click();
      // The demo model comes first in the list; render with the tiny model (also the run's base model).
      await page.locator('[data-testid="dataset-model"]').selectOption({ label: 'tiny-model' });
      const note = page.locator('[data-testid="cutoff-note"]');
      const expected =
        lang === 'en' ? `${over} examples (${pct}) longer than max length 48 will be truncated` : `${over} 条样本（${pct}）超过最大长度 48，训练时会被截断`;
      await note.filter({ hasText: expected }).waitFor();
      assert.equal(await page.locator('[data-testid="length-histogram"]').getAttribute('data-cutoff'), '48');
      assert.equal(
        await page.locator('[data-testid="histogram-caption"]').innerText(),
        lang === 'en' ? 'Length distribution (tiny-model tokens, chat template included)' : '长度分布（tiny-model 的 token，含对话模板）',
      );
      assert.match(await page.locator('[data-testid="rendered-sample"]').first().innerText(), /^<\|im_start\|>user\n/);
      assert.equal(await page.locator('[data-testid="dataset-model"] option:checked').innerText(), 'tiny-model');
      await screenshot(page, `${lang}-wizard-dataset-template`);
      assert.deepEqual(await clippedTexts(page), [], `clipped text on the dataset step (${lang})`);
    }
    await page.locator('nav a[data-nav="settings"]').click();
    await page.locator('button[data-lang="zh-CN"]').click();
    assert.deepEqual(app.s.errors, []);
  });

  test('the playground answers one prompt with the base model and the new adapter side by side', async () => {
    const page = app.s.page;
    await page.locator('nav a[data-nav="playground"]').click();
    await page.locator('[data-testid="play-adapter"]').first().check();
    const columns = page.locator('[data-testid="play-column"]');
    await columns.nth(1).waitFor();
    assert.equal(await columns.count(), 2);
    await page.locator('[data-testid="play-prompt"]').fill('Tell me about the capital.');
    await page.locator('[data-testid="play-send"]').click();
    const answers = page.locator('[data-testid="play-answer"]');
    await answers.nth(1).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="play-answer"][data-done="true"]').length === 2, null, { timeout: HANG_GUARD_MS });
    assert.equal(await page.locator('[data-testid="play-column"] .err').count(), 0, 'no column failed');
    const texts = await answers.allInnerTexts();
    assert.ok(
      texts.every((t) => t.trim().length > 0),
      `both columns answered: ${JSON.stringify(texts)}`,
    );
    // The adapter learned the handbook answer; the random base model did not (greedy, seeded: deterministic).
    assert.match(await page.locator('[data-testid="play-column"][data-key^="run-"] [data-testid="play-answer"]').innerText(), /Paris/);
    assert.doesNotMatch(await page.locator('[data-testid="play-column"][data-key="base"] [data-testid="play-answer"]').innerText(), /Paris/);
    await screenshot(page, 'zh-CN-playground-base-vs-adapter');
    assert.deepEqual(app.s.errors, []);
  });

  test('pause, resume and stop a long run from the dashboard', async () => {
    const page = app.s.page;
    await page.locator('nav a[data-nav="new"]').click();
    await page.locator('[data-testid="wizard-next"]').click();
    await page.locator('input[name="ds"]:checked').waitFor();
    await page.locator('[data-testid="wizard-next"]').click();
    // This test is about pause/resume/stop: pick the model registered above explicitly. (The preselection
    // under a models list that arrives late is wizard-preset-race.e2e.ts's subject.)
    await page.locator('.choice:has-text("含对话模板"):not(:has-text("演示")) input[name="model"]').first().check();
    await page.locator('input[name="model"]:checked').waitFor();
    await page.locator('[data-testid="wizard-next"]').click();
    await page.getByLabel('最大步数（0 = 按轮数）').fill('100000');
    await page.getByLabel('梯度累积').fill('1');
    await page.locator('[data-testid="wizard-next"]').click();
    await page.locator('[data-testid="wizard-next"]').click();
    await page.locator('[data-testid="wizard-launch"]').click();
    await page.waitForURL(/#\/runs\/\d+$/);
    const badge = (status: string) => page.locator(`.badge[data-status="${status}"]`);
    await badge('running').waitFor({ timeout: HANG_GUARD_MS });
    await page.waitForFunction(() => /第 [1-9]\d* \/ 100000 步/.test(document.querySelector('.progress-card')?.textContent ?? ''), null, {
      timeout: HANG_GUARD_MS,
    });
    await page.locator('button[data-action="pause"]').click();
    await badge('paused').waitFor({ timeout: HANG_GUARD_MS });
    await screenshot(page, 'zh-CN-run-paused');
    await page.locator('button[data-action="resume"]').click();
    await badge('running').waitFor({ timeout: HANG_GUARD_MS });
    const firstUrl = page.url();
    const firstId = Number(/#\/runs\/(\d+)$/.exec(firstUrl)![1]);

    // The runs list follows the live steps: progress and loss change without a reload.
    await page.locator('nav a[data-nav="runs"]').click();
    const row = page.locator(`tr[data-run-id="${firstId}"]`);
    await row.waitFor();
    const stepAt = async () =>
      Number(
        /第 (\d+)/.exec(
          (await row.locator('td').allInnerTexts()).join(' ') +
            ((await row
              .locator('[role="progressbar"]')
              .getAttribute('title')
              .catch(() => null)) ?? ''),
        )?.[1] ?? (await row.locator('[role="progressbar"]').getAttribute('title'))?.split(' /')[0],
      );
    const before = await stepAt();
    await page.waitForFunction(
      ([id, was]) => {
        const bar = document.querySelector(`tr[data-run-id="${id}"] [role="progressbar"]`);
        const text = document.querySelector(`tr[data-run-id="${id}"]`)?.textContent ?? '';
        const step = Number(bar?.getAttribute('title')?.split(' /')[0] ?? /第 (\d+)/.exec(text)?.[1]);
        return step > was;
      },
      [firstId, before] as const,
    );
    assert.notEqual(await row.locator('[data-testid="run-loss"]').innerText(), '—', 'the loss is shown live');
    await screenshot(page, 'zh-CN-runs-live');
    // The same live list in English (the progress bar's title is "step / total" in both languages).
    await page.locator('nav a[data-nav="settings"]').click();
    await page.locator('button[data-lang="en"]').click();
    await page.locator('main h1', { hasText: 'Settings' }).waitFor();
    await page.locator('nav a[data-nav="runs"]').click();
    await row.waitFor();
    const stepOfBar = () =>
      row
        .locator('[role="progressbar"]')
        .getAttribute('title')
        .then((t) => Number(t?.split(' /')[0]));
    const enBefore = await stepOfBar();
    await page.waitForFunction(
      ([id, was]) => Number(document.querySelector(`tr[data-run-id="${id}"] [role="progressbar"]`)?.getAttribute('title')?.split(' /')[0]) > was,
      [firstId, enBefore] as const,
    );
    assert.equal(await row.locator('.badge').innerText(), 'Running', 'the status in English');
    await screenshot(page, 'en-runs-live'); // before the check, so a failure leaves a picture of it
    assert.deepEqual(await clippedTexts(page), [], 'clipped text on the live runs list (en)');
    await page.locator('nav a[data-nav="settings"]').click();
    await page.locator('button[data-lang="zh-CN"]').click();
    await page.locator('main h1', { hasText: '设置' }).waitFor();
    await page.goto(firstUrl);
    await badge('running').waitFor({ timeout: HANG_GUARD_MS });

    // A second run waits behind the first and says so; Stop takes it out of the queue at once.
    await page.locator('nav a[data-nav="new"]').click();
    // Each step waited for, and the dataset and model picked as above: this part is about the queue, not
    // the wizard's preselection racing a late library (wizard-preset-race.e2e.ts tests that).
    const stepShown = (n: number) => page.locator('.row.nav', { hasText: `第 ${n} 步，共 6 步` }).waitFor();
    await page.locator('[data-testid="wizard-next"]').click();
    await stepShown(2);
    await page.locator('input[name="ds"]:checked').waitFor();
    await page.locator('[data-testid="wizard-next"]').click();
    await stepShown(3);
    await page.locator('.choice:has-text("含对话模板"):not(:has-text("演示")) input[name="model"]').first().check();
    await page.locator('input[name="model"]:checked').waitFor();
    for (const n of [4, 5, 6]) {
      await page.locator('[data-testid="wizard-next"]').click();
      await stepShown(n);
    }
    await page.locator('[data-testid="wizard-launch"]:enabled').click();
    await page.waitForURL((u) => /#\/runs\/\d+$/.test(u.href) && u.href !== firstUrl);
    await badge('queued').waitFor();
    await page.locator('[data-testid="queue-phase"]', { hasText: `排队中：等待 #${firstId} 结束后开始` }).waitFor();
    await screenshot(page, 'zh-CN-run-queued-waiting');
    await page.locator('button[data-action="stop"]').click();
    await badge('stopped').waitFor({ timeout: HANG_GUARD_MS });
    await page.goto(firstUrl);
    await badge('running').waitFor({ timeout: HANG_GUARD_MS });

    await page.locator('button[data-action="stop"]').click();
    await badge('stopped').waitFor({ timeout: HANG_GUARD_MS });
    assert.equal(await page.locator('button[data-action="resume"]').isEnabled(), true, 'a stopped run can be resumed');
    assert.deepEqual(app.s.errors, []);
  });
});
