import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFuzz } from './fuzz-all';

// The small corpus of every test run; `npm run fuzz` runs 2,000 inputs (docs/RELIABILITY.md, "Fuzz").
const N = Number(process.env.TUNELOOM_FUZZ_N ?? 30);

test(`fuzz corpus (${N} seeded inputs: datasets, model folders, WebSocket frames to tuneloom serve): no crash, no hang, every reject one line naming file, line or field`, { timeout: 600_000 }, async () => {
  const counts = await runFuzz({ n: N, seed: 16 });
  for (const c of counts) {
    assert.deepEqual(c.failures, [], `${c.family}: ${c.failures.length} failures`);
    assert.equal(c.accepted + c.rejected, c.inputs, `${c.family}: every input is accepted or rejected`);
    assert.ok(c.slowestMs <= c.boundMs);
  }
  assert.equal(
    counts.reduce((n, c) => n + c.inputs, 0),
    N,
  );
});
