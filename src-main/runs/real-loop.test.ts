/**
 * Runs through the real CLI, the real worker process and the real training loop on the project's tiny
 * model (cpu backend): completion with everything recorded, a SIGKILLed worker and a SIGKILLed main
 * process both resumed to an adapter bit-identical to an uninterrupted run, pause/resume exactness and
 * stop keeping a usable adapter.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../store/db';
import { duplicateMetricSteps, listMetrics } from '../store/queries/metrics';
import { listCheckpoints } from '../store/queries/checkpoints';
import { getRun } from '../store/queries/runs';
import { runTuneloom } from '../test-support/cli';
import { repoRoot, tempDir } from '../test-support/paths';
import { writeTinyModel } from '../test-support/tiny-model';
import { TRAIN_DEFAULTS } from '../engine/train/train-config';
import type { RunLaunch } from './run-spec';
import { RunSupervisor } from './supervisor';

const dir = tempDir('tuneloom-real-loop-');
const model = writeTinyModel(join(dir, 'model'));
const data = join(dir, 'data.jsonl');
writeFileSync(
  data,
  Array.from({ length: 8 }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: 'user', content: `q${i}` },
        { role: 'assistant', content: `answer ${i}` },
      ],
    }),
  ).join('\n') + '\n',
);
const prompts = join(dir, 'prompts.json');
writeFileSync(prompts, JSON.stringify(['q1']));
const STEPS = 12;
const trainArgs = (out: string, db: string): string[] => [
  'train',
  '--model',
  model,
  '--data',
  data,
  '--out',
  out,
  '--max-steps',
  String(STEPS),
  '--save-every',
  '3',
  '--lr',
  '5e-3',
  '--val-split',
  '0.25',
  '--eval-every',
  '6',
  '--sample-every',
  '6',
  '--sample-prompts',
  prompts,
  '--sample-max-new-tokens',
  '4',
  '--backend',
  'cpu',
  '--db',
  db,
  '--json',
];
const adapterBytes = (out: string): Buffer => readFileSync(join(out, 'adapter_model.safetensors'));
const lines = (stdout: string): Record<string, unknown>[] =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Direct children of a process (Linux /proc): the CLI's training worker. */
function childPids(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return (
          Number(
            readFileSync(`/proc/${d}/stat`, 'utf8')
              .replace(/^.*\) /, '')
              .split(' ')[1],
          ) === pid
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Starts the CLI and calls `at(step, child)` for each step line; resolves with its exit code and output. */
function startCli(
  args: string[],
  at: (step: number, pid: number) => void,
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src-main/cli/entry.ts'), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let buf = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = JSON.parse(buf.slice(0, nl)) as { type: string; step?: number };
      buf = buf.slice(nl + 1);
      if (line.type === 'step') at(line.step!, child.pid!);
    }
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

const ref = (async () => {
  const out = join(dir, 'ref');
  const db = join(dir, 'ref.db');
  const r = await runTuneloom(trainArgs(out, db));
  assert.equal(r.code, 0, r.stderr);
  return { out, db, r };
})();

test('tuneloom train: queued → running → completed, with metrics, samples, evals, checkpoints and the adapter recorded', async () => {
  const { out, db, r } = await ref;
  const ev = lines(r.stdout);
  const start = ev.find((e) => e.type === 'start')!;
  const done = ev.at(-1)!;
  assert.equal(done.type, 'done');
  assert.equal(done.run_id, start.run_id);
  assert.equal(typeof start.run_id, 'number');
  assert.equal(done.adapter, out);
  const list = await runTuneloom(['runs', 'list', '--db', db, '--json']);
  const runs = JSON.parse(list.stdout).runs as { id: number; status: string; lastStep: number; totalSteps: number }[];
  assert.deepEqual(
    runs.map((x) => [x.id, x.status, x.lastStep, x.totalSteps]),
    [[start.run_id, 'completed', STEPS, STEPS]],
  );
  const show = JSON.parse((await runTuneloom(['runs', 'show', String(start.run_id), '--db', db, '--json'])).stdout);
  assert.equal(show.run.adapterPath, out);
  assert.equal(show.run.backend, 'cpu');
  assert.equal(show.run.config.lr, 5e-3);
  assert.equal(show.metrics.steps, STEPS);
  assert.deepEqual(
    show.samples.map((s: { step: number; prompt: string }) => [s.step, s.prompt]),
    [[STEPS, 'q1']],
  );
  assert.deepEqual(
    show.checkpoints
      .filter((c: { kept: boolean }) => c.kept)
      .map((c: { step: number }) => c.step)
      .sort((a: number, b: number) => a - b),
    [6, 9, 12],
  );
  assert.deepEqual(
    show.evals.map((e: { step: number }) => e.step),
    [6, 12],
  );
  assert.ok(existsSync(join(out, 'adapter_config.json')) && existsSync(join(out, 'adapter_model.safetensors')));
});

test('SIGKILL the worker, then the main process: each time the run is interrupted and resumable; the final adapter is bit-identical', async () => {
  const { out: refOut, db: refDbFile } = await ref;
  const refDb = openStore(refDbFile);
  const refLosses = listMetrics(refDb, 1).map((m) => m.loss);
  refDb.close();
  const out = join(dir, 'crash');
  const dbFile = join(dir, 'crash.db');

  // 1. The worker dies after step 5 (a checkpoint exists at 3).
  let killedWorker = false;
  const first = await startCli(trainArgs(out, dbFile), (step, pid) => {
    if (step === 5 && !killedWorker) {
      killedWorker = true;
      for (const c of childPids(pid)) process.kill(c, 'SIGKILL');
    }
  });
  assert.equal(first.code, 2, first.stderr);
  assert.match(first.stderr, /interrupted: the training worker exited unexpectedly \(signal SIGKILL\).*tuneloom runs resume 1/);
  const seen = lines(first.stdout)
    .filter((e) => e.type === 'step')
    .map((e) => e.step);
  let db = openStore(dbFile);
  assert.equal(getRun(db, 1)!.status, 'interrupted');
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  assert.deepEqual(
    listMetrics(db, 1).map((m) => m.step),
    seen,
    'every step printed is in the store',
  );
  db.close();

  // 2. `runs resume` (now the main process) is killed itself after step 8.
  const second = await startCli(['runs', 'resume', '1', '--db', dbFile, '--json'], (step, pid) => {
    if (step === 8) process.kill(pid, 'SIGKILL');
  });
  assert.equal(second.signal, 'SIGKILL');
  assert.match(lines(second.stdout).find((e) => e.type === 'start')!.resumed_from as string, /checkpoint-3$/);
  const raw = new Database(dbFile);
  assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
  raw.close();
  const listed = JSON.parse((await runTuneloom(['runs', 'list', '--db', dbFile, '--json'])).stdout).runs;
  assert.equal(listed[0].status, 'interrupted', 'the next start finds the run interrupted');

  // 3. The second resume finishes the run: same id, same --out, same bytes as the uninterrupted run.
  const third = await runTuneloom(['runs', 'resume', '1', '--db', dbFile, '--json']);
  assert.equal(third.code, 0, third.stderr);
  const ev = lines(third.stdout);
  assert.match(ev.find((e) => e.type === 'start')!.resumed_from as string, /checkpoint-(6|9)$/);
  assert.deepEqual([ev.at(-1)!.type, ev.at(-1)!.run_id, ev.at(-1)!.adapter], ['done', 1, out]);
  assert.ok(adapterBytes(out).equals(adapterBytes(refOut)), 'final adapter bit-identical to the uninterrupted run');
  db = openStore(dbFile);
  assert.equal(getRun(db, 1)!.status, 'completed');
  assert.deepEqual(
    listMetrics(db, 1).map((m) => m.loss),
    refLosses,
  );
  assert.equal(duplicateMetricSteps(db, 1), 0);
  db.close();
});

test('pause mid-epoch and resume is exact; stop keeps the last checkpoint as a usable PEFT adapter', async () => {
  const { out: refOut } = await ref;
  const db = openStore(join(dir, 'pause.db'));
  const sup = new RunSupervisor(db);
  const launch = (out: string, extra: Record<string, unknown> = {}): RunLaunch => {
    const config = {
      ...TRAIN_DEFAULTS,
      model,
      data,
      out,
      maxSteps: STEPS,
      saveEvery: 3,
      lr: 5e-3,
      valSplit: 0.25,
      evalEvery: 6,
      sampleEvery: 6,
      samplePrompts: prompts,
      sampleMaxNewTokens: 4,
      ...extra,
    };
    return { name: out, method: 'lora', modelPath: model, dataPath: data, outDir: out, seed: config.seed, backend: 'cpu', config };
  };
  const out = join(dir, 'paused');
  const id = sup.enqueue(launch(out));
  await new Promise<void>((resolve) => sup.subscribe(id, -1, (e) => e.type === 'step' && e.point.step === 2 && (sup.pause(id), resolve())));
  await new Promise<void>((resolve, reject) =>
    sup.subscribe(id, -1, (e) => {
      if (e.type === 'status' && e.status === 'paused') resolve();
      else if (e.type === 'status' && e.status !== 'running') reject(new Error(`run ended ${e.status} before pausing`));
    }),
  );
  const held = getRun(db, id)!.lastStep;
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(getRun(db, id)!.lastStep, held, 'no step while paused');
  assert.equal(getRun(db, id)!.status, 'paused');
  sup.unpause(id);
  assert.equal(await sup.waitForEnd(id), 'completed');
  assert.ok(adapterBytes(out).equals(adapterBytes(refOut)), 'paused run ends bit-identical');

  const sOut = join(dir, 'stopped');
  const sid = sup.enqueue(launch(sOut, { maxSteps: 200 }));
  await new Promise<void>((resolve) => sup.subscribe(sid, -1, (e) => e.type === 'step' && e.point.step === 4 && (sup.stop(sid), resolve())));
  assert.equal(await sup.waitForEnd(sid), 'stopped');
  const run = getRun(db, sid)!;
  const last = listCheckpoints(db, sid).at(-1)!;
  assert.equal(run.adapterPath, last.path);
  assert.ok(last.step >= 4 && last.step === run.lastStep);
  const cfg = JSON.parse(readFileSync(join(last.path, 'adapter_config.json'), 'utf8'));
  assert.equal(cfg.peft_type, 'LORA');
  assert.ok(existsSync(join(last.path, 'adapter_model.safetensors')));
  await sup.close();
  db.close();
});
