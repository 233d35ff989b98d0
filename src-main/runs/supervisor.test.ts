/**
 * Supervisor tests at the protocol level: real worker processes (fork + the real worker runtime) serving
 * the deterministic TEST DOUBLE trainer (../test-support/test-double-trainer.ts), the real store on disk.
 * The same guarantees against the real training loop are tested in runs-cli.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { RunStreamEvent } from '../../src-shared/dto/run-stream';
import type { RunStatus } from '../../src-shared/dto/runs';
import { openStore } from '../store/db';
import type { Db } from '../store/db';
import { duplicateMetricSteps, listMetrics } from '../store/queries/metrics';
import { claimRun } from '../store/queries/run-lifecycle';
import { listCheckpoints } from '../store/queries/checkpoints';
import { listSamples } from '../store/queries/samples';
import { getRun, insertRun, setRunStatus } from '../store/queries/runs';
import { tempDir } from '../test-support/paths';
import type { TestDoubleConfig } from '../test-support/test-double-trainer';
import { tsEntry } from '../workers/worker-client';
import { recoverInterruptedRuns } from './recovery';
import type { RunLaunch } from './run-spec';
import type { SupervisorOptions } from './supervisor';
import { RunSupervisor } from './supervisor';

const doubleEntry = tsEntry(join(import.meta.dirname, '../test-support/test-double-worker.ts'));

function setup(opts: SupervisorOptions = {}): {
  db: Db;
  sup: RunSupervisor;
  dir: string;
  launch: (cfg: Partial<TestDoubleConfig>, name?: string) => RunLaunch;
} {
  const dir = tempDir('tuneloom-sup-');
  const model = join(dir, 'model');
  mkdirSync(model);
  writeFileSync(join(model, 'config.json'), '{"model_type":"qwen2"}');
  writeFileSync(join(dir, 'data.jsonl'), '{"text":"hello"}\n');
  const db = openStore(join(dir, 'store.db'));
  const sup = new RunSupervisor(db, { workerEntry: doubleEntry, flushMs: 20, ...opts });
  const launch = (cfg: Partial<TestDoubleConfig>, name = 'r'): RunLaunch => {
    const outDir = join(dir, `out-${name}`);
    const config: TestDoubleConfig = { outDir, maxSteps: 12, seed: 7, saveEvery: 4, evalEvery: 4, sampleEvery: 6, ...cfg };
    return { name, method: 'lora', modelPath: model, dataPath: join(dir, 'data.jsonl'), outDir, seed: config.seed, backend: 'cpu', config: { ...config } };
  };
  return { db, sup, dir, launch };
}

const adapterOf = (outDir: string): string => readFileSync(join(outDir, 'adapter_model.json'), 'utf8');

/** Resolves when the run reaches `status`; fails instead of hanging when the run ends first. */
function untilStatus(sup: RunSupervisor, runId: number, status: RunStatus): Promise<void> {
  return new Promise((resolve, reject) => {
    sup.subscribe(runId, -1, (e) => {
      if (e.type !== 'status') return;
      if (e.status === status) resolve();
      else if (!['queued', 'running', 'paused'].includes(e.status)) reject(new Error(`run ended ${e.status} before reaching ${status}`));
    });
  });
}

function untilStep(sup: RunSupervisor, runId: number, step: number): Promise<void> {
  return new Promise((resolve) => {
    let reached = false;
    const off = sup.subscribe(runId, -1, (e) => {
      // Several steps can arrive in one IPC chunk: unsubscribe once.
      if (!reached && e.type === 'step' && e.point.step >= step) {
        reached = true;
        queueMicrotask(() => off());
        resolve();
      }
    });
  });
}

test('a run goes queued → running → completed with metrics, samples, checkpoints, adapter and reproducibility facts', async () => {
  const { db, sup, launch } = setup();
  const statuses: RunStatus[] = [];
  const l = launch({});
  const id = sup.enqueue(l);
  sup.subscribe(id, -1, (e) => e.type === 'status' && statuses.push(e.status));
  assert.equal(await sup.waitForEnd(id), 'completed');
  assert.deepEqual(statuses, ['queued', 'running', 'completed']);
  const run = getRun(db, id)!;
  assert.equal(run.adapterPath, l.outDir);
  assert.equal(run.lastStep, 12);
  assert.equal(run.totalSteps, 12);
  assert.equal(run.backend, 'cpu');
  assert.deepEqual(run.gpu, { adapter: 'test double' });
  assert.match(run.modelConfigHash!, /^[0-9a-f]{64}$/);
  assert.match(run.datasetSha256!, /^[0-9a-f]{64}$/);
  assert.equal(run.config.maxSteps, 12);
  assert.ok(run.os && run.appVersion);
  assert.deepEqual(
    listMetrics(db, id).map((m) => m.step),
    [...Array(12).keys()].map((i) => i + 1),
  );
  assert.deepEqual(
    listSamples(db, id).map((s) => s.step),
    [6, 12],
  ); // step 12: the periodic and the final sample share a key
  assert.deepEqual(
    listCheckpoints(db, id).map((c) => [c.step, c.kept]),
    [
      [4, true],
      [8, true],
      [12, true],
    ],
  );
  assert.ok(existsSync(join(l.outDir, 'adapter_model.json')));
  assert.ok(run.bestEvalLoss !== null);
  await sup.close();
  db.close();
});

test('SIGKILL of the worker: interrupted, store intact, no row lost; resume finishes bit-identical without duplicate steps', async () => {
  const ref = setup();
  const refId = ref.sup.enqueue(ref.launch({ maxSteps: 20, saveEvery: 5 }, 'ref'));
  assert.equal(await ref.sup.waitForEnd(refId), 'completed');
  const refAdapter = adapterOf(getRun(ref.db, refId)!.outDir);
  const refLosses = listMetrics(ref.db, refId).map((m) => m.loss);

  const { db, sup, launch } = setup();
  const l = launch({ maxSteps: 20, saveEvery: 5, stepDelayMs: 15 }, 'crash');
  const id = sup.enqueue(l);
  await untilStep(sup, id, 12);
  const seen: number[] = [];
  sup.subscribe(id, 0, (e) => e.type === 'step' && seen.push(e.point.step));
  const pid = sup.workerPid(id)!;
  process.kill(pid, 'SIGKILL');
  assert.equal(await sup.waitForEnd(id), 'interrupted');
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  const afterCrash = listMetrics(db, id).map((m) => m.step);
  assert.deepEqual(afterCrash, seen, 'every step the supervisor received is in the store');
  const run = getRun(db, id)!;
  assert.match(run.error!.message, /signal SIGKILL.*resume from checkpoint step (10|15)/);

  assert.equal(sup.resume(id).runId, id);
  assert.equal(await sup.waitForEnd(id), 'completed');
  assert.equal(getRun(db, id)!.outDir, l.outDir);
  assert.equal(adapterOf(l.outDir), refAdapter, 'final adapter bit-identical to the uninterrupted run');
  assert.deepEqual(
    listMetrics(db, id).map((m) => m.loss),
    refLosses,
  );
  assert.equal(duplicateMetricSteps(db, id), 0);
  await Promise.all([sup.close(), ref.sup.close()]);
});

test('pause holds the worker between steps and resume continues exactly; stop keeps the last checkpoint as the adapter', async () => {
  const ref = setup();
  const refId = ref.sup.enqueue(ref.launch({ maxSteps: 150 }, 'ref'));
  await ref.sup.waitForEnd(refId);
  const refAdapter = adapterOf(getRun(ref.db, refId)!.outDir);

  const { db, sup, launch } = setup();
  const l = launch({ maxSteps: 150, stepDelayMs: 10 }, 'p');
  const id = sup.enqueue(l);
  await untilStep(sup, id, 5);
  sup.pause(id);
  await untilStatus(sup, id, 'paused');
  assert.equal(getRun(db, id)!.status, 'paused');
  const stepAtPause = getRun(db, id)!.lastStep;
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(listMetrics(db, id).at(-1)!.step, stepAtPause, 'no step while paused');
  sup.unpause(id);
  assert.equal(await sup.waitForEnd(id), 'completed');
  assert.equal(adapterOf(l.outDir), refAdapter);

  const s = launch({ maxSteps: 1000, stepDelayMs: 5, saveEvery: 0 }, 's');
  const sid = sup.enqueue(s);
  await untilStep(sup, sid, 7);
  sup.stop(sid);
  assert.equal(await sup.waitForEnd(sid), 'stopped');
  const stopped = getRun(db, sid)!;
  const last = listCheckpoints(db, sid).at(-1)!;
  assert.equal(stopped.adapterPath, last.path);
  assert.equal(last.step, stopped.lastStep);
  assert.ok(existsSync(join(last.path, 'adapter_model.json')) && existsSync(join(last.path, 'adapter_config.json')));
  await Promise.all([sup.close(), ref.sup.close()]);
});

test('worker errors fail the run with their kind; a hung worker is killed and interrupted; the supervisor lives on', async () => {
  const { db, sup, launch } = setup({ heartbeatMs: 100, heartbeatTimeoutMs: 1500 });
  const nan = sup.enqueue(launch({ failAtStep: 3, failKind: 'nan' }, 'nan'));
  assert.equal(await sup.waitForEnd(nan), 'failed');
  assert.equal(getRun(db, nan)!.error!.kind, 'nan');
  assert.match(getRun(db, nan)!.error!.message, /NaN at step 3/);
  const oom = sup.enqueue(launch({ failAtStep: 2, failKind: 'oom' }, 'oom'));
  assert.equal(await sup.waitForEnd(oom), 'failed');
  assert.equal(getRun(db, oom)!.error!.kind, 'oom', 'an allocation failure is classified as out of memory');
  const hang = sup.enqueue(launch({ hangAtStep: 2 }, 'hang'));
  assert.equal(await sup.waitForEnd(hang), 'interrupted');
  assert.match(getRun(db, hang)!.error!.message, /stopped answering/);
  const ok = sup.enqueue(launch({ maxSteps: 3 }, 'ok'));
  assert.equal(await sup.waitForEnd(ok), 'completed');
  await sup.close();
});

test('a long synchronous compute is no hang: one that yields between its parts, or one announced first, completes', async () => {
  // Each compute is longer than the heartbeat limit (2.5 s against 1.5 s), so answering only between steps would get it killed.
  const { db, sup, launch } = setup({ heartbeatMs: 50, heartbeatTimeoutMs: 1500 });
  const long = { maxSteps: 5, stepDelayMs: 20, longComputeAtStep: 3, longComputeMs: 2500 };
  const parts = sup.enqueue(launch({ ...long, longComputeParts: 10 }, 'yields'));
  assert.equal(await sup.waitForEnd(parts), 'completed', JSON.stringify(getRun(db, parts)?.error));
  // 200 steps' worth at >= 20 ms a step announces >= 4 s: the one synchronous block of 2.5 s fits in it.
  const announced = sup.enqueue(launch({ ...long, longComputeStepsWorth: 200 }, 'announced'));
  assert.equal(await sup.waitForEnd(announced), 'completed', JSON.stringify(getRun(db, announced)?.error));
  // Neither: the same block unannounced is silence past the limit, and the worker is killed.
  const silent = sup.enqueue(launch(long, 'silent'));
  assert.equal(await sup.waitForEnd(silent), 'interrupted');
  assert.match(getRun(db, silent)!.error!.message, /stopped answering/);
  await sup.close();
});

test('one GPU slot: a second run waits in the queue, or is refused with one line; resume refusals are one line', async () => {
  const { db, sup, launch, dir } = setup();
  const a = sup.enqueue(launch({ maxSteps: 6, stepDelayMs: 10 }, 'a'));
  const b = sup.enqueue(launch({ maxSteps: 3 }, 'b'));
  assert.equal(getRun(db, b)!.status, 'queued');
  assert.equal(sup.runningCount, 1);
  assert.equal(await sup.waitForEnd(a), 'completed');
  assert.equal(await sup.waitForEnd(b), 'completed');

  const cli = new RunSupervisor(db, { workerEntry: doubleEntry, whenBusy: 'refuse' });
  const gpu = (l: RunLaunch): RunLaunch => ({ ...l, backend: 'webgpu' });
  const c = cli.enqueue(gpu(launch({ maxSteps: 200, stepDelayMs: 10 }, 'c')));
  assert.doesNotThrow(() => cli.stop(cli.enqueue(launch({ maxSteps: 1 }, 'cpu-run'))), 'a cpu run holds no GPU slot');
  assert.throws(
    () => cli.enqueue(gpu(launch({}, 'd'))),
    (err: Error) => /run \d+ .*already training and the queue allows 1 run on the GPU/.test(err.message) && !err.message.includes('\n'),
  );
  assert.throws(() => cli.resume(b), /run \d+ already completed at step 3; there is nothing to resume/);
  assert.throws(() => cli.resume(c), /is (queued|running).*cannot be resumed twice/);
  cli.kill(c);
  assert.equal(await cli.waitForEnd(c), 'interrupted');
  renameSync(join(dir, 'model'), join(dir, 'model-moved'));
  assert.throws(() => cli.resume(c), /base model is no longer there/);
  await Promise.all([cli.close(), sup.close()]);
});

test('a queued run says why (preparing, or waiting behind others); stop works while it prepares', async () => {
  const { db, sup, launch } = setup();
  const a = sup.enqueue(launch({ prepareForever: true }, 'a'));
  const b = sup.enqueue(launch({ maxSteps: 3 }, 'b'));
  assert.deepEqual(sup.queuePhase(b), { phase: 'waiting', ahead: [a] });
  await new Promise<void>((resolve) => sup.observe(a, (e) => e.type === 'ready' && resolve()));
  assert.deepEqual(sup.queuePhase(a), { phase: 'preparing', ahead: [] });
  assert.equal(getRun(db, a)!.status, 'queued');
  sup.stop(a);
  assert.equal(await sup.waitForEnd(a), 'stopped', 'stopped at once, not at a step boundary that never comes');
  assert.equal(await sup.waitForEnd(b), 'completed', 'the next run gets the slot');
  assert.equal(sup.queuePhase(b), null);
  await sup.close();
});

test('a late subscriber gets history then the live tail with no gap and no duplicate', async () => {
  const { db, sup, launch } = setup({ flushMs: 50 });
  const id = sup.enqueue(launch({ maxSteps: 40, stepDelayMs: 5 }, 'late'));
  await untilStep(sup, id, 15);
  const got: RunStreamEvent[] = [];
  sup.subscribe(id, 3, (e) => got.push(e));
  assert.equal(await sup.waitForEnd(id), 'completed', JSON.stringify(getRun(db, id)?.error));
  const steps = got.filter((e) => e.type === 'step').map((e) => (e.type === 'step' ? e.point.step : 0));
  assert.deepEqual(
    steps,
    [...Array(37).keys()].map((i) => i + 4),
    `steps delivered: ${steps.join(',')}`,
  );
  const ckpts = got.filter((e) => e.type === 'checkpoint').map((e) => (e.type === 'checkpoint' ? e.step : 0));
  assert.deepEqual(ckpts, [4, 8, 12, 16, 20, 24, 28, 32, 36, 40], `checkpoints delivered: ${ckpts.join(',')}`);
  await sup.close();
});

test('retention keeps the last K checkpoints plus the best by eval loss', async () => {
  const { db, sup, launch } = setup({ retention: { keepLast: 2, keepBest: true } });
  const id = sup.enqueue(launch({ maxSteps: 24, saveEvery: 4, evalEvery: 4 }, 'k'));
  await sup.waitForEnd(id);
  const rows = listCheckpoints(db, id);
  const kept = rows.filter((c) => c.kept).map((c) => c.step);
  const best = rows.filter((c) => c.evalLoss !== null).reduce((a, c) => (c.evalLoss! < a.evalLoss! ? c : a)).step;
  assert.deepEqual(
    kept,
    [...new Set([best, 20, 24])].sort((x, y) => x - y),
  );
  for (const c of rows) assert.equal(existsSync(c.path), c.kept, `checkpoint ${c.step} on disk iff kept`);
  await sup.close();
});

test('start-up recovery: runs whose owner process is gone become interrupted; live owners are left alone', () => {
  const db = openStore(join(tempDir(), 's.db'));
  const base = { method: 'lora' as const, modelPath: '/m', config: {}, seed: 1, appVersion: '0', outDir: '/o' };
  const dead = insertRun(db, { ...base, name: 'dead' });
  setRunStatus(db, dead, 'running');
  claimRun(db, dead, { pid: 2 ** 22 + 12345, host: hostname() });
  const alive = insertRun(db, { ...base, name: 'alive' });
  setRunStatus(db, alive, 'running');
  claimRun(db, alive, { pid: process.pid, host: hostname() });
  assert.deepEqual(recoverInterruptedRuns(db), [dead]);
  assert.equal(getRun(db, dead)!.status, 'interrupted');
  assert.match(getRun(db, dead)!.error!.message, /tuneloom runs resume/);
  assert.equal(getRun(db, alive)!.status, 'running');
  db.close();
});

test('a damaged latest checkpoint: resume verifies sizes and hashes, falls back to the previous good one and says so (issue 16 #8)', async () => {
  const ref = setup();
  const refId = ref.sup.enqueue(ref.launch({ maxSteps: 20, saveEvery: 5 }, 'ref'));
  assert.equal(await ref.sup.waitForEnd(refId), 'completed');
  const refAdapter = adapterOf(getRun(ref.db, refId)!.outDir);

  const { db, sup, launch } = setup();
  const l = launch({ maxSteps: 20, saveEvery: 5, stepDelayMs: 15 }, 'damaged');
  const id = sup.enqueue(l);
  await untilStep(sup, id, 11);
  process.kill(sup.workerPid(id)!, 'SIGKILL');
  assert.equal(await sup.waitForEnd(id), 'interrupted');
  const files = db.prepare('SELECT step, files_json FROM checkpoints WHERE run_id = ? ORDER BY step').all(id) as { step: number; files_json: string }[];
  assert.deepEqual(
    files.map((f) => f.step),
    [5, 10],
  );
  const manifest = JSON.parse(files[1]!.files_json) as Record<string, { size: number; sha256: string }>;
  assert.match(manifest['trainer_state.json']!.sha256, /^[0-9a-f]{64}$/, 'size and hash of every file are in the store');

  // Same size, other bytes: only the hash can tell.
  const state = join(l.outDir, 'checkpoints', 'checkpoint-10', 'trainer_state.json');
  writeFileSync(
    state,
    readFileSync(state, 'utf8').replace(/\d/, (d) => String((Number(d) + 1) % 10)),
  );
  const logs: string[] = [];
  sup.subscribe(id, 0, (e) => e.type === 'log' && logs.push(e.message));
  const plan = sup.resume(id);
  assert.equal(plan.fromStep, 5);
  assert.deepEqual(plan.notes, [
    `checkpoint step 10 (${join(l.outDir, 'checkpoints', 'checkpoint-10')}) is not usable: trainer_state.json differs from what was written (sha256); resuming from step 5 instead`,
  ]);
  assert.ok(
    logs.some((m) => m.startsWith('checkpoint step 10') && m.endsWith('resuming from step 5 instead')),
    logs.join('\n'),
  );
  assert.equal(await sup.waitForEnd(id), 'completed');
  assert.equal(adapterOf(l.outDir), refAdapter, 'resumed from step 5, the result equals the uninterrupted run');
  assert.equal(duplicateMetricSteps(db, id), 0);
  assert.deepEqual(
    listMetrics(db, id).map((m) => m.step),
    [...Array(20).keys()].map((i) => i + 1),
  );
  await Promise.all([sup.close(), ref.sup.close()]);
});
