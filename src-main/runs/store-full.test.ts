/**
 * The store on a full (or read-only) disk (issue 16 #7). Two ways to get there:
 * - injection, always: SQLite's `max_page_count` pinned to the current size makes every write that
 *   needs a page fail with the real SQLITE_FULL, exactly as a full disk does;
 * - a real 1 MiB tmpfs (and a read-only one), when this process may mount (root on Linux); skipped
 *   elsewhere, with the reason.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { UserError } from '../errors';
import { makeDirs } from '../safe-dirs';
import { openStore } from '../store/db';
import { listMetrics } from '../store/queries/metrics';
import { getRun, listRuns } from '../store/queries/runs';
import { runTuneloom } from '../test-support/cli';
import { tempDir, tinyQwen2Model } from '../test-support/paths';
import type { TestDoubleConfig } from '../test-support/test-double-trainer';
import { writeFolderAtomic } from '../engine-node/node-train-io';
import { tsEntry } from '../workers/worker-client';
import { recoverInterruptedRuns } from './recovery';
import { RunSupervisor } from './supervisor';

const doubleEntry = tsEntry(join(import.meta.dirname, '../test-support/test-double-worker.ts'));

test('the store fills up mid-run: the run fails with the step it reached, in one line; the store opens again and the run resumes', async () => {
  const dir = tempDir('tuneloom-full-');
  const model = join(dir, 'model');
  mkdirSync(model);
  writeFileSync(join(model, 'config.json'), '{"model_type":"qwen2"}');
  writeFileSync(join(dir, 'data.jsonl'), '{"text":"hello"}\n');
  const dbPath = join(dir, 'store.db');
  const db = openStore(dbPath);
  const sup = new RunSupervisor(db, { workerEntry: doubleEntry, flushMs: 10 });
  const outDir = join(dir, 'out');
  const config: TestDoubleConfig = { outDir, maxSteps: 400, seed: 7, saveEvery: 5, evalEvery: 0, sampleEvery: 0, stepDelayMs: 10 };
  const id = sup.enqueue({
    name: 'full',
    method: 'lora',
    modelPath: model,
    dataPath: join(dir, 'data.jsonl'),
    outDir,
    seed: 7,
    backend: 'cpu',
    config: { ...config },
  });
  await new Promise<void>((resolve) => sup.subscribe(id, -1, (e) => e.type === 'step' && e.point.step === 8 && resolve()));
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  assert.equal(await sup.waitForEnd(id), 'failed', 'a run whose rows cannot be written is not completed');
  const ending = sup.endingOf(id)!;
  assert.equal(ending.error?.kind, 'user');
  assert.match(
    ending.error!.message,
    new RegExp(
      `recording run ${id} at step \\d+ failed: the disk is full \\(SQLITE_FULL\\) — free some space, then resume it with \`tuneloom runs resume ${id}\`$`,
    ),
  );
  assert.ok(!ending.error!.message.includes('\n') && !/\bat .*\.ts:\d+/.test(ending.error!.message), 'one line, no stack');
  await sup.close();
  db.close();

  // Space again: the store opens, lists its runs, and the run is resumable from what is on disk.
  const again = openStore(dbPath);
  recoverInterruptedRuns(again);
  assert.ok(listRuns(again, {}).some((r) => r.id === id));
  const run = getRun(again, id)!;
  assert.ok(['interrupted', 'failed'].includes(run.status), run.status);
  const steps = listMetrics(again, id).map((m) => m.step);
  assert.deepEqual(
    steps,
    [...Array(steps.length).keys()].map((i) => i + 1),
    'the rows that are there have no gap',
  );
  again.close();
  assert.deepEqual(
    readdirSync(join(outDir, 'checkpoints')).filter((f) => f.includes('.tmp-')),
    [],
  );
});

// ---- a real small file system --------------------------------------------------------------------

const mounts: string[] = [];
function tryMount(opts: string): string | null {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return null;
  const at = tempDir('tuneloom-tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', at], { stdio: 'ignore' });
  } catch {
    return null;
  }
  mounts.push(at);
  return at;
}
after(() => {
  for (const m of mounts) execFileSync('umount', [m], { stdio: 'ignore' });
});
const probe = tryMount('size=64k');
const noMount = probe ? false : 'mounting a tmpfs needs root on Linux (the injection test above covers the store)';

test('a checkpoint that does not fit: one line naming the checkpoint, no checkpoint-N.tmp-PID folder left', { skip: noMount }, () => {
  const at = tryMount('size=1m')!;
  const dir = join(at, 'checkpoint-8');
  assert.throws(
    () => writeFolderAtomic(dir, { 'params.safetensors': new Uint8Array(2 << 20), 'trainer_state.json': '{}' }),
    (e: unknown) =>
      e instanceof UserError &&
      /checkpoint-8: writing checkpoint-8 failed: the disk is full \(ENOSPC\) — free some space, then resume the run$/.test(e.message),
  );
  assert.deepEqual(readdirSync(at), [], 'no temp folder, no half checkpoint');
});

test('a read-only file system is reported as read-only (EROFS), not ENOENT, for folders, checkpoints and the store', { skip: noMount }, async () => {
  const ro = tryMount('size=64k,ro')!;
  assert.throws(
    () => makeDirs(join(ro, 'a', 'b'), { what: '--out', hint: 'x' }),
    (e: unknown) => e instanceof UserError && /cannot create the folder \(EROFS: the file system is read-only\)/.test(e.message),
  );
  assert.throws(
    () => writeFolderAtomic(join(ro, 'checkpoint-4'), { 'a.json': '{}' }),
    (e: unknown) => e instanceof UserError && /the file system is read-only \(EROFS\)/.test(e.message),
  );
  assert.throws(
    () => openStore(join(ro, 'tuneloom.db')),
    (e: unknown) => e instanceof UserError && /creating the store failed: the file system is read-only \(EROFS\)/.test(e.message),
  );
  const r = await runTuneloom(['runs', 'list'], { env: { TUNELOOM_HOME: join(ro, 'home') } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /EROFS: the file system is read-only/);
  assert.doesNotMatch(r.stderr, /ENOENT/);
});

test('tuneloom train with --out on a full disk exits 1 with one line and leaves no temp folder', { skip: noMount, timeout: 240_000 }, async () => {
  const at = tryMount('size=48k')!;
  const dir = tempDir('tuneloom-full-train-');
  const data = join(dir, 'd.jsonl');
  writeFileSync(
    data,
    Array.from({ length: 4 }, (_, i) =>
      JSON.stringify({
        messages: [
          { role: 'user', content: `q${i}` },
          { role: 'assistant', content: `a${i}` },
        ],
      }),
    ).join('\n') + '\n',
  );
  const out = join(at, 'run');
  const r = await runTuneloom([
    'train',
    '--model',
    tinyQwen2Model,
    '--data',
    data,
    '--out',
    out,
    '--max-steps',
    '4',
    '--save-every',
    '2',
    '--backend',
    'cpu',
    '--db',
    join(dir, 't.db'),
  ]);
  assert.equal(r.code, 1, `exit ${r.code}: ${r.stdout} | ${r.stderr.slice(-300)}`);
  // The progress bar may end without a newline before the error line (a \r bar on a pipe).
  const lines = r.stderr.match(/tuneloom train: .*/g) ?? [];
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /failed: the disk is full \(ENOSPC\)/);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  assert.deepEqual(existsSync(out) ? readdirSync(out).filter((f) => f.includes('.tmp-')) : [], []);
  const store = openStore(join(dir, 't.db'));
  assert.equal(listRuns(store, {})[0]?.status, 'failed');
  store.close();
});
