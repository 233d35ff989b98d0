import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTuneloom } from '../../test-support/cli';
import { startFakeHub, type FakeHub } from '../../test-support/fake-hub';
import { tempDir, tinyQwen2Model } from '../../test-support/paths';

const home = tempDir('models-cli-');
const env = { TUNELOOM_HOME: home, HF_ENDPOINT: '', HF_TOKEN: '' };
let hub: FakeHub;
before(async () => {
  hub = await startFakeHub({ repos: { 'acme/tiny-qwen2': tinyQwen2Model } });
});
after(() => hub.close());

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

test('models download resumes a cut transfer, verifies, and registers the folder; list shows it', async () => {
  hub.cutAfter('model.safetensors', 3_000_000);
  const r = await runTuneloom(['models', 'download', 'acme/tiny-qwen2', '--endpoint', hub.url, '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines[0].type, 'listed');
  assert.ok(lines.some((l) => l.type === 'retry' && l.path === 'model.safetensors'));
  const done = lines.at(-1)!;
  assert.equal(done.type, 'done');
  const dir = join(home, 'models', 'acme', 'tiny-qwen2');
  assert.equal(done.dir, dir);
  assert.equal(sha(join(dir, 'model.safetensors')), sha(join(tinyQwen2Model, 'model.safetensors')));
  const resumed = hub.requests.filter((q) => q.file === 'model.safetensors' && q.status === 206);
  assert.equal(resumed.length, 1);
  assert.match(resumed[0].range ?? '', /^bytes=\d+-$/);
  const model = done.model as { family: string; source: string; repoId: string; name: string };
  assert.deepEqual([model.family, model.source, model.repoId, model.name], ['qwen2', 'huggingface', 'acme/tiny-qwen2', 'acme/tiny-qwen2']);

  const list = await runTuneloom(['models', 'list', '--json'], { env });
  assert.equal(list.code, 0, list.stderr);
  const { models } = JSON.parse(list.stdout) as { models: { path: string; params: number }[] };
  assert.equal(models.length, 1);
  assert.equal(models[0].path, dir);
  assert.equal(models[0].params, 4_886_816);
});

test('models download and models add fail with exit 1 and one line', async () => {
  const missing = await runTuneloom(['models', 'download', 'acme/missing', '--endpoint', hub.url], { env });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^tuneloom models download: .*repo "acme\/missing" not found \(HTTP 401\)/);
  assert.equal(missing.stderr.trim().split('\n').length, 1);
  const bad = await runTuneloom(['models', 'add', home], { env });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /config\.json is missing/);
});
