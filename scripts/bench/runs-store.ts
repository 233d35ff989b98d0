/**
 * Runs and store benchmark (`npm run bench:runs`):
 *  1. sustained metric insert rate into the experiment store (WAL, synchronous=NORMAL), one row per
 *     transaction vs. batched transactions as the supervisor's MetricBatcher writes them;
 *  2. latency from a worker emitting a step event to a supervisor subscriber receiving it, over 1,000
 *     steps through a real worker process (fork + the real worker runtime + IPC + supervisor + store),
 *     paced by the deterministic test-double trainer so the number measures the pipeline, not training.
 * Prints one JSON object. Targets: >= 20k rows/s batched; p99 < 250 ms.
 */
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { MetricPoint } from '../../src-shared/dto/runs';
import { RunSupervisor } from '../../src-main/runs/supervisor';
import { openStore } from '../../src-main/store/db';
import { insertMetrics } from '../../src-main/store/queries/metrics';
import { insertRun } from '../../src-main/store/queries/runs';
import { repoRoot, tempDir } from '../../src-main/test-support/paths';
import type { TestDoubleConfig } from '../../src-main/test-support/test-double-trainer';
import { tsEntry } from '../../src-main/workers/worker-client';

const point = (step: number): MetricPoint => ({
  step,
  loss: 1 / step,
  lr: 2e-4,
  gradNorm: 0.5,
  tokensPerS: 1234.5,
  epoch: step / 1e5,
  tokensSeen: step * 512,
  ts: Date.now(),
});

function insertRate(batch: number, rows: number): number {
  const db = openStore(join(tempDir('tuneloom-bench-'), 'b.db'));
  const runId = insertRun(db, { name: 'bench', method: 'lora', modelPath: '/m', config: {}, seed: 1, appVersion: '0', outDir: '/o' });
  const t0 = performance.now();
  for (let s = 1; s <= rows; s += batch)
    insertMetrics(
      db,
      runId,
      Array.from({ length: Math.min(batch, rows - s + 1) }, (_, i) => point(s + i)),
    );
  const secs = (performance.now() - t0) / 1000;
  db.close();
  return Math.round(rows / secs);
}

async function emitLatency(steps: number, stepDelayMs: number): Promise<{ median: number; p99: number; max: number; n: number }> {
  const dir = tempDir('tuneloom-bench-');
  mkdirSync(join(dir, 'model'));
  writeFileSync(join(dir, 'model', 'config.json'), '{}');
  const db = openStore(join(dir, 'b.db'));
  const sup = new RunSupervisor(db, { workerEntry: tsEntry(join(repoRoot, 'src-main/test-support/test-double-worker.ts')) });
  const config: TestDoubleConfig = { outDir: join(dir, 'out'), maxSteps: steps, seed: 1, saveEvery: 100, stepDelayMs };
  const id = sup.enqueue({
    name: 'latency',
    method: 'lora',
    modelPath: join(dir, 'model'),
    dataPath: null,
    outDir: config.outDir,
    seed: 1,
    config: { ...config },
  });
  const lat: number[] = [];
  sup.subscribe(id, 0, (e) => {
    if (e.type === 'step') lat.push(performance.timeOrigin + performance.now() - e.point.ts);
  });
  await sup.waitForEnd(id);
  await sup.close();
  db.close();
  lat.sort((a, b) => a - b);
  const q = (p: number): number => Number(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2));
  return { median: q(0.5), p99: q(0.99), max: q(1), n: lat.length };
}

const rows = Number(process.env.BENCH_ROWS ?? 200_000);
const result = {
  insertRowsPerS: {
    unbatched: insertRate(1, Math.min(rows, 20_000)),
    batch100: insertRate(100, rows),
    batch512: insertRate(512, rows),
  },
  emitToSubscriberMs: await emitLatency(1000, 5),
};
console.log(JSON.stringify(result, null, 2));
