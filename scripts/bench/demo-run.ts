/**
 * The README's demo figure: a fresh `tuneloom serve` (it makes the demo model and dataset itself), the
 * wizard's demo preset in Debian's Chromium, Launch, and the time until the run's badge says completed.
 * Prints the load average beside it, since the figure means little without it. (The e2e test of the
 * same flow waits for the end and asserts what the run did; the time is measured here, not there.)
 * On a shared machine the wall time counts other processes' turns, so it also prints the CPU seconds
 * the serve process and its training worker used from launch to the end (from /proc, Linux only), and
 * an anchor: a fixed single-threaded hash workload timed just before the launch and just after the end,
 * whose wall/CPU ratio says how contended the machine was.
 * Usage (after `npm run build`): npm run bench:demo [-- --json]
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { openBrowser } from '../../e2e/support/browser';
import { startServe } from '../../e2e/support/serve';

const { values } = parseArgs({ options: { json: { type: 'boolean' } } });
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/**
 * CPU seconds used so far by a process and all its descendants: each living one's own time, plus the
 * time of the children it has already reaped (cutime/cstime), so every process is counted once.
 */
function treeCpuSeconds(root: number): number {
  const procs = new Map<number, { ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // it exited while we listed
    }
    // Fields after the command name (which may hold spaces), from field 3 (state) on.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    procs.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
  }
  let ticks = 0;
  const queue = [root];
  while (queue.length) {
    const pid = queue.pop()!;
    ticks += procs.get(pid)?.ticks ?? 0;
    for (const [child, p] of procs) if (p.ppid === pid) queue.push(child);
  }
  return ticks / CLOCK_TICKS;
}

/** The anchor: SHA-256 over 256 MiB in this process, one thread; wall and CPU seconds. */
function anchor(): { wall: number; cpu: number } {
  const buf = Buffer.alloc(16 << 20, 7);
  const t = performance.now();
  const c = process.cpuUsage();
  const h = createHash('sha256');
  for (let i = 0; i < 16; i++) h.update(buf);
  h.digest();
  const used = process.cpuUsage(c);
  return { wall: (performance.now() - t) / 1000, cpu: (used.user + used.system) / 1e6 };
}

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
  const anchorBefore = anchor();
  const load = loadavg()[0]!;
  const cpu0 = treeCpuSeconds(serve.pid);
  const t0 = Date.now();
  await page.locator('[data-testid="wizard-launch"]').click();
  await page.waitForURL(/#\/runs\/\d+$/);
  const end = page.locator('.badge[data-status="completed"], .badge[data-status="failed"], .badge[data-status="interrupted"], .badge[data-status="stopped"]');
  await end.waitFor({ timeout: 0 });
  const seconds = (Date.now() - t0) / 1000;
  const cpuSeconds = treeCpuSeconds(serve.pid) - cpu0;
  const loadAfter = loadavg()[0]!;
  const anchorAfter = anchor();
  const status = await end.getAttribute('data-status');
  // The run page's 后端 (backend) field: the backend auto chose for the demo.
  const backend = await page
    .locator('dl.meta > div', { has: page.locator('dt', { hasText: /^后端$/ }) })
    .locator('dd')
    .innerText();
  const result = { seconds, cpuSeconds, status, backend, loadAverage1m: load, loadAverageAfter1m: loadAfter, cores: cpus().length, anchorBefore, anchorAfter };
  const a = (x: { wall: number; cpu: number }) => `${x.wall.toFixed(2)} s wall / ${x.cpu.toFixed(2)} s CPU`;
  if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
  else
    process.stdout.write(
      `demo run (${backend}): launch to ${status} in ${seconds.toFixed(1)} s, ${cpuSeconds.toFixed(1)} CPU-s (serve + worker) ` +
        `(${result.cores} cores, load average ${load.toFixed(1)} before, ${loadAfter.toFixed(1)} after; ` +
        `anchor sha256 of 256 MiB: ${a(anchorBefore)} before, ${a(anchorAfter)} after)\n`,
    );
} finally {
  await s.close();
  await serve.stop();
}
