/**
 * A short-lived child process the wizard's planner starts once per backend choice: it selects the
 * tfjs backend exactly as a training worker would (engine/backends/select-backend.ts, so the reason is
 * the one the run will log), then times a calibration matmul to measure the backend's throughput on
 * this machine. Prints one JSON line (ProbeResult) and exits. A separate process keeps the main
 * process free of tfjs and of the GPU device.
 *   node dist/probe.js <auto|webgpu|tensorflow|wasm|cpu>
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../engine/backends/select-backend';
import type { ProbeResult } from './probe-result';

/** Times n x n x n matmuls until at least `minSeconds` have passed (after one warm-up), best rate kept. */
async function calibrate(n: number, minSeconds: number): Promise<{ flopsPerSecond: number; size: number; seconds: number; runs: number }> {
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
  try {
    const once = async () => {
      const t0 = performance.now();
      const c = tf.matMul(a, b); // [n, n]
      await c.data(); // waits for the device on async backends
      c.dispose();
      return (performance.now() - t0) / 1000;
    };
    await once(); // warm-up: shader compilation, weight packing
    let best = Infinity;
    let spent = 0;
    let runs = 0;
    while (spent < minSeconds || runs < 2) {
      const s = await once();
      best = Math.min(best, s);
      spent += s;
      runs++;
      if (runs >= 50) break;
    }
    return { flopsPerSecond: (2 * n * n * n) / best, size: n, seconds: best, runs };
  } finally {
    a.dispose();
    b.dispose();
  }
}

async function main(): Promise<void> {
  const choice = process.argv[2] ?? 'auto';
  let out: ProbeResult;
  try {
    const sel = await selectBackend(choice);
    // GPUs need a bigger product to get past launch overhead; the cpu backend is slow enough at 256.
    const n = sel.backend === 'webgpu' || sel.backend === 'tensorflow' ? 1024 : sel.backend === 'wasm' ? 512 : 256;
    const cal = await calibrate(n, 0.3);
    out = { ok: true, choice, backend: sel.backend, reason: sel.reason, flopsPerSecond: cal.flopsPerSecond, calibration: { size: cal.size, seconds: cal.seconds, runs: cal.runs } };
  } catch (e) {
    out = { ok: false, choice, error: ((e as Error)?.message ?? String(e)).split('\n')[0] };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  // Dawn / wasm threads can keep the loop alive; the answer is written.
  process.exit(0);
}

void main();
