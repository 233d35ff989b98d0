import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DownloadJob } from '../../../src-shared/dto/downloads';
import { openStore } from '../../store/db';
import { listModels } from '../../store/queries/library';
import { startFakeHub, type FakeHub } from '../../test-support/fake-hub';
import { tempDir, tinyQwen2Model } from '../../test-support/paths';
import { DownloadManager } from './download-manager';

let hub: FakeHub;
before(async () => {
  hub = await startFakeHub({ repos: { 'acme/tiny': tinyQwen2Model } });
});
after(() => hub.close());

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

test('a job reports per-file progress, can be cancelled, resumes when started again, and registers the model', async () => {
  const home = tempDir('dl-manager-');
  const db = openStore(join(home, 'tuneloom.db'));
  const seen: DownloadJob[] = [];
  // eslint-disable-next-line prefer-const -- assigned below, after onChange (which it is built with) is declared
  let manager: DownloadManager;
  let cancelled = false;
  const onChange = (j: DownloadJob): void => {
    seen.push(j);
    const big = j.files.find((f) => f.path === 'model.safetensors');
    if (!cancelled && big && big.state === 'running' && big.bytes > 1_000_000) {
      cancelled = manager.cancel(j.id);
    }
  };
  manager = new DownloadManager({ db, home, mirrorEndpoint: () => hub.url, onChange, notifyIntervalMs: 0 });
  try {
    hub.throttle(5);
    const first = manager.start({ hub: 'huggingface', repoId: 'acme/tiny' });
    assert.equal(first.status, 'listing');
    assert.equal(first.endpoint, hub.url, 'the mirror setting is the endpoint');
    const stopped = await manager.wait(first.id);
    hub.throttle(0);
    assert.equal(stopped.status, 'cancelled');
    assert.match(stopped.error ?? '', /cancelled.*resume/);
    assert.ok(seen.some((j) => j.status === 'running' && j.files.length === 5));

    const again = manager.start({ hub: 'huggingface', repoId: 'acme/tiny' });
    const done = await manager.wait(again.id);
    assert.equal(done.status, 'done', done.error ?? '');
    assert.equal(done.bytes, done.totalBytes);
    assert.ok(done.files.every((f) => f.state === 'done' || f.state === 'skipped'));
    assert.equal(done.files.find((f) => f.path === 'model.safetensors')?.verified, true);
    const resumed = hub.requests.filter((q) => q.file === 'model.safetensors' && q.status === 206);
    assert.equal(resumed.length, 1, 'the second job resumed the .part with Range');
    assert.equal(sha(join(done.dir, 'model.safetensors')), sha(join(tinyQwen2Model, 'model.safetensors')));
    const models = listModels(db);
    assert.equal(models.length, 1);
    assert.equal(done.modelId, models[0].id);
    assert.equal(models[0].repoId, 'acme/tiny');
    assert.equal(seen.at(-1)?.status, 'done');
    assert.throws(() => manager.start({ hub: 'huggingface', repoId: 'not a repo' }), /is not a repo id/);
  } finally {
    await manager.close();
    db.close();
  }
});

test('a failed job carries one line', async () => {
  const home = tempDir('dl-manager-');
  const db = openStore(join(home, 'tuneloom.db'));
  const manager = new DownloadManager({ db, home });
  try {
    const job = manager.start({ hub: 'modelscope', repoId: 'acme/missing', endpoint: hub.url });
    const end = await manager.wait(job.id);
    assert.equal(end.status, 'failed');
    assert.match(end.error ?? '', /repo "acme\/missing" \(revision master\) not available on ModelScope/);
    assert.ok(!(end.error ?? '').includes('\n'));
  } finally {
    db.close();
  }
});

test('a failed download can be removed with its partial files; a running one cannot; a registered model folder stays', async () => {
  const home = tempDir('dl-manager-remove-');
  const db = openStore(join(home, 'tuneloom.db'));
  const manager = new DownloadManager({ db, home });
  try {
    const failed = await manager.wait(manager.start({ hub: 'modelscope', repoId: 'acme/missing', endpoint: hub.url }).id);
    assert.equal(failed.status, 'failed');
    mkdirSync(failed.dir, { recursive: true });
    writeFileSync(join(failed.dir, 'model.safetensors.part'), 'partial');
    assert.deepEqual(manager.remove(failed.id), { removed: true, freedFiles: true });
    assert.equal(existsSync(failed.dir), false);
    assert.equal(manager.list().length, 0);

    hub.throttle(50);
    const running = manager.start({ hub: 'huggingface', repoId: 'acme/tiny', endpoint: hub.url });
    assert.throws(() => manager.remove(running.id), /still running.*stop it first/);
    manager.cancel(running.id);
    await manager.wait(running.id);
    hub.clearFaults();
    const done = await manager.wait(manager.start({ hub: 'huggingface', repoId: 'acme/tiny', endpoint: hub.url }).id);
    assert.equal(done.status, 'done');
    assert.deepEqual(manager.remove(done.id), { removed: true, freedFiles: false }, 'a finished download keeps its model');
    assert.ok(existsSync(join(done.dir, 'config.json')));
  } finally {
    db.close();
  }
});
