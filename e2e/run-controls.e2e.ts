/**
 * The dashboard's Pause and Stop (issue 15): between the click and the worker's acknowledgement the
 * buttons say that the action is pending, and Stop works in every state a run can be stopped in:
 * running, paused, queued behind another run, and preparing (reading and tokenizing its data). Real
 * workers train the tiny model; the status events are held by the test (SocketGate) so the pending
 * state stays on screen until the test has looked at it. In zh-CN and en.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import type { RunStatus } from '../src-shared/dto/runs';
import type { LaunchRequest } from '../src-shared/ipc-contract';
import { openStore } from '../src-main/store/db';
import { writeLearningData } from '../src-main/test-support/learning-data';
import { writeTinyModel } from '../src-main/test-support/tiny-model';
import { screenshot, HANG_GUARD_MS } from './support/browser';
import { servedApp } from './support/served-app';
import type { ServeHandle } from './support/serve';
import { SocketGate } from './support/socket-gate';

/** Launches a run through the same contract the wizard uses (a WebSocket client of serve). */
async function launch(serve: ServeHandle, req: LaunchRequest): Promise<number> {
  return (await call<{ runId: number }>(serve, 'runs.launch', req)).runId;
}

/** Imports a data file into the library (runs launch by dataset id). */
async function importData(serve: ServeHandle, path: string): Promise<number> {
  return (await call<{ id: number }>(serve, 'datasets.import', { path, format: 'auto' })).id;
}

async function call<R>(serve: ServeHandle, channel: string, payload: unknown): Promise<R> {
  const token = new URL(serve.url).searchParams.get('token')!;
  const ws = new WebSocket(`${serve.origin.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  try {
    const answer = new Promise<{ ok: boolean; value?: R; error?: { message: string } }>((resolve) =>
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { id?: number; result?: never };
        if (frame.id === 1) resolve(frame.result!);
      }),
    );
    ws.send(JSON.stringify({ id: 1, channel, payload }));
    const result = await answer;
    if (!result.ok) throw new Error(`${channel} failed: ${result.error?.message}`);
    return result.value!;
  } finally {
    ws.close();
  }
}

const logsOf = (dbPath: string, id: number): string[] => {
  const db = openStore(dbPath);
  try {
    return (db.prepare('SELECT message FROM run_logs WHERE run_id = ? ORDER BY seq').all(id) as { message: string }[]).map((r) => r.message);
  } finally {
    db.close();
  }
};

const runRow = (dbPath: string, id: number): string => {
  const db = openStore(dbPath);
  try {
    return JSON.stringify(db.prepare('SELECT status, error_json FROM runs WHERE id = ?').get(id));
  } finally {
    db.close();
  }
};

describe('run controls: pending until the worker answers; stop in every state', () => {
  let model = '';
  let data = '';
  let bigData = '';
  const app = servedApp({
    setup: (serve) => {
      model = writeTinyModel(join(serve.home, 'tiny-model'));
      data = writeLearningData(join(serve.home, 'qa.jsonl'));
      // Enough conversations that reading and tokenizing them keeps a worker preparing for a while.
      bigData = join(serve.home, 'big.jsonl');
      const line = (i: number) =>
        JSON.stringify({
          conversations: [
            { role: 'user', content: `第 ${i} 个问题：图书馆周末几点开门？`.repeat(8) },
            { role: 'assistant', content: `第 ${i} 个回答：周六周日八点开门，晚上十点闭馆。`.repeat(8) },
          ],
        });
      writeFileSync(bigData, Array.from({ length: 60_000 }, (_, i) => line(i)).join('\n') + '\n');
    },
  });
  const gate = new SocketGate({ events: ['run.status'] });
  // A run that would go on for a long time (the test stops it), one step per example, no evals or samples.
  const datasetIds = new Map<string, number>();
  const request = async (name: string, dataPath = data): Promise<LaunchRequest> => {
    if (!datasetIds.has(dataPath)) datasetIds.set(dataPath, await importData(app.serve, dataPath));
    return requestFor(name, datasetIds.get(dataPath)!);
  };
  const requestFor = (name: string, datasetId: number): LaunchRequest => ({
    name,
    modelPath: model,
    datasetId,
    format: 'auto',
    backend: 'cpu',
    method: 'lora',
    loraR: 8,
    loraAlpha: 16,
    loraDropout: 0,
    loraTargets: ['q_proj', 'v_proj'],
    epochs: 1,
    maxSteps: 100_000,
    lr: 1e-3,
    scheduler: 'constant',
    warmupSteps: 0,
    batchSize: 1,
    gradAccum: 1,
    maxLen: 128,
    seed: 1,
    gradientCheckpointing: false,
    weightDecay: 0,
    maxGradNorm: 1,
    lossOn: 'completion',
    packing: false,
    valSplit: 0,
    evalEvery: 0,
    sampleEvery: 0,
    prefixLen: 16,
  });
  const badge = (status: RunStatus) => app.s.page.locator(`.badge[data-status="${status}"]`);
  const button = (action: string) => app.s.page.locator(`button[data-action="${action}"]`);
  const heldStatus = (id: number, status: RunStatus) =>
    gate.waitHeld(1, (f) => 'event' in f && f.event.type === 'run.status' && f.event.runId === id && f.event.status === status);

  /** Opens a run's dashboard and waits until its worker has trained a step. */
  async function openRunning(id: number) {
    const page = app.s.page;
    await page.goto(`${app.serve.origin}/#/runs/${id}`);
    // A run that ends instead of starting fails the test with its own error and log, not a timeout.
    await page
      .locator('.badge[data-status="running"], .badge[data-status="failed"], .badge[data-status="interrupted"]')
      .first()
      .waitFor({ timeout: HANG_GUARD_MS });
    if (!(await badge('running').count())) assert.fail(`run ${id} did not start: ${runRow(app.serve.dbPath, id)} ${logsOf(app.serve.dbPath, id).join(' | ')}`);
    await page.waitForFunction(() => /(第 |Step )[1-9]\d* (\/|of) 100000/.test(document.querySelector('.progress-card')?.textContent ?? ''), null, {
      timeout: HANG_GUARD_MS,
    });
  }

  /**
   * Clicks `action` with the run's status events held: the pending note (in `note`) shows, the button
   * that cannot be pressed twice is disabled, and both stay until the worker's answer is let through.
   */
  async function pendingUntilAnswered(id: number, action: 'pause' | 'stop', answer: RunStatus, note: RegExp, shot: string) {
    const page = app.s.page;
    gate.holding = true;
    await button(action).click();
    const pending = page.locator('[data-testid="control-pending"]');
    await pending.waitFor();
    assert.match(await pending.innerText(), note);
    assert.equal(await button(action).isDisabled(), true, `${action} cannot be pressed again while pending`);
    if (action === 'pause') assert.equal(await button('stop').isEnabled(), true, 'stop stays possible while a pause is pending');
    assert.equal(await button('resume').isDisabled(), true, 'nothing to resume while an action is pending');
    await heldStatus(id, answer); // the worker has answered; the page has not heard yet
    assert.equal(await pending.isVisible(), true, 'still pending: the page has not heard the answer');
    await screenshot(page, shot);
    gate.releaseAll();
    await badge(answer).waitFor();
    await pending.waitFor({ state: 'detached' });
  }

  test('zh-CN: pause and stop say they are pending; stop from paused and from running', async () => {
    const page = app.s.page;
    await gate.install(page);
    await page.goto(app.serve.url);
    const id = await launch(app.serve, await request('controls-zh'));
    await openRunning(id);

    await pendingUntilAnswered(id, 'pause', 'paused', /正在暂停：当前这一步结束时生效/, 'zh-CN-run-pause-pending');
    // Stop while paused: the worker wakes, saves a checkpoint, and stops.
    await pendingUntilAnswered(id, 'stop', 'stopped', /正在停止：当前这一步结束时保存检查点后停止/, 'zh-CN-run-stop-pending');
    assert.equal(await button('resume').isEnabled(), true, 'a stopped run can be resumed');

    // Resumed from its checkpoint, then stopped while running.
    await button('resume').click();
    await badge('running').waitFor({ timeout: HANG_GUARD_MS });
    await pendingUntilAnswered(id, 'stop', 'stopped', /正在停止/, 'zh-CN-run-stop-pending-running');
    assert.deepEqual(app.s.errors, []);
  });

  test('en: the same pending notes; stop while queued behind another run and while preparing', async () => {
    const page = app.s.page;
    if (page.url() === 'about:blank') {
      // Run on its own (a name pattern): the socket is routed and the app opened here.
      await gate.install(page);
      await page.goto(app.serve.url);
    }
    await page.locator('nav a[data-nav="settings"]').click();
    await page.locator('button[data-lang="en"]').click();
    await page.locator('main h1', { hasText: 'Settings' }).waitFor();

    const first = await launch(app.serve, await request('controls-en'));
    await openRunning(first);
    await pendingUntilAnswered(first, 'pause', 'paused', /Pausing: takes effect when the current step ends/, 'en-run-pause-pending');
    await button('resume').click();
    await badge('running').waitFor();

    // Queued behind the running one: Stop takes it out of the queue at once (nothing to wait for).
    const waiting = await launch(app.serve, await request('controls-en-queued'));
    await page.goto(`${app.serve.origin}/#/runs/${waiting}`);
    await badge('queued').waitFor();
    await page.locator('[data-testid="queue-phase"]', { hasText: `Queued: starts when #${first} finishes` }).waitFor();
    await screenshot(page, 'en-run-queued-waiting');
    await button('stop').click();
    await badge('stopped').waitFor();

    await page.goto(`${app.serve.origin}/#/runs/${first}`);
    await badge('running').waitFor();
    await pendingUntilAnswered(first, 'stop', 'stopped', /Stopping: saves a checkpoint when the current step ends, then stops/, 'en-run-stop-pending');

    // Preparing: the worker is reading and tokenizing a large file. Stop ends it at once.
    const preparing = await launch(app.serve, await request('controls-en-preparing', bigData));
    await page.goto(`${app.serve.origin}/#/runs/${preparing}`);
    await page.locator('[data-testid="queue-phase"]', { hasText: 'Queued: preparing' }).waitFor({ timeout: HANG_GUARD_MS });
    await screenshot(page, 'en-run-preparing');
    await button('stop').click();
    await badge('stopped').waitFor();
    assert.ok(
      logsOf(app.serve.dbPath, preparing).includes('stopped while preparing: no step was trained'),
      'it was stopped while preparing, not after its first step',
    );
    assert.deepEqual(app.s.errors, []);
  });
});
