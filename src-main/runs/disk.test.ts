import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../store/db';
import { getRun } from '../store/queries/runs';
import { repoRoot, tempDir } from '../test-support/paths';
import type { TestDoubleConfig } from '../test-support/test-double-trainer';
import { tsEntry } from '../workers/worker-client';
import { deleteRunWithFiles, diskUsage, isInside, removeWorkerLeftovers, runDiskBytes } from './disk';
import { RunSupervisor } from './supervisor';

test('disk used per run, and deleting a run removes its rows and the files it wrote, nothing else', async () => {
  const dir = tempDir('tuneloom-disk-');
  mkdirSync(join(dir, 'model'));
  writeFileSync(join(dir, 'model', 'config.json'), '{}');
  const out = join(dir, 'out');
  mkdirSync(out);
  writeFileSync(join(out, 'notes-of-the-user.txt'), 'keep me');
  const db = openStore(join(dir, 's.db'));
  const sup = new RunSupervisor(db, { workerEntry: tsEntry(join(repoRoot, 'src-main/test-support/test-double-worker.ts')) });
  const config: TestDoubleConfig = { outDir: out, maxSteps: 8, seed: 1, saveEvery: 2 };
  const id = sup.enqueue({ name: 'd', method: 'lora', modelPath: join(dir, 'model'), dataPath: null, outDir: out, seed: 1, config: { ...config } });
  assert.throws(() => deleteRunWithFiles(db, id), /run \d+ is (queued|running) — stop it before deleting it/);
  assert.equal(await sup.waitForEnd(id), 'completed');
  const bytes = runDiskBytes(db, id);
  assert.equal(bytes, diskUsage(out));
  assert.ok(bytes > 0);
  const { freedBytes } = deleteRunWithFiles(db, id);
  assert.equal(getRun(db, id), undefined);
  assert.equal((db.prepare('SELECT count(*) AS n FROM metrics WHERE run_id = ?').get(id) as { n: number }).n, 0, 'metrics cascade');
  assert.ok(existsSync(join(out, 'notes-of-the-user.txt')), 'a file Tuneloom did not write stays');
  assert.ok(!existsSync(join(out, 'checkpoints')) && !existsSync(join(out, 'adapter_model.json')));
  assert.equal(freedBytes, bytes - 'keep me'.length);
  assert.ok(isInside('/a/b', '/a/b/c') && !isInside('/a/b', '/a/bc') && !isInside('/a/b', '/a/b'));
  await sup.close();
  db.close();
});

test('a worker killed mid-write: its temp folders and files go, a checkpoint moved aside comes back, other pids are left alone', () => {
  const out = tempDir('tuneloom-leftovers-');
  const mk = (name: string, body = 'x') => {
    mkdirSync(join(out, name), { recursive: true });
    writeFileSync(join(out, name, 'trainer_state.json'), body);
  };
  mk('checkpoint-4.tmp-123');
  writeFileSync(join(out, '.adapter_model.safetensors.tmp-123'), 'half');
  mk('checkpoint-2.old-123', 'kept'); // the new checkpoint-2 never moved in
  mk('checkpoint-6');
  mk('checkpoint-6.old-123'); // the new one did
  mk('checkpoint-8.tmp-999'); // another worker's
  mk('checkpoints/checkpoint-3.tmp-123');
  const touched = removeWorkerLeftovers(out, 123);
  assert.equal(touched.length, 5);
  assert.deepEqual(readdirSync(out).sort(), ['checkpoint-2', 'checkpoint-6', 'checkpoint-8.tmp-999', 'checkpoints']);
  assert.equal(readFileSync(join(out, 'checkpoint-2', 'trainer_state.json'), 'utf8'), 'kept');
  assert.deepEqual(readdirSync(join(out, 'checkpoints')), []);
});
