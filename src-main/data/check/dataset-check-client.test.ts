import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test-support/paths';
import { DatasetCheckClient } from './dataset-check-client';

const dir = tempDir('tuneloom-check-');
const chat = (i: number) =>
  JSON.stringify({
    messages: [
      { role: 'user', content: `q${i}` },
      { role: 'assistant', content: `a${i}` },
    ],
  });

test('datasets are checked in a child process: its death fails the job with one line, and the next job gets a new child', async () => {
  const small = join(dir, 'small.jsonl');
  writeFileSync(small, [chat(1), chat(2)].join('\n') + '\n');
  const big = join(dir, 'big.jsonl');
  writeFileSync(big, Array.from({ length: 200_000 }, (_, i) => chat(i)).join('\n') + '\n');
  const client = new DatasetCheckClient();
  const first = await client.run({ kind: 'inspect', request: { path: small }, model: null });
  assert.equal(first.kind === 'inspect' && first.preview.examples, 2);
  const pid = client.pid;
  assert.ok(pid !== undefined && pid !== process.pid, 'the check ran in another process');
  const doomed = client.run({ kind: 'inspect', request: { path: big }, model: null });
  client.close(); // as an out-of-memory abort of the child would
  await assert.rejects(doomed, (e: Error) => e.name === 'UserError' && /dataset check was stopped/.test(e.message) && !e.message.includes('\n'));
  const again = await client.run({ kind: 'import', request: { path: small }, model: null });
  assert.equal(again.kind === 'import' && again.result.examples, 2);
  assert.notEqual(client.pid, pid);
  client.close();
});

test('a user error in the child arrives as the same one-line UserError', async () => {
  const client = new DatasetCheckClient();
  await assert.rejects(
    client.run({ kind: 'inspect', request: { path: join(dir, 'missing.jsonl') }, model: null }),
    (e: Error) => e.name === 'UserError' && e.message.includes('missing.jsonl'),
  );
  client.close();
});

test('a check that reports no progress within its stall bound is stopped with one line; the next check runs', async () => {
  const small = join(dir, 'stall.jsonl');
  writeFileSync(small, chat(1) + '\n');
  const impatient = new DatasetCheckClient(1); // no child starts within 1 ms, so the first check stalls
  await assert.rejects(
    impatient.run({ kind: 'inspect', request: { path: small }, model: null }),
    (e: Error) => e.name === 'UserError' && /made no progress for 0 s and was stopped/.test(e.message),
  );
  impatient.close();
  const client = new DatasetCheckClient();
  const out = await client.run({ kind: 'inspect', request: { path: small }, model: null });
  assert.equal(out.kind === 'inspect' && out.preview.examples, 1);
  client.close();
});

test('a FIFO or other special file is refused at once, not waited on', async () => {
  const fifo = join(dir, 'pipe.jsonl');
  const { execFileSync } = await import('node:child_process');
  execFileSync('mkfifo', [fifo]);
  const client = new DatasetCheckClient();
  await assert.rejects(
    client.run({ kind: 'inspect', request: { path: fifo }, model: null }),
    (e: Error) => e.name === 'UserError' && /not a regular file/.test(e.message) && e.message.includes(fifo),
  );
  client.close();
});
