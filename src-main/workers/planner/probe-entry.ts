/**
 * A short-lived child process the wizard's planner starts once per backend choice: it opens the ggml
 * backend exactly as a training run would (engine-node/ggml-runtime.ts openBackend, so the reason is
 * the one the run will log: the device, its memory, why), reports that device and its memory, and
 * times a calibration matmul to measure the backend's throughput on this machine. Prints one JSON
 * line (ProbeResult) and exits. A separate process keeps ggml (which aborts on a failed assertion)
 * and the GPU device out of the main process.
 *   node dist/probe.js <auto|cpu|vulkan|cuda|metal>   (the old names webgpu|tensorflow|wasm map as in the CLI)
 */
import { parseBackendChoice } from '../../engine-node/backend-choice';
import { openBackend } from '../../engine-node/ggml-runtime';
import { measureMatmulRate } from '../../engine/ggml/matmul-rate';
import type { ProbeResult } from './probe-result';

async function main(): Promise<void> {
  const choice = process.argv[2] ?? 'auto';
  let out: ProbeResult;
  try {
    // An old tfjs name maps as in the CLI; the mapping is part of the reason the wizard shows.
    let mapped = '';
    const opened = openBackend(parseBackendChoice(choice, (line) => (mapped = line)));
    const backend = opened.backend;
    const reason = mapped ? `${opened.reason}; ${mapped}` : opened.reason;
    try {
      // GPUs need a bigger product to get past launch overhead; the CPU is measured well at 512.
      const cal = await measureMatmulRate(backend, backend.name === 'cpu' || backend.device.software ? 512 : 2048, 0.3);
      const d = backend.device;
      out = {
        ok: true,
        choice,
        backend: backend.name,
        reason,
        device: { name: d.name, description: d.description, memoryTotal: d.memoryTotal, memoryFree: d.memoryFree, software: d.software },
        flopsPerSecond: cal.flopsPerSecond,
        calibration: { size: cal.size, seconds: cal.seconds, runs: cal.runs },
      };
    } finally {
      backend.dispose();
    }
  } catch (e) {
    out = { ok: false, choice, error: ((e as Error)?.message ?? String(e)).split('\n')[0] };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  // GPU driver threads can keep the loop alive; the answer is written.
  process.exit(0);
}

void main();
