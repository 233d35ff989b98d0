/**
 * `tuneloom runs ...` through the real CLI process and the real store. Workers are the TEST DOUBLE
 * trainer (TUNELOOM_WORKER_ENTRY), so these tests check the CLI's shapes and one-line errors in seconds;
 * crash recovery with the real training loop is tested in src-main/runs/real-loop.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { RunSupervisor } from '../../runs/supervisor';
import { openStore } from '../../store/db';
import { runTuneloom } from '../../test-support/cli';
import { repoRoot, tempDir } from '../../test-support/paths';
import type { TestDoubleConfig } from '../../test-support/test-double-trainer';
import { tsEntry } from '../../workers/worker-client';

const DOUBLE = join(repoRoot, 'src-main/test-support/test-double-worker.ts');
const env = { TUNELOOM_WORKER_ENTRY: DOUBLE };

function fixture(): {
  dir: string;
  dbFile: string;
  model: string;
  launch: (cfg: Partial<TestDoubleConfig>, name: string) => Parameters<RunSupervisor['enqueue']>[0];
} {
  const dir = tempDir('tuneloom-runs-cli-');
  const model = join(dir, 'model');
  mkdirSync(model);
  writeFileSync(join(model, 'config.json'), '{"model_type":"qwen2"}');
  writeFileSync(join(dir, 'data.jsonl'), '{"text":"hi"}\n');
  const launch = (cfg: Partial<TestDoubleConfig>, name: string) => {
    const outDir = join(dir, `out-${name}`);
    const config: TestDoubleConfig = { outDir, maxSteps: 30, seed: 3, saveEvery: 5, evalEvery: 5, sampleEvery: 10, ...cfg };
    return { name, method: 'lora' as const, modelPath: model, dataPath: join(dir, 'data.jsonl'), outDir, seed: 3, backend: 'cpu', config: { ...config } };
  };
  return { dir, dbFile: join(dir, 'store.db'), model, launch };
}

async function completeInProcess(dbFile: string, launch: Parameters<RunSupervisor['enqueue']>[0]): Promise<number> {
  const db = openStore(dbFile);
  const sup = new RunSupervisor(db, { workerEntry: tsEntry(DOUBLE) });
  const id = sup.enqueue(launch);
  await sup.waitForEnd(id);
  await sup.close();
  db.close();
  return id;
}

test('runs list / show / compare --json return recorded runs, metrics summary and final samples', async () => {
  const f = fixture();
  const a = await completeInProcess(f.dbFile, f.launch({ maxSteps: 10 }, 'a'));
  const b = await completeInProcess(f.dbFile, f.launch({ maxSteps: 10, seed: 4 }, 'b'));
  const list = await runTuneloom(['runs', 'list', '--db', f.dbFile, '--json']);
  assert.equal(list.code, 0, list.stderr);
  const runs = JSON.parse(list.stdout).runs as { id: number; status: string; lastStep: number }[];
  assert.deepEqual(
    runs.map((r) => [r.id, r.status, r.lastStep]),
    [
      [b, 'completed', 10],
      [a, 'completed', 10],
    ],
  );

  const show = await runTuneloom(['runs', 'show', String(a), '--db', f.dbFile, '--json']);
  assert.equal(show.code, 0, show.stderr);
  const shown = JSON.parse(show.stdout);
  assert.equal(shown.run.id, a);
  assert.equal(shown.run.adapterPath, join(f.dir, 'out-a'));
  assert.equal(shown.metrics.steps, 10);
  assert.equal(shown.metrics.lastStep, 10);
  assert.ok(shown.metrics.minLoss <= shown.metrics.firstLoss);
  assert.deepEqual(
    shown.samples.map((s: { step: number }) => s.step),
    [10],
  );
  assert.deepEqual(
    shown.checkpoints.map((c: { step: number }) => c.step),
    [5, 10],
  );
  assert.ok(shown.diskBytes > 0);

  const cmp = await runTuneloom(['runs', 'compare', String(a), String(b), '--db', f.dbFile, '--json']);
  assert.equal(cmp.code, 0, cmp.stderr);
  const c = JSON.parse(cmp.stdout);
  assert.deepEqual(c.runs, [a, b]);
  assert.deepEqual(c.differences['config.seed'], [3, 4]);
  assert.deepEqual(c.differences['config.outDir'], [join(f.dir, 'out-a'), join(f.dir, 'out-b')]);
  assert.equal(c.differences['config.maxSteps'], undefined, 'equal settings are not listed');
  assert.deepEqual(
    c.final.map((x: { id: number; lastStep: number }) => [x.id, x.lastStep]),
    [
      [a, 10],
      [b, 10],
    ],
  );
});

test('one clear line (exit 1) for: resuming a completed run, a second GPU run while another process trains, a moved model folder, a bad id, a read-only or newer store', async () => {
  const f = fixture();
  const done = await completeInProcess(f.dbFile, f.launch({ maxSteps: 3 }, 'done'));
  const oneLine = (r: { code: number; stderr: string; stdout: string }, re: RegExp): void => {
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, re);
  };
  oneLine(await runTuneloom(['runs', 'resume', String(done), '--db', f.dbFile], { env }), /already completed at step 3; there is nothing to resume/);
  oneLine(await runTuneloom(['runs', 'show', '99', '--db', f.dbFile]), /no run with id 99/);

  const db = openStore(f.dbFile);
  const sup = new RunSupervisor(db, { workerEntry: tsEntry(DOUBLE) });
  const id = sup.enqueue({ ...f.launch({ maxSteps: 100, stepDelayMs: 20 }, 'moved'), backend: 'webgpu' });
  await new Promise<void>((resolve) => sup.subscribe(id, -1, (e) => e.type === 'step' && e.point.step === 3 && (sup.kill(id), resolve())));
  await sup.waitForEnd(id);
  await sup.close();
  db.close();
  // Another process (this test) trains on the GPU: the CLI refuses a second GPU run with one line.
  const busy = openStore(f.dbFile);
  const gpuSup = new RunSupervisor(busy, { workerEntry: tsEntry(DOUBLE) });
  const gpuRun = gpuSup.enqueue({ ...f.launch({ maxSteps: 10_000, stepDelayMs: 20 }, 'gpu'), backend: 'webgpu' });
  await new Promise<void>((resolve) => gpuSup.subscribe(gpuRun, -1, (e) => e.type === 'status' && e.status === 'running' && resolve()));
  oneLine(
    await runTuneloom(['runs', 'resume', String(id), '--db', f.dbFile], { env }),
    new RegExp(`run ${gpuRun} \\(process ${process.pid}\\) is already training and the queue allows 1 run on the GPU at a time`),
  );
  gpuSup.stop(gpuRun);
  await gpuSup.waitForEnd(gpuRun);
  await gpuSup.close();
  busy.close();

  renameSync(f.model, `${f.model}-elsewhere`);
  oneLine(await runTuneloom(['runs', 'resume', String(id), '--db', f.dbFile], { env }), /base model is no longer there .*move the model folder back/);
  renameSync(`${f.model}-elsewhere`, f.model);

  const future = join(f.dir, 'future.db');
  const raw = new Database(future);
  raw.pragma('user_version = 99');
  raw.close();
  oneLine(await runTuneloom(['runs', 'list', '--db', future]), /written by a newer Tuneloom/);
  chmodSync(f.dbFile, 0o444);
  oneLine(await runTuneloom(['runs', 'list', '--db', f.dbFile]), /read-only/);
  chmodSync(f.dbFile, 0o644);
});
