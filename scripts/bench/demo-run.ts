/**
 * The README's demo figure: a fresh `tuneloom serve` (it makes the demo model and dataset itself), the
 * wizard's demo preset in Debian's Chromium, Launch, and the time until the run's badge says completed.
 * Prints the load average beside it, since the figure means little without it. (The e2e test of the
 * same flow waits for the end and asserts what the run did; the time is measured here, not there.)
 * Usage (after `npm run build`): npm run bench:demo [-- --json]
 */
import { loadavg, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { openBrowser } from '../../e2e/support/browser';
import { startServe } from '../../e2e/support/serve';

const { values } = parseArgs({ options: { json: { type: 'boolean' } } });
const serve = await startServe();
const s = await openBrowser();
try {
  const page = s.page;
  await page.goto(serve.url);
  await page.locator('nav a[data-nav="new"]').click();
  await page.locator('button[data-preset="demo"]').click();
  // The demo assets are written in the background at start-up; the dataset step shows them when ready.
  await page.locator('[data-testid="wizard-next"]').click();
  await page.locator('.choice:has(input[name="ds"]:checked)').waitFor({ timeout: 0 });
  for (let i = 0; i < 4; i++) await page.locator('[data-testid="wizard-next"]').click();
  const load = loadavg()[0]!;
  const t0 = Date.now();
  await page.locator('[data-testid="wizard-launch"]').click();
  await page.waitForURL(/#\/runs\/\d+$/);
  const end = page.locator('.badge[data-status="completed"], .badge[data-status="failed"], .badge[data-status="interrupted"], .badge[data-status="stopped"]');
  await end.waitFor({ timeout: 0 });
  const seconds = (Date.now() - t0) / 1000;
  const status = await end.getAttribute('data-status');
  const result = { seconds, status, loadAverage1m: load, loadAverageAfter1m: loadavg()[0]!, cores: cpus().length };
  if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
  else process.stdout.write(`demo run: launch to ${status} in ${seconds.toFixed(1)} s (${result.cores} cores, load average ${load.toFixed(1)} before, ${result.loadAverageAfter1m.toFixed(1)} after)\n`);
} finally {
  await s.close();
  await serve.stop();
}
