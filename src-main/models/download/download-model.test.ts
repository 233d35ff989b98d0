import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { UserError } from '../../errors';
import { startFakeHub, type FakeHub } from '../../test-support/fake-hub';
import { tempDir, tinyQwen2Model } from '../../test-support/paths';
import { downloadModel, type DownloadEvent } from './download-model';
import { DownloadCancelledError } from './http';
import { mayCarryToken, trustedEndpoints } from './token-policy';

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const REPO = 'tuneloom-test/small';
const TINY = 'tuneloom-test/tiny-qwen2';

// A small repo with the files a checkpoint has, plus some a fine-tuning download must skip.
const smallRepo = tempDir('fake-repo-');
copyFileSync(join(tinyQwen2Model, 'config.json'), join(smallRepo, 'config.json'));
writeFileSync(join(smallRepo, 'model.safetensors'), randomBytes(3 * 1024 * 1024 + 17));
writeFileSync(join(smallRepo, 'tokenizer_config.json'), JSON.stringify({ chat_template: '{{ messages }}', pad: 'x'.repeat(2000) }));
writeFileSync(join(smallRepo, 'generation_config.json'), '{"do_sample": false}\n');
writeFileSync(join(smallRepo, 'README.md'), '# not needed\n');
mkdirSync(join(smallRepo, 'original'));
writeFileSync(join(smallRepo, 'original', 'consolidated.pth'), randomBytes(4096));

let hub: FakeHub;
before(async () => {
  hub = await startFakeHub({ repos: { [REPO]: smallRepo, [TINY]: tinyQwen2Model } });
});
after(() => hub.close());
afterEach(() => hub.clearFaults());
const base = tempDir('download-test-');
let n = 0;
const outDir = (name: string): string => join(base, `${name}-${n++}`);

test('a Hugging Face download fetches the needed files, follows the LFS redirect and verifies sha256', async () => {
  const out = outDir('tiny');
  const events: DownloadEvent[] = [];
  const r = await downloadModel({ hub: 'huggingface', repoId: TINY, endpoint: hub.url, outDir: out, onEvent: (e) => events.push(e), progressIntervalMs: 0 });
  const names = r.files.map((f) => f.path).sort();
  assert.deepEqual(names, ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
  for (const f of names) assert.equal(sha(join(out, f)), sha(join(tinyQwen2Model, f)), f);
  // LFS-sized files carry a published sha256 and were checked; small ones have none on HF.
  assert.equal(r.files.find((f) => f.path === 'model.safetensors')?.verified, true);
  assert.equal(r.files.find((f) => f.path === 'config.json')?.verified, false);
  assert.ok(hub.requests.some((q) => q.status === 302 && q.url.includes('/resolve/main/model.safetensors')));
  assert.ok(!existsSync(join(out, 'model.safetensors.part')));
  const last = events.filter((e) => e.type === 'progress' && e.path === 'model.safetensors').at(-1);
  assert.ok(last && last.type === 'progress' && last.done && last.bytes === statSync(join(tinyQwen2Model, 'model.safetensors')).size);
  assert.ok(last.rate > 0);
});

test('a ModelScope download uses its file API, skips unneeded files and verifies every sha256', async () => {
  const out = outDir('ms');
  const r = await downloadModel({ hub: 'modelscope', repoId: REPO, endpoint: hub.url, outDir: out });
  assert.deepEqual(r.files.map((f) => f.path).sort(), ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer_config.json']);
  assert.ok(r.files.every((f) => f.verified));
  assert.equal(sha(join(out, 'model.safetensors')), sha(join(smallRepo, 'model.safetensors')));
  assert.ok(!existsSync(join(out, 'README.md')) && !existsSync(join(out, 'original')));
  assert.ok(hub.requests.some((q) => q.url.startsWith(`/api/v1/models/${REPO}/repo/files?Revision=master&Recursive=true`)));
  assert.ok(hub.requests.some((q) => q.url.startsWith(`/api/v1/models/${REPO}/repo?Revision=master&FilePath=model.safetensors`)));
});

test('a wrong sha256 deletes the .part and says so in one line', async () => {
  const repoDir = tempDir('fake-repo-sha-');
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(smallRepo, f), join(repoDir, f));
  const local = await startFakeHub({ repos: { [REPO]: repoDir } });
  try {
    local.wrongSha('model.safetensors');
    const out = outDir('bad');
    await assert.rejects(downloadModel({ hub: 'huggingface', repoId: REPO, endpoint: local.url, outDir: out }), (err: Error) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /sha256 mismatch for model\.safetensors: expected [0-9a-f]{64}, got [0-9a-f]{64}/);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
    assert.ok(!existsSync(join(out, 'model.safetensors.part')), 'the corrupt .part is deleted');
    assert.ok(!existsSync(join(out, 'model.safetensors')));
  } finally {
    await local.close();
  }
});

test('an interrupted transfer keeps its .part, and the next run resumes it with Range', async () => {
  const out = outDir('resume');
  const source = join(smallRepo, 'model.safetensors');
  hub.cutAfter('model.safetensors', 1_000_000);
  const before = hub.requests.length;
  await assert.rejects(downloadModel({ hub: 'huggingface', repoId: REPO, endpoint: hub.url, outDir: out, retries: 0 }), (err: Error) => {
    assert.match(err.message, /connection to 127\.0\.0\.1:\d+ was cut while fetching model\.safetensors.*resume/);
    return true;
  });
  const partSize = statSync(join(out, 'model.safetensors.part')).size;
  assert.ok(partSize > 0 && partSize <= 1_000_000, `part has ${partSize} bytes`);

  const r = await downloadModel({ hub: 'huggingface', repoId: REPO, endpoint: hub.url, outDir: out, retries: 0 });
  const reqs = hub.requests.slice(before).filter((q) => q.file === 'model.safetensors' && q.status !== 302);
  assert.equal(reqs.length, 2);
  assert.equal(reqs[0].range, undefined);
  assert.equal(reqs[1].range, `bytes=${partSize}-`);
  assert.equal(reqs[1].status, 206);
  assert.equal(r.files.find((f) => f.path === 'model.safetensors')?.resumedFrom, partSize);
  assert.deepEqual(readFileSync(join(out, 'model.safetensors')), readFileSync(source));
  // Files finished in the first run are not fetched again.
  assert.equal(r.files.find((f) => f.path === 'config.json')?.skipped, true);
});

test('a cut transfer is retried automatically from where it stopped', async () => {
  const out = outDir('retry');
  hub.cutAfter('model.safetensors', 1_000_000);
  const before = hub.requests.length;
  const events: DownloadEvent[] = [];
  const onEvent = (e: DownloadEvent): void => {
    events.push(e);
    // Cut the resumed transfer too, further on.
    if (e.type === 'retry' && e.attempt === 1) hub.cutAfter('model.safetensors', 2_500_000);
  };
  await downloadModel({ hub: 'modelscope', repoId: REPO, endpoint: hub.url, outDir: out, retries: 3, retryDelayMs: 10, onEvent });
  assert.equal(events.filter((e) => e.type === 'retry').length, 2);
  const ranges = hub.requests
    .slice(before)
    .filter((q) => q.file === 'model.safetensors')
    .map((q) => q.range);
  assert.equal(ranges.length, 3);
  assert.equal(ranges[0], undefined);
  assert.match(ranges[1] ?? '', /^bytes=\d+-$/);
  assert.match(ranges[2] ?? '', /^bytes=\d+-$/);
  assert.ok(Number(/\d+/.exec(ranges[2]!)![0]) > Number(/\d+/.exec(ranges[1]!)![0]));
  assert.equal(sha(join(out, 'model.safetensors')), sha(join(smallRepo, 'model.safetensors')));
});

test('a server that ignores Range gets a fresh, correct file', async () => {
  const out = outDir('norange');
  mkdirSync(out);
  writeFileSync(join(out, 'model.safetensors.part'), Buffer.alloc(5000, 7)); // not even the right bytes
  hub.ignoreRange(true);
  try {
    await downloadModel({ hub: 'huggingface', repoId: REPO, endpoint: hub.url, outDir: out });
  } finally {
    hub.ignoreRange(false);
  }
  assert.equal(sha(join(out, 'model.safetensors')), sha(join(smallRepo, 'model.safetensors')));
});

test('a stalled transfer times out with one line and keeps the .part', async () => {
  const out = outDir('stall');
  hub.stallAfter('model.safetensors', 500_000);
  await assert.rejects(
    downloadModel({ hub: 'huggingface', repoId: REPO, endpoint: hub.url, outDir: out, retries: 0, timeoutMs: 400 }),
    /stopped answering while fetching model\.safetensors \(timed out\)/,
  );
  assert.ok(statSync(join(out, 'model.safetensors.part')).size > 0);
});

test('cancelling through the AbortSignal stops the download and keeps the .part for a resume', async () => {
  const out = outDir('cancel');
  const ac = new AbortController();
  hub.throttle(20);
  try {
    await assert.rejects(
      downloadModel({
        hub: 'huggingface',
        repoId: REPO,
        endpoint: hub.url,
        outDir: out,
        signal: ac.signal,
        progressIntervalMs: 0,
        onEvent: (e) => {
          if (e.type === 'progress' && e.path === 'model.safetensors' && e.bytes > 200_000) ac.abort();
        },
      }),
      (err: Error) => err instanceof DownloadCancelledError && /cancelled.*resume/.test(err.message),
    );
  } finally {
    hub.throttle(0);
  }
  assert.ok(statSync(join(out, 'model.safetensors.part')).size > 200_000);
  await downloadModel({ hub: 'huggingface', repoId: REPO, endpoint: hub.url, outDir: out });
  assert.equal(sha(join(out, 'model.safetensors')), sha(join(smallRepo, 'model.safetensors')));
});

test('offline: a refused connection is one clear line', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  for (const kind of ['huggingface', 'modelscope'] as const) {
    await assert.rejects(downloadModel({ hub: kind, repoId: REPO, endpoint: `http://127.0.0.1:${port}`, outDir: outDir('x') }), (err: Error) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, new RegExp(`cannot reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\).*offline.*mirror`));
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  }
});

test('a missing repo, a gated repo and a bad repo id each fail with one line', async () => {
  await assert.rejects(
    downloadModel({ hub: 'huggingface', repoId: 'nobody/missing', endpoint: hub.url, outDir: outDir('x') }),
    /repo "nobody\/missing" not found \(HTTP 401\).*check the repo id/,
  );
  await assert.rejects(
    downloadModel({ hub: 'modelscope', repoId: 'nobody/missing', endpoint: hub.url, outDir: outDir('x') }),
    /repo "nobody\/missing" \(revision master\) not available on ModelScope: model nobody\/missing not found/,
  );
  const gatedDir = tempDir('fake-gated-');
  copyFileSync(join(smallRepo, 'config.json'), join(gatedDir, 'config.json'));
  const local = await startFakeHub({ repos: { 'meta/gated': gatedDir } });
  try {
    local.gate('meta/gated');
    await assert.rejects(
      downloadModel({ hub: 'huggingface', repoId: 'meta/gated', endpoint: local.url, outDir: outDir('x') }),
      /repo "meta\/gated" is gated \(HTTP 401\).*HF_TOKEN/,
    );
  } finally {
    await local.close();
  }
  await assert.rejects(downloadModel({ hub: 'huggingface', repoId: '../etc', endpoint: hub.url, outDir: outDir('x') }), /"\.\.\/etc" is not a repo id/);
  await assert.rejects(downloadModel({ hub: 'huggingface', repoId: REPO, endpoint: 'ftp://x', outDir: outDir('x') }), /must be http or https/);
});

test('a .part that already holds every byte is checked and renamed without a request; empty files download', async () => {
  const repoDir = tempDir('fake-repo-edge-');
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(smallRepo, f), join(repoDir, f));
  writeFileSync(join(repoDir, 'added_tokens.json'), '');
  const local = await startFakeHub({ repos: { [REPO]: repoDir } });
  try {
    const out = outDir('full-part');
    mkdirSync(out);
    copyFileSync(join(repoDir, 'model.safetensors'), join(out, 'model.safetensors.part'));
    const r = await downloadModel({ hub: 'huggingface', repoId: REPO, endpoint: local.url, outDir: out });
    assert.ok(!local.requests.some((q) => q.file === 'model.safetensors'), 'no request for a complete .part');
    const big = r.files.find((f) => f.path === 'model.safetensors');
    assert.equal(big?.verified, true);
    assert.equal(big?.resumedFrom, statSync(join(repoDir, 'model.safetensors')).size);
    assert.equal(statSync(join(out, 'added_tokens.json')).size, 0);
  } finally {
    await local.close();
  }
});

test('an output folder that cannot be written is one line, not a crash', async () => {
  const blocker = join(outDir('file'), 'not-a-dir');
  mkdirSync(join(blocker, '..'), { recursive: true });
  writeFileSync(blocker, 'x');
  await assert.rejects(downloadModel({ hub: 'huggingface', repoId: REPO, endpoint: hub.url, outDir: join(blocker, 'model') }), (err: Error) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /not-a-dir\/model: cannot use this path for the download folder: .*not-a-dir is a file, not a folder — pick a writable folder/);
    return true;
  });
});

test('HF_TOKEN never goes over plain http, not even to an endpoint marked trusted; a line says it was withheld (issue 16 #9)', async () => {
  hub.requests.length = 0;
  const notices: string[] = [];
  await downloadModel({
    hub: 'huggingface',
    repoId: TINY,
    endpoint: hub.url,
    outDir: outDir('token'),
    token: 'hf_secret',
    trustedEndpoints: [hub.url],
    onNotice: (l) => notices.push(l),
    progressIntervalMs: 0,
  });
  assert.ok(hub.requests.length > 0);
  assert.deepEqual(
    hub.requests.filter((r) => r.authorized).map((r) => r.url),
    [],
    'no request carried the token',
  );
  assert.equal(notices.length, 1);
  assert.match(notices[0]!, /^HF_TOKEN is not sent: http:\/\/127\.0\.0\.1:\d+ is plain http$/);
});

test('the token policy: https to huggingface.co, or to an endpoint the user trusts; nothing else', () => {
  const trusted = ['https://hf.internal.example:8443/'];
  assert.equal(mayCarryToken('https://huggingface.co/api/models/a/b', []).send, true);
  assert.equal(mayCarryToken('https://cdn-lfs.huggingface.co/x', []).send, true);
  assert.equal(mayCarryToken('http://huggingface.co/api', []).send, false);
  assert.equal(mayCarryToken('https://huggingface.co.evil.example/api', []).send, false);
  assert.equal(mayCarryToken('https://hf-mirror.com/api/models/a/b', []).send, false, 'a mirror is not trusted by default');
  assert.equal(mayCarryToken('https://hf-mirror.com/api/models/a/b', ['https://hf-mirror.com']).send, true);
  assert.equal(mayCarryToken('https://hf.internal.example:8443/Qwen/x/resolve/main/config.json', trusted).send, true);
  assert.equal(mayCarryToken('https://hf.internal.example/Qwen', trusted).send, false, 'another port is another origin');
  assert.deepEqual(trustedEndpoints([], { TUNELOOM_TRUSTED_ENDPOINTS: ' https://a.example , https://b.example' }), ['https://a.example', 'https://b.example']);
});
