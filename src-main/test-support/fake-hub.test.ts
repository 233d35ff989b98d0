import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeHub } from './fake-hub';
import { tempDir } from './paths';

test('the fake hub serves both listings and honours Range like the real hubs', async () => {
  const dir = tempDir('fake-hub-');
  const big = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
  writeFileSync(join(dir, 'model.safetensors'), big);
  writeFileSync(join(dir, 'config.json'), '{}');
  const hub = await startFakeHub({ repos: { 'a/b': dir } });
  try {
    const hf = (await (await fetch(`${hub.url}/api/models/a/b/revision/main?blobs=true`)).json()) as {
      siblings: { rfilename: string; size: number; lfs?: { sha256: string } }[];
    };
    assert.deepEqual(
      hf.siblings.map((s) => [s.rfilename, s.size, typeof s.lfs?.sha256]),
      [
        ['config.json', 2, 'undefined'],
        ['model.safetensors', 5000, 'string'],
      ],
    );
    const ms = (await (await fetch(`${hub.url}/api/v1/models/a/b/repo/files?Revision=master&Recursive=true`)).json()) as {
      Data: { Files: { Path: string; Sha256: string }[] };
    };
    assert.equal(ms.Data.Files.length, 2);
    assert.match(ms.Data.Files[1].Sha256, /^[0-9a-f]{64}$/);

    const part = await fetch(`${hub.url}/a/b/resolve/main/model.safetensors`, { headers: { range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), 'bytes 100-199/5000');
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), big.subarray(100, 200));
    const past = await fetch(`${hub.url}/api/v1/models/a/b/repo?Revision=master&FilePath=model.safetensors`, { headers: { range: 'bytes=5000-' } });
    assert.equal(past.status, 416);
    await past.body?.cancel();
    const whole = await fetch(`${hub.url}/api/v1/models/a/b/repo?Revision=master&FilePath=config.json`);
    assert.equal(await whole.text(), readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.ok(
      hub.requests.some((r) => r.status === 302),
      'the LFS file was redirected to /cdn',
    );
  } finally {
    await hub.close();
  }
});
