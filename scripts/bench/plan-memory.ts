/**
 * The memory planner against measured peaks (issue 14): for each configuration, in a fresh child
 * process, (1) the planner's estimate (engine/planner/ggml-memory.ts, pure, nothing loaded), (2) the
 * step's memory measured by ggml's allocator on the real graph with no weights loaded
 * (ggml-train/measure-memory.ts), (3) a real LoRA step (forward + backward + AdamW) on the loaded
 * synthetic checkpoint: the peak of ggml's native bytes (nativeMemory(), weights + adapter + compute
 * buffers) and the process's peak RSS beside it. The data: chat-like rows whose second half is the
 * answer (the loss rows), as bench:train uses.
 *   npm run bench:plan -- [--only bench-small|qwen2.5-0.5b] [--r 16] [--threads 2]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { peakRssMiB, syntheticModelDir } from './bench-model';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    r: { type: 'string', default: '16' },
    threads: { type: 'string', default: '2' },
    child: { type: 'string' },
  },
});

interface Config {
  shape: string;
  seq: number;
  batch: number;
  weights: 'f32' | 'bf16' | 'f16' | 'q8_0' | 'q4_0';
  checkpointing: boolean;
}

interface Result extends Config {
  targetRows: number;
  plannedBytes: number;
  graphBytes: number;
  peakBytes: number;
  peakRssMiB: number;
  loss: number;
}

const CONFIGS: Config[] = [
  ...[false, true].map((checkpointing) => ({ shape: 'bench-small', seq: 512, batch: 4, weights: 'bf16' as const, checkpointing })),
  ...(['bf16', 'f32', 'q4_0'] as const).flatMap((weights) =>
    [false, true].map((checkpointing) => ({ shape: 'qwen2.5-0.5b', seq: 512, batch: 1, weights, checkpointing })),
  ),
];

async function child(c: Config): Promise<Result> {
  const { openBackend } = await import('../../src-main/engine-node/ggml-runtime');
  const { openWeightStore, readModelConfig } = await import('../../src-main/engine-node/load-model');
  const { FrozenWeights } = await import('../../src-main/engine/ggml-train/frozen-weights');
  const { GgmlLoraTrainer } = await import('../../src-main/engine/ggml-train/lora-trainer');
  const { measureTrainingMemory } = await import('../../src-main/engine/ggml-train/measure-memory');
  const { nativeMemory } = await import('../../src-main/engine/ggml/owners');
  const { ggmlTrainingMemory, PROJ_NAMES, projShape } = await import('../../src-main/engine/planner/ggml-memory');
  const { collate } = await import('../../src-main/engine/train/batching');
  const { Rng } = await import('../../src-main/engine/train/rng');
  type HostLoraModule = import('../../src-main/engine/ggml-train/lora-trainer').HostLoraModule;
  const dir = syntheticModelDir(c.shape, 'bf16');
  const cfg = readModelConfig(dir);
  const r = Number(values.r);
  const rng = new Rng(1);
  const rows = Array.from({ length: c.batch }, (_, b) => {
    const ids = Array.from({ length: c.seq }, () => rng.nextInt(Math.min(cfg.vocabSize, 150000)));
    return [{ ids, targets: ids.map((_, t) => (t + 1 < c.seq && t >= c.seq / 2 ? ids[t + 1] : -100)), source: b }];
  });
  const data = collate(rows, 0, false);
  const adapter = { method: 'lora' as const, r, targets: PROJ_NAMES };
  const shape = { batch: c.batch, seqLen: c.seq, targetRows: data.numTargets };
  const planned = ggmlTrainingMemory({ config: cfg, frozenType: c.weights, adapter, shape, checkpointing: c.checkpointing });
  const { backend } = openBackend('cpu', { threads: Number(values.threads) });
  const graph = await measureTrainingMemory(backend, cfg, c.weights, adapter, shape, c.checkpointing);
  if (nativeMemory().totalBytes !== 0) throw new Error('the no-weights measurement left native memory behind');
  const { store, close } = await openWeightStore(dir);
  const frozen = await FrozenWeights.load(store, cfg, backend, c.weights);
  close();
  const init = new Rng(0);
  const lora: HostLoraModule[] = [];
  for (let layer = 0; layer < cfg.numLayers; layer++) {
    for (const proj of PROJ_NAMES) {
      const [outDim, inDim] = projShape(cfg, proj);
      const a = Float32Array.from({ length: r * inDim }, () => (2 * init.nextFloat() - 1) / Math.sqrt(inDim));
      lora.push({ key: `layers.${layer}.${proj}`, layer, proj, r, inDim, outDim, scale: 2, a, b: new Float32Array(outDim * r) });
    }
  }
  const trainer = new GgmlLoraTrainer(backend, frozen, lora, 0);
  const res = await trainer.lossAndGrads([data], [1], c.checkpointing);
  await trainer.gradNorm();
  await trainer.adamwStep({ lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  const peakBytes = Math.max(trainer.peakBytes, nativeMemory().totalBytes);
  trainer.dispose();
  frozen.dispose();
  backend.dispose();
  return { ...c, targetRows: data.numTargets, plannedBytes: planned.total, graphBytes: graph.total, peakBytes, peakRssMiB: peakRssMiB(), loss: res.loss };
}

function parent(): void {
  const mib = (b: number) => (b / 2 ** 20).toLocaleString('en-US', { maximumFractionDigits: 0 });
  const rows: string[] = [];
  for (const c of CONFIGS.filter((x) => !values.only || x.shape === values.only)) {
    syntheticModelDir(c.shape, 'bf16');
    process.stderr.write(`${c.shape} ${c.seq} x ${c.batch}, ${c.weights}, checkpointing ${c.checkpointing ? 'on' : 'off'} ...\n`);
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', JSON.stringify(c), '--r', values.r!, '--threads', values.threads!],
      { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
    );
    if (run.status !== 0) {
      process.stderr.write(`  failed (exit ${run.status}, signal ${run.signal})\n`);
      continue;
    }
    const x = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Result;
    process.stderr.write(`  ${JSON.stringify(x)}\n`);
    rows.push(
      `| ${x.shape} | ${x.weights} | ${x.seq} x ${x.batch} (${x.targetRows} loss rows) | ${x.checkpointing ? 'on' : 'off'} | ${mib(x.plannedBytes)} MiB | ${mib(x.graphBytes)} MiB | ${mib(x.peakBytes)} MiB | **${(x.plannedBytes / x.peakBytes).toFixed(3)}** | ${mib(x.peakRssMiB * 2 ** 20)} MiB |`,
    );
  }
  process.stdout.write(
    '| shape | frozen weights | seq x batch | checkpointing | planner | gallocr, no weights loaded | measured peak (ggml native) | planner / peak | peak RSS |\n|---|---|---|---|---|---|---|---|---|\n' +
      rows.join('\n') +
      '\n',
  );
}

if (values.child) {
  void child(JSON.parse(values.child) as Config).then((r) => {
    process.stdout.write(JSON.stringify(r) + '\n');
    process.exit(0);
  });
} else parent();
