import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../src-main/test-support/paths';
import { runFuzz } from './fuzz-all';

// The small corpus of every test run; `npm run fuzz` runs 2,000 inputs (docs/RELIABILITY.md, "Fuzz").
const N = Number(process.env.TUNELOOM_FUZZ_N ?? 30);
const uiBuilt = existsSync(join(repoRoot, 'dist/renderer/index.html'));

test(
  `fuzz corpus (${N} seeded inputs: datasets, model folders, WebSocket frames to tuneloom serve): no crash, no hang, every reject one line naming file, line or field`,
  { timeout: 600_000 },
  async (t) => {
    // tuneloom serve refuses to start without the UI; the frame family then cannot run, the others still do.
    if (!uiBuilt) t.diagnostic('WebSocket frames left out: the UI is not built (npm run build), and tuneloom serve needs dist/renderer');
    const counts = await runFuzz({ n: N, seed: 16, noFrames: !uiBuilt });
    for (const c of counts) {
      assert.deepEqual(c.failures, [], `${c.family}: ${c.failures.length} failures`);
      assert.equal(c.accepted + c.rejected, c.inputs, `${c.family}: every input is accepted or rejected`);
      assert.ok(c.slowestMs <= c.boundMs);
    }
    assert.equal(counts.length, uiBuilt ? 3 : 2);
  },
);
