/**
 * Downloading a model from a local stand-in for the Hugging Face Hub (no network): the Models page
 * shows per-file progress; the user stops the download midway, the connection is also cut once, and
 * "Resume" continues with Range requests from the bytes already on disk; digests are verified and the
 * finished folder is registered as a local model.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { startFakeHub, type FakeHub } from '../src-main/test-support/fake-hub';
import { tempDir } from '../src-main/test-support/paths';
import { writeTinyModel } from '../src-main/test-support/tiny-model';
import { clippedTexts, screenshot, HANG_GUARD_MS } from './support/browser';
import { servedApp } from './support/served-app';

describe('model download', () => {
  let hub: FakeHub;
  before(async () => {
    const repo = writeTinyModel(join(tempDir('tuneloom-hub-'), 'tiny'), { hidden: 128, intermediate: 256, layers: 4 });
    // A second repo for the English download (the first is registered by then).
    const second = writeTinyModel(join(tempDir('tuneloom-hub-'), 'tiny'), { hidden: 128, intermediate: 256, layers: 4 });
    hub = await startFakeHub({ repos: { 'tuneloom/tiny-qwen2': repo, 'tuneloom/tiny-qwen2-en': second } });
  });
  const app = servedApp({ teardown: () => hub?.close() });

  test('download with progress, stop, a cut connection, resume with Range, verified and registered', async () => {
    const page = app.s.page;
    const weights = hub.files('tuneloom/tiny-qwen2').find((f) => f.path === 'model.safetensors')!;
    assert.ok(weights.size > 4 * 65536, `the weights file spans several chunks (${weights.size} bytes)`);
    hub.throttle(250);
    await page.goto(app.serve.url);
    await page.locator('nav a[data-nav="models"]').click();
    // In zh-CN the source defaults to ModelScope (reachable in mainland China), and the address hint says so.
    assert.equal(await page.locator('[data-testid="hub"]').inputValue(), 'modelscope');
    assert.equal(await page.locator('[data-testid="endpoint"]').getAttribute('placeholder'), 'https://www.modelscope.cn');
    assert.match(await page.locator('[data-testid="endpoint-hint"]').innerText(), /ModelScope（魔搭社区）官方地址/);
    await page.locator('[data-testid="hub"]').selectOption('huggingface');
    assert.equal(await page.locator('[data-testid="endpoint"]').getAttribute('placeholder'), 'https://huggingface.co');
    await page.locator('[data-testid="repo-id"]').fill('tuneloom/tiny-qwen2');
    await page.locator('[data-testid="endpoint"]').fill(hub.url);
    await page.locator('[data-testid="download-start"]').click();
    const job = page.locator('[data-testid="download-job"]');
    await job.locator('li', { hasText: 'model.safetensors' }).waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="download-job"] [role="progressbar"]')?.getAttribute('aria-valuenow')) > 0);
    // The time left, from the transfer's current rate.
    await job.locator('[data-testid="download-eta"]', { hasText: '还需约' }).waitFor();
    await screenshot(page, 'zh-CN-models-downloading');
    await page.locator('[data-testid="download-stop"]').click();
    await page.locator('[data-testid="download-job"][data-status="cancelled"]').waitFor();
    assert.match(await job.innerText(), /已中断/);
    assert.match(await job.innerText(), /继续下载/);

    // Resume; the hub also drops the connection once mid-file, which the downloader retries by itself.
    hub.clearFaults();
    hub.cutAfter('model.safetensors', Math.floor(weights.size * 0.8));
    await page.locator('[data-testid="download-resume"]').click();
    await page.locator('[data-testid="download-job"][data-status="done"]').waitFor({ timeout: HANG_GUARD_MS });
    const text = await job.innerText();
    assert.match(text, /完成/);
    assert.match(text, /model\.safetensors[\s\S]*sha256 已校验/);
    const ranged = hub.requests.filter((r) => r.file === 'model.safetensors' && r.range && r.status === 206);
    assert.ok(ranged.length >= 2, `resumed with Range after the stop and after the cut (${ranged.map((r) => r.range).join(', ')})`);
    await page.locator('[data-testid="models-table"]', { hasText: 'tuneloom/tiny-qwen2' }).waitFor();
    await screenshot(page, 'zh-CN-models-downloaded');
    assert.deepEqual(app.s.errors, []);
  });

  test('an unreachable hub fails with a clear one-line error', async () => {
    const page = app.s.page;
    await page.locator('[data-testid="repo-id"]').fill('tuneloom/other');
    // A port that was free a moment ago: nothing listens there, as when the machine is offline.
    const closed = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const port = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(port));
      });
    });
    await page.locator('[data-testid="endpoint"]').fill(`http://127.0.0.1:${closed}`);
    await page.locator('[data-testid="download-start"]').click();
    const failed = page.locator('[data-testid="download-job"][data-status="failed"]');
    await failed.waitFor({ timeout: HANG_GUARD_MS });
    const msg = await failed.locator('.err').innerText();
    assert.ok(msg.length > 10 && !msg.includes('\n'), msg);
    assert.match(msg, /tuneloom\/other/, 'the message names what failed');
    await screenshot(page, 'zh-CN-models-offline');
    // A failed download can be removed from the list.
    await failed.locator('[data-testid="download-remove"]').click();
    await failed.waitFor({ state: 'detached' });
    await page.reload();
    await page.locator('[data-testid="download-job"]').first().waitFor();
    assert.equal(await page.locator('[data-testid="download-job"]', { hasText: 'tuneloom/other' }).count(), 0, 'and it stays removed');

    // In English the source follows the language: Hugging Face, with its address and the mirror hint.
    await page.locator('nav a[data-nav="settings"]').click();
    await page.locator('button[data-lang="en"]').click();
    await page.locator('nav a[data-nav="models"]').click();
    assert.equal(await page.locator('[data-testid="hub"]').inputValue(), 'huggingface');
    assert.equal(await page.locator('[data-testid="endpoint"]').getAttribute('placeholder'), 'https://huggingface.co');
    assert.match(await page.locator('[data-testid="endpoint-hint"]').innerText(), /^Mirror: /);
    await screenshot(page, 'en-models-download');

    // A download in English: its progress, time left and stop, and the finished one from before.
    hub.throttle(250);
    await page.locator('[data-testid="repo-id"]').fill('tuneloom/tiny-qwen2-en');
    await page.locator('[data-testid="endpoint"]').fill(hub.url);
    await page.locator('[data-testid="download-start"]').click();
    const enJob = page.locator('[data-testid="download-job"]', { hasText: 'tuneloom/tiny-qwen2-en' });
    await enJob.locator('li', { hasText: 'model.safetensors' }).waitFor();
    await enJob.locator('[data-testid="download-eta"]', { hasText: /about .+ left/ }).waitFor();
    await screenshot(page, 'en-models-downloading'); // before the checks, so a failure leaves a picture of it
    assert.deepEqual(await clippedTexts(page), [], 'clipped text on the Models page while downloading (en)');
    const done = await page.locator('[data-testid="download-job"][data-status="done"]').innerText();
    assert.match(done, /Done[\s\S]*sha256 verified/);
    // The cut connection was retried: the count agrees with its noun ("1 retry", "2 retries").
    const retries = /(\d+) (retry|retries)\b/.exec(done);
    assert.ok(retries, `the finished download names its retries: ${done}`);
    assert.equal(retries[2], retries[1] === '1' ? 'retry' : 'retries', retries[0]);
    await enJob.locator('[data-testid="download-stop"]').click();
    await page.locator('[data-testid="download-job"][data-status="cancelled"]').waitFor();
    assert.match(await enJob.innerText(), /Interrupted[\s\S]*Resume/);
    // The stop is no error: no red line (it was the main process's English "… was cancelled" in both languages).
    assert.equal(await enJob.locator('.err').count(), 0, await enJob.innerText());
    assert.match(await enJob.innerText(), /Partial files are kept; Resume continues where it stopped\./);
    await screenshot(page, 'en-models-download-stopped');
    assert.deepEqual(await clippedTexts(page), [], 'clipped text on the Models page after a stop (en)');
    assert.deepEqual(app.s.errors, []);
  });
});
