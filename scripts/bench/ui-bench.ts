/**
 * UI benchmarks of the served app in Debian's Chromium (headless, software rendering, 1280x800):
 *   1. time to first contentful paint of `tuneloom serve`'s page (median of 7 fresh loads);
 *   2. the run dashboard with 100,000 metric points: time until the loss chart is drawn, then the frame
 *      times (requestAnimationFrame deltas) over 10 s while new steps stream in at 20 steps/s.
 * Usage (after `npm run build`): node --import tsx scripts/bench/ui-bench.ts [--points 100000] [--json]
 */
import { parseArgs } from 'node:util';
import { openStore } from '../../src-main/store/db';
import { openBrowser } from '../../e2e/support/browser';
import { seedLibrary, seedRun } from '../../e2e/support/seed';
import { startServe } from '../../e2e/support/serve';

const { values } = parseArgs({ options: { points: { type: 'string', default: '100000' }, json: { type: 'boolean' } } });
const points = Number(values.points);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

const serve = await startServe();
const db = openStore(serve.dbPath);
const lib = seedLibrary(db);
const runId = seedRun(db, {
  name: 'bench-100k',
  status: 'running',
  steps: points,
  totalSteps: points + 1000,
  modelId: lib.modelId,
  modelPath: lib.modelPath,
  datasetId: lib.handbookId,
});
const s = await openBrowser();
try {
  // 1. First contentful paint, fresh page each time.
  const fcps: number[] = [];
  for (let i = 0; i < 7; i++) {
    const page = await s.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(serve.url);
    await page.locator('main h1').waitFor();
    fcps.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN));
    await page.close();
  }

  // 2. Dashboard with `points` steps, then live steps.
  const page = s.page;
  await page.goto(serve.url);
  await page.locator('main h1').waitFor();
  const t0 = Date.now();
  await page.goto(`${serve.origin}/#/runs/${runId}`);
  await page.locator('[data-testid="loss-chart"] canvas').waitFor();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const chartReadyMs = Date.now() - t0;

  // A string, not a function: tsx's name helpers (__name) do not exist inside the page.
  await page.evaluate(`(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = (now) => { window.__frames.push(now - last); last = now; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  })()`);
  await new Promise((r) => setTimeout(r, 3000));
  const idle = ((await page.evaluate(`window.__frames.splice(0)`)) as number[]).slice(1);
  const insert = db.prepare(
    'INSERT INTO metrics (run_id, step, loss, lr, grad_norm, tokens_per_s, epoch, tokens_seen, ts) VALUES (?, ?, ?, 1e-4, 1, 1800, 1, ?, ?)',
  );
  let step = points;
  const streamer = setInterval(() => {
    step++;
    insert.run(runId, step, 0.5 + 0.05 * Math.random(), step * 4096, Date.now());
    db.prepare('UPDATE runs SET last_step = ? WHERE id = ?').run(step, runId);
  }, 50);
  await new Promise((r) => setTimeout(r, 10_000));
  clearInterval(streamer);
  const frames = (await page.evaluate(`window.__frames`)) as number[];
  const shown = await page.locator('.progress-card').innerText();
  const result = {
    browser: `chromium ${s.browser.version()} headless, --disable-gpu`,
    firstContentfulPaintMs: { median: Math.round(median(fcps)), runs: fcps.map(Math.round) },
    dashboard: {
      points,
      chartReadyMs,
      streamedSteps: step - points,
      frames: frames.length,
      idleFrameMs: { mean: +(idle.reduce((a, b) => a + b, 0) / idle.length).toFixed(1), p95: +pct(idle, 0.95).toFixed(1), max: +Math.max(...idle).toFixed(1) },
      frameMs: {
        mean: +(frames.reduce((a, b) => a + b, 0) / frames.length).toFixed(1),
        p95: +pct(frames, 0.95).toFixed(1),
        max: +Math.max(...frames).toFixed(1),
      },
      progressShown: /\d[\d,]* \/ [\d,]+/.exec(shown)?.[0] ?? shown.slice(0, 60),
    },
  };
  if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
  else console.log(JSON.stringify(result, null, 2));
} finally {
  db.close();
  await s.close();
  await serve.stop();
}
