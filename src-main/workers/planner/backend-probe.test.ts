/**
 * The planner's backend probe on ggml: a child process opens the backend a run would get, reports its
 * device and memory, and measures a matmul rate; old tfjs backend names map as in the CLI; and a GPU
 * budget is the memory the device reports, the user's figure only when it reports none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { runProbe } from './backend-probe';
import { deviceBudget } from './plan-run';

test('the probe reports the ggml cpu device with its memory and a measured rate; "wasm" maps to cpu', async () => {
  for (const choice of ['cpu', 'wasm']) {
    const r = await runProbe(choice);
    assert.equal(r.ok, true, JSON.stringify(r));
    if (!r.ok) return;
    assert.equal(r.choice, choice);
    assert.equal(r.backend, 'cpu');
    assert.match(r.reason, /^cpu: CPU \(/);
    assert.equal(r.device?.name, 'CPU');
    assert.ok(r.device!.memoryTotal > 0 && r.device!.memoryTotal <= totalmem() * 1.01, `memory ${r.device!.memoryTotal}`);
    assert.ok(r.flopsPerSecond > 1e6 && r.flopsPerSecond < 1e13, `measured ${r.flopsPerSecond} FLOP/s`);
    assert.equal(r.calibration.size, 512);
  }
});

test('an unknown backend is the probe error in one line', async () => {
  const r = await runProbe('tpu');
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.match(r.error, /^--backend: unknown backend "tpu" — choose one of auto, cpu, vulkan, cuda, metal$/);
  assert.equal(r.error.split('\n').length, 1);
});

test('a GPU budget is the reported device memory; the stated memory only when none is reported', () => {
  const GiB = 1024 ** 3;
  assert.deepEqual(deviceBudget('vulkan', 12, 16e9, 24 * GiB), { bytes: 24 * GiB, source: 'device-memory' });
  assert.deepEqual(deviceBudget('cuda', undefined, 16e9, 80 * GiB), { bytes: 80 * GiB, source: 'device-memory' });
  assert.deepEqual(deviceBudget('vulkan', 12, 16e9, 0), { bytes: 12 * GiB, source: 'user-gpu-memory' });
  assert.deepEqual(deviceBudget('cpu', 12, 16e9, 16e9), { bytes: 16e9, source: 'system-memory' });
});
