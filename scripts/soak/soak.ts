/**
 * Soak: `tuneloom serve` answers a polling client the whole time while a long `tuneloom train` on the
 * demo model (same store) has its worker SIGKILLed at random steps and is resumed, N times.
 *
 *   npm run soak -- [--kills 20] [--steps N] [--save-every 2] [--seed 1] [--poll-ms 250] [--limit-min 120]
 *                   [--reference first|parallel] [--minutes M]
 *
 * --minutes M: the soak run lasts M minutes instead of a step count (its --max-steps is out of reach): the
 * kills are spread over the M minutes (one per equal slot, at a seeded point in it), the reference
 * trains beside it, and at M minutes both are stopped at the same step T (the one just past the
 * leader's), so the checks cover steps 1..T and the newest checkpoint both runs kept.
 *
 * Checks, against an uninterrupted reference run with the same settings:
 * - every resume is exact: each step's loss in the store equals the reference's, bit for bit, and the
 *   final adapter_model.safetensors is byte-equal;
 * - no metric row is lost or duplicated: the store holds steps 1..N once each;
 * - serve never stops answering: every poll (app.info, runs.list, runs.metrics over the WebSocket)
 *   is answered within 5 s.
 * Everything stays on loopback (serve binds 127.0.0.1) and in a temp folder; the run is bounded by
 * --limit-min. Prints one JSON summary line at the end; exit 0 when every check held.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';

const root = resolve(import.meta.dirname, '../..');
const cliEntry = join(root, 'src-main/cli/entry.ts');
const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    steps: { type: 'string' },
    'save-every': { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    'poll-ms': { type: 'string', default: '250' },
    'limit-min': { type: 'string', default: '120' },
    // 'parallel' trains the uninterrupted reference beside the soak run instead of before it, so a
    // one-hour soak run costs one hour of wall time, not two.
    reference: { type: 'string', default: 'first' },
    minutes: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const kills = Number(values.kills);
const saveEvery = Number(values['save-every']);
const minutes = values.minutes === undefined ? null : Number(values.minutes);
if (minutes !== null && !(minutes > 0)) throw new Error(`--minutes must be above 0, got ${values.minutes}`);
// With --minutes the runs never reach --max-steps: both are stopped at the same step when time is up.
const steps = Number(values.steps ?? (minutes !== null ? 10_000_000 : Math.max(24, kills * 3 + 6)));
const pollMs = Number(values['poll-ms']);
const deadline = Date.now() + Number(values['limit-min']) * 60_000;

/** A small seeded PRNG (mulberry32): the kill points are reproducible from --seed. */
let rngState = Number(values.seed) >>> 0;
function random(): number {
  rngState = (rngState + 0x6d2b79f5) >>> 0;
  let t = rngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
}

const home = mkdtempSync(join(tmpdir(), 'tuneloom-soak-'));
const dbPath = join(home, 'tuneloom.db');
const env = { ...process.env, TUNELOOM_HOME: home, TUNELOOM_CONFIG_DIR: join(home, 'config'), TUNELOOM_BROWSE_FOLDERS: root };
const children = new Set<ChildProcess>();

function fail(message: string): never {
  throw new Error(message);
}

function tuneloom(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** JSON lines from a child's stdout, to `onLine`; resolves with the exit code. */
function follow(child: ChildProcess, onLine: (v: Record<string, unknown>) => void): Promise<number | null> {
  let buf = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line.startsWith('{')) onLine(JSON.parse(line) as Record<string, unknown>);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  return new Promise((res) => child.on('exit', (code) => res(code === null ? null : code))).then((code) => {
    (child as ChildProcess & { stderrTail?: string }).stderrTail = stderr;
    return code as number | null;
  });
}

/** The training worker: the child of the CLI process running the worker entry (Linux /proc). */
function workerPid(cliPid: number): number | null {
  try {
    const kids = readFileSync(`/proc/${cliPid}/task/${cliPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return kids.find((k) => /worker/.test(readFileSync(`/proc/${k}/cmdline`, 'utf8'))) ?? null;
  } catch {
    return null;
  }
}

// ---- serve and the polling client ------------------------------------------------------------------

interface Poller {
  ok: number;
  failed: string[];
  maxLatencyMs: number;
  stop(): void;
  metrics(runId: number): Promise<{ step: number; loss: number }[]>;
}

async function startServe(): Promise<{ url: string; proc: ChildProcess }> {
  const proc = tuneloom(['serve', '--host', '127.0.0.1', '--port', '0', '--db', dbPath]);
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error('serve printed no URL in 60 s')), 60_000);
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    });
    proc.on('exit', (code) => rej(new Error(`serve exited with ${code}`)));
  });
  return { url, proc };
}

async function startPoller(url: string, runId: () => number | null): Promise<Poller> {
  const u = new URL(url);
  const ws = new WebSocket(`ws://${u.host}/ws?token=${u.searchParams.get('token')}`);
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  let next = 1;
  const pending = new Map<number, (r: { ok: boolean; value?: unknown; error?: { message: string } }) => void>();
  ws.on('message', (d) => {
    const frame = JSON.parse(String(d)) as { id?: number; result?: { ok: boolean } };
    if (frame.id !== undefined && frame.result) pending.get(frame.id)?.(frame.result);
  });
  const call = (channel: string, payload: unknown): Promise<{ ok: boolean; value?: unknown; error?: { message: string } }> =>
    new Promise((res, rej) => {
      const id = next++;
      const timer = setTimeout(() => rej(new Error(`${channel}: no answer in 5 s`)), 5000);
      pending.set(id, (r) => {
        clearTimeout(timer);
        pending.delete(id);
        res(r);
      });
      ws.send(JSON.stringify({ id, channel, payload }));
    });
  const p: Poller = {
    ok: 0,
    failed: [],
    maxLatencyMs: 0,
    stop: () => {
      clearInterval(timer);
      ws.close();
    },
    metrics: async (id) => {
      const r = await call('runs.metrics', { id, afterStep: 0 });
      if (!r.ok) fail(`runs.metrics: ${r.error?.message}`);
      return r.value as { step: number; loss: number }[];
    },
  };
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    const id = runId();
    const t0 = performance.now();
    const calls = [call('app.info', {}), call('runs.list', { sort: 'newest' }), ...(id ? [call('runs.metrics', { id, afterStep: 0 })] : [])];
    void Promise.all(calls)
      .then((rs) => {
        const bad = rs.find((r) => !r.ok);
        if (bad) p.failed.push(bad.error?.message ?? 'error');
        else p.ok += rs.length;
      })
      .catch((err: Error) => p.failed.push(err.message))
      .finally(() => {
        p.maxLatencyMs = Math.max(p.maxLatencyMs, performance.now() - t0);
        busy = false;
      });
  }, pollMs);
  return p;
}

// ---- training ------------------------------------------------------------------------------------

function trainArgs(out: string): string[] {
  const model = join(home, 'demo', 'model');
  const data = join(root, 'resources', 'demo', 'handbook-sample.jsonl');
  return [
    'train',
    '--model',
    model,
    '--data',
    data,
    '--out',
    out,
    '--max-steps',
    String(steps),
    '--save-every',
    String(saveEvery),
    '--seed',
    '7',
    '--backend',
    'cpu',
    '--db',
    dbPath,
    '--json',
  ];
}

/** Runs (or resumes) until `killAt` holds for a reported step, then SIGKILLs the worker; null: run to the end. */
async function segment(
  args: string[],
  killAt: number | null | ((step: number) => boolean),
  onStart: (runId: number) => void,
  onStep: (step: number) => void = () => undefined,
): Promise<{ code: number | null; lastStep: number; fromStep: number; killed: boolean; stderr: string }> {
  const shouldKill = typeof killAt === 'function' ? killAt : (step: number) => killAt !== null && step >= killAt;
  const child = tuneloom(args);
  let lastStep = 0;
  let fromStep = 0;
  let killed = false;
  const exit = follow(child, (v) => {
    if (v.type === 'start' && typeof v.run_id === 'number') {
      onStart(v.run_id);
      fromStep = typeof v.from_step === 'number' ? v.from_step : 0;
    }
    if (v.type === 'step' && typeof v.step === 'number') {
      lastStep = v.step;
      onStep(v.step);
      if (!killed && shouldKill(v.step)) {
        const pid = workerPid(child.pid!);
        if (pid) {
          killed = true;
          process.kill(pid, 'SIGKILL');
        }
      }
    }
  });
  const code = await exit;
  return { code, lastStep, fromStep, killed, stderr: (child as ChildProcess & { stderrTail?: string }).stderrTail ?? '' };
}

/** The newest `checkpoint-N` folder both run folders hold (the supervisor prunes older ones). */
function newestCommonCheckpoint(a: string, b: string): { dir: string; step: number } {
  const steps = (dir: string) => new Set(readdirSync(dir).flatMap((f) => (/^checkpoint-(\d+)$/.exec(f) ? [Number(f.slice(11))] : [])));
  const inB = steps(b);
  const common = [...steps(a)].filter((n) => inB.has(n));
  if (!common.length) fail('the soak run and the reference kept no checkpoint in common');
  const step = Math.max(...common);
  return { dir: `checkpoint-${step}`, step };
}

/** What the reference run, the soak run and the --minutes timer share while they train. */
interface SoakState {
  /** --minutes: set when time is up; both runs are stopped on reaching it. */
  finalStep: number | null;
  refLast: number;
  soakLast: number;
  /** The soak run's id once it started, for the poller's runs.metrics calls. */
  currentRun: number | null;
}

type KillAt = number | null | ((step: number) => boolean);

/** serve writes the demo model into TUNELOOM_HOME at start-up; the runs train on it. */
async function waitForDemoModel(): Promise<void> {
  for (let i = 0; !existsSync(join(home, 'demo', 'model', 'config.json')); i++) {
    if (i > 600) fail('the demo model did not appear in 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Reference: the same run, uninterrupted (stopped at the final step with --minutes); resolves with its
 * run id once it ended as it should. Marked handled at once, so a failure waits for the caller's await.
 */
function startReference(st: SoakState, stopAtFinal: (step: number) => boolean): Promise<number> {
  let refId = 0;
  const done = segment(
    trainArgs(join(home, 'ref')),
    minutes !== null ? stopAtFinal : null,
    (id) => (refId = id),
    (step) => (st.refLast = step),
  ).then((ref) => {
    if (minutes !== null ? ref.lastStep !== st.finalStep : ref.code !== 0)
      fail(`the reference run failed (exit ${ref.code}, step ${ref.lastStep}): ${ref.stderr}`);
    return refId;
  });
  done.catch(() => undefined);
  return done;
}

/** Where segment k is killed: a seeded step, or with --minutes a seeded moment of its time slot; null: never. */
function killPoint(k: number, from: number, soakStart: number, slotMs: number, stopAtFinal: (step: number) => boolean): KillAt {
  const left = kills - k;
  // Spread the kills over the steps still to go; the last segment runs to the end.
  const span = Math.max(1, Math.floor((steps - from - 1) / Math.max(1, left)));
  let killAt: KillAt = left > 0 ? Math.min(steps - 1, from + 1 + Math.floor(random() * span)) : null;
  if (minutes !== null) {
    // Kill k lands at a seeded point of the k-th time slot (at the first step reported after it); the
    // last segment runs until both runs are stopped at the final step.
    const at = soakStart + (k + 0.1 + 0.8 * random()) * slotMs;
    killAt = left > 0 ? () => Date.now() >= at : stopAtFinal;
  }
  return killAt;
}

interface SoakRun {
  runId: number;
  killSteps: number[];
  resumeSteps: number[];
}

/** The soak run: killed at random steps, resumed each time, the last segment run to the end. */
async function soakSegments(st: SoakState, out: string, soakStart: number, slotMs: number, stopAtFinal: (step: number) => boolean): Promise<SoakRun> {
  const run: SoakRun = { runId: 0, killSteps: [], resumeSteps: [] };
  let args = trainArgs(out);
  let from = 0;
  for (let k = 0; k <= kills; k++) {
    if (Date.now() > deadline) fail(`--limit-min reached after ${k} kills`);
    const left = kills - k;
    const killAt = killPoint(k, from, soakStart, slotMs, stopAtFinal);
    const seg = await segment(
      args,
      killAt,
      (id) => {
        run.runId = id;
        st.currentRun = id;
      },
      (step) => (st.soakLast = step),
    );
    if (k > 0) run.resumeSteps.push(seg.fromStep);
    if (minutes !== null && left === 0) {
      if (!seg.killed || seg.lastStep !== st.finalStep)
        fail(`the last segment ended (exit ${seg.code}) at step ${seg.lastStep}, not at the final step ${st.finalStep}: ${seg.stderr}`);
    } else if (killAt !== null) {
      if (!seg.killed) fail(`segment ${k}: the run ended (exit ${seg.code}) before step ${killAt}: ${seg.stderr}`);
      run.killSteps.push(seg.lastStep);
      // The next segment resumes from the newest checkpoint at or before the kill.
      from = Math.floor(seg.lastStep / saveEvery) * saveEvery;
      args = ['runs', 'resume', String(run.runId), '--db', dbPath, '--json'];
    } else if (seg.code !== 0) {
      fail(`the last segment failed (exit ${seg.code}): ${seg.stderr}`);
    }
  }
  return run;
}

interface SoakChecks {
  rows: { step: number; loss: number }[];
  duplicates: number;
  missing: number[];
  lossMismatch: number[];
  compared: { dir: string; step: number };
  adapterEqual: boolean;
  leftovers: string[];
}

/** The checks against the reference: rows 1..lastStep once each, equal losses, byte-equal adapters, no temp files. */
async function checkRuns(poller: Poller, refId: number, runId: number, lastStep: number, out: string): Promise<SoakChecks> {
  const refLoss = new Map((await poller.metrics(refId)).map((m) => [m.step, m.loss]));
  const rows = await poller.metrics(runId);
  const stepsSeen = rows.map((r) => r.step);
  const duplicates = stepsSeen.length - new Set(stepsSeen).size;
  const seen = new Set(stepsSeen);
  const missing = [...Array(lastStep).keys()].map((i) => i + 1).filter((s) => !seen.has(s));
  const lossMismatch = rows.filter((r) => refLoss.get(r.step) !== r.loss).map((r) => r.step);
  // Count mode: the final adapters. --minutes: neither run finished, so the newest checkpoint both kept
  // (adapter and optimiser moments) must be byte-equal.
  const compared = minutes === null ? { dir: '', step: steps } : newestCommonCheckpoint(out, join(home, 'ref'));
  const same = (file: string): boolean => readFileSync(join(out, compared.dir, file)).equals(readFileSync(join(home, 'ref', compared.dir, file)));
  const adapterEqual = same('adapter_model.safetensors') && (minutes === null || same('optimizer.safetensors'));
  const leftovers = readdirSync(out).filter((f) => /\.tmp-|\.old-/.test(f));
  return { rows, duplicates, missing, lossMismatch, compared, adapterEqual, leftovers };
}

/** The one JSON summary line; exit code 1 unless every check held. */
function report(run: SoakRun, c: SoakChecks, poller: Poller, lastStep: number, soakMinutes: number, t0: number): void {
  const summary = {
    kills: run.killSteps.length,
    steps: lastStep,
    ...(minutes !== null ? { compared_checkpoint: c.compared.step } : {}),
    save_every: saveEvery,
    kill_steps: run.killSteps,
    resumed_from: run.resumeSteps,
    metric_rows: c.rows.length,
    duplicate_rows: c.duplicates,
    missing_rows: c.missing.length,
    loss_mismatches: c.lossMismatch.length,
    adapter_byte_equal: c.adapterEqual,
    temp_leftovers: c.leftovers.length,
    api_calls_ok: poller.ok,
    api_calls_failed: poller.failed.length,
    api_max_latency_ms: Math.round(poller.maxLatencyMs),
    reference: values.reference === 'parallel' || minutes !== null ? 'parallel' : 'first',
    soak_run_minutes: Number(soakMinutes.toFixed(1)),
    minutes: Number(((Date.now() - t0) / 60_000).toFixed(1)),
  };
  process.stdout.write(JSON.stringify(summary) + '\n');
  const ok =
    c.duplicates === 0 && c.missing.length === 0 && c.lossMismatch.length === 0 && c.adapterEqual && c.leftovers.length === 0 && poller.failed.length === 0;
  if (!ok) {
    if (poller.failed.length) process.stderr.write(`API failures: ${poller.failed.slice(0, 5).join('; ')}\n`);
    process.exitCode = 1;
  }
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const serve = await startServe();
  await waitForDemoModel();
  const st: SoakState = { finalStep: null, refLast: 0, soakLast: 0, currentRun: null };
  const poller = await startPoller(serve.url, () => st.currentRun);
  const stopAtFinal = (step: number): boolean => st.finalStep !== null && step >= st.finalStep;

  // The reference trains before the soak run, or beside it (always beside with --minutes).
  const refDone = startReference(st, stopAtFinal);
  if (values.reference !== 'parallel' && minutes === null) await refDone;
  const soakStart = Date.now();
  const slotMs = minutes !== null ? (minutes * 60_000) / (kills + 1) : 0;
  const timeUp = minutes !== null ? setTimeout(() => (st.finalStep = Math.max(st.refLast, st.soakLast) + 1), minutes * 60_000) : undefined;

  const out = join(home, 'soak');
  const run = await soakSegments(st, out, soakStart, slotMs, stopAtFinal);

  const soakMinutes = (Date.now() - soakStart) / 60_000;
  clearTimeout(timeUp);
  const refId = await refDone;
  const lastStep = minutes !== null ? st.finalStep! : steps;
  const checks = await checkRuns(poller, refId, run.runId, lastStep, out);
  poller.stop();
  serve.proc.kill('SIGTERM');
  report(run, checks, poller, lastStep, soakMinutes, t0);
}

main()
  .catch((err: Error) => {
    process.stderr.write(`soak: ${err.message}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill('SIGKILL');
    if (!values.keep) rmSync(home, { recursive: true, force: true });
  });
