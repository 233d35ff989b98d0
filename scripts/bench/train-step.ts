/**
 * Training-step benchmark of the ggml engine, side by side in one run with a PyTorch anchor
 * (scripts/bench/torch_lora_step.py on Debian's python3-torch, fp32 and bf16 autocast): tokens/s,
 * tokens per CPU-second and peak RSS of LoRA steps (forward + backward + AdamW) on a synthetic
 * checkpoint. Each configuration runs in a fresh child process, so its peak RSS is its own. One run
 * measures every thread count of --threads (rows per thread count, each count's rows back to back)
 * and every type of --weights, and prints the load average at its start and end.
 *   npm run bench:train -- [--shape qwen2.5-0.5b] [--seq 512] [--batch 1] [--r 16] [--steps 2]
 *                          [--backend cpu] [--weights bf16,q4_0] [--threads 1,2]
 *                          [--checkpointing on|off|both] [--torch on|off]
 * Shapes: those of scripts/synthetic-checkpoint.ts, plus `bench-small` (bench-model.ts: Qwen2 layout,
 * hidden 256, 4 layers, 4/2 heads, vocab 8192).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { writeSyntheticCheckpoint } from '../synthetic-checkpoint';
import { peakRssMiB, rssMiB } from './bench-model';
import type { Batch } from '../../src-main/engine/train/batching';
import type { GgmlLoraTrainer as Trainer } from '../../src-main/engine/ggml-train/lora-trainer';

const { values } = parseArgs({
  options: {
    shape: { type: 'string', default: 'qwen2.5-0.5b' },
    seq: { type: 'string', default: '512' },
    batch: { type: 'string', default: '4' },
    weights: { type: 'string', default: 'bf16,q4_0' },
    threads: { type: 'string', default: '1,2' },
    torch: { type: 'string', default: 'on' },
    r: { type: 'string', default: '16' },
    steps: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'cpu' },
    targets: { type: 'string', default: 'all-linear' },
    checkpointing: { type: 'string', default: 'both' },
    child: { type: 'boolean' },
  },
});

function modelDir(shape: string): string {
  const out = join('.bench-out', `${shape}-bf16`);
  if (!existsSync(join(out, 'model.safetensors'))) {
    process.stderr.write(`writing synthetic ${shape} checkpoint to ${out} ...\n`);
    writeSyntheticCheckpoint({ shape, out, dtype: 'bf16', seed: 0 });
  }
  return out;
}

interface Result {
  engine: string;
  shape: string;
  seq: number;
  batch: number;
  r: number;
  threads?: number;
  checkpointing?: boolean;
  steps: number;
  secondsPerStep: number;
  tokensPerS: number;
  tokensPerCpuS: number;
  peakRssMiB: number;
  rssAfterLoadMiB?: number;
  loss: number;
  blas?: string[];
}

/** Warm-up steps (s <= 0, untimed) then `steps` timed ones; wall and CPU seconds of the timed ones. */
async function timeSteps(trainer: Trainer, data: Batch, steps: number, checkpointing: boolean): Promise<{ seconds: number; cpu: number; loss: number }> {
  let seconds = 0;
  let cpu = 0;
  let loss = NaN;
  const warmup = Number(values.warmup);
  for (let s = 1 - warmup; s <= steps; s++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const res = await trainer.lossAndGrads([data], [s], checkpointing);
    await trainer.adamwStep({ lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    const dt = (performance.now() - t0) / 1000;
    const dc = process.cpuUsage(c0);
    if (s > 0) {
      seconds += dt; // step 0 warms up kernels and allocations
      cpu += (dc.user + dc.system) / 1e6;
    }
    loss = res.loss;
    process.stderr.write(
      `  step ${s}${s === 0 ? ' (warm-up)' : ''}: ${dt.toFixed(1)} s wall, ${((dc.user + dc.system) / 1e6).toFixed(1)} CPU-s, loss ${res.loss.toFixed(3)}, rss ${rssMiB().toFixed(0)} MiB\n`,
    );
  }
  return { seconds, cpu, loss };
}

/** One configuration in this (child) process; the engine is imported here only, so the parent stays light. */
async function child(): Promise<void> {
  const { openBackend } = await import('../../src-main/engine-node/ggml-runtime');
  const { openWeightStore, readModelConfig } = await import('../../src-main/engine-node/load-model');
  const { FrozenWeights } = await import('../../src-main/engine/ggml-train/frozen-weights');
  const { GgmlLoraTrainer } = await import('../../src-main/engine/ggml-train/lora-trainer');
  const { Rng } = await import('../../src-main/engine/train/rng');
  const { collate } = await import('../../src-main/engine/train/batching');
  type FrozenType = import('../../src-main/engine/ggml-train/frozen-weights').FrozenType;
  const { PROJ_NAMES } = await import('../../src-main/engine/ggml-train/frozen-weights');
  const { hostLoraModules, peftInitFill } = await import('../../src-main/engine/ggml-train/host-lora');
  const shape = values.shape!;
  const seq = Number(values.seq);
  const batch = Number(values.batch);
  const r = Number(values.r);
  const steps = Number(values.steps);
  const checkpointing = values.checkpointing === 'on';
  const dir = modelDir(shape);
  const cfg = readModelConfig(dir);
  const { backend, reason } = openBackend(values.backend as 'cpu', { threads: Number(values.threads) });
  process.stderr.write(`  backend ${reason}\n`);
  const { store, close } = await openWeightStore(dir);
  const frozen = await FrozenWeights.load(store, cfg, backend, values.weights as FrozenType);
  close();
  const rssAfterLoadMiB = rssMiB();
  // LoRA A random (seeded), B zero, on every projection of every layer: shapes [r, in] and [out, r].
  const lora = hostLoraModules(cfg, r, PROJ_NAMES, peftInitFill(new Rng(0)));
  const trainer = new GgmlLoraTrainer(backend, frozen, lora, 0);
  const rng = new Rng(1);
  // Chat-like rows: the first half is prompt (masked), the second half answer (targets).
  const rows = Array.from({ length: batch }, (_, b) => {
    const ids = Array.from({ length: seq }, () => rng.nextInt(Math.min(cfg.vocabSize, 150000)));
    return [{ ids, targets: ids.map((_, t) => (t + 1 < seq && t >= seq / 2 ? ids[t + 1] : -100)), source: b }];
  });
  const data = collate(rows, 0, false);
  const { seconds, cpu, loss } = await timeSteps(trainer, data, steps, checkpointing);
  trainer.dispose();
  frozen.dispose();
  backend.dispose();
  const tokens = seq * batch * steps;
  const result: Result = {
    engine: `ggml-${values.backend}-${values.weights}`,
    shape,
    seq,
    batch,
    r,
    checkpointing,
    steps,
    secondsPerStep: seconds / steps,
    tokensPerS: tokens / seconds,
    tokensPerCpuS: tokens / cpu,
    rssAfterLoadMiB,
    peakRssMiB: peakRssMiB(),
    loss,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

const loadAverage = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** Runs one configuration; its result line is echoed at once, so a long run's finished rows survive an interruption. */
function runChild(cmd: string, args: string[]): Result | undefined {
  const run = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) {
    process.stderr.write(`  failed (exit ${run.status}, signal ${run.signal})\n`);
    return undefined;
  }
  const line = run.stdout.trim().split('\n').at(-1)!;
  process.stderr.write(`  result (load average now ${loadAverage()}): ${line}\n`);
  return JSON.parse(line) as Result;
}

/** The ggml rows of one thread count: every frozen-weight type, with checkpointing off and/or on. */
function runGgmlRows(threads: number, weightTypes: string[], modes: string[], results: Result[]): void {
  for (const weights of weightTypes) {
    for (const mode of modes) {
      process.stderr.write(
        `ggml: ${values.shape} seq ${values.seq} batch ${values.batch} r ${values.r} ${values.targets} on ${values.backend}, ${weights} frozen weights, checkpointing ${mode}, ${threads} thread(s)\n`,
      );
      const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', '--checkpointing', mode, '--weights', weights, '--threads', String(threads)];
      for (const k of ['shape', 'seq', 'batch', 'r', 'steps', 'backend', 'targets', 'warmup'] as const) args.push(`--${k}`, values[k]!);
      const r = runChild(process.execPath, args);
      if (r) results.push({ ...r, threads });
    }
  }
}

/** The PyTorch anchor rows of one thread count: bf16 autocast, then fp32. */
function runTorchRows(threads: number, results: Result[]): void {
  for (const dtype of ['bf16', 'fp32']) {
    process.stderr.write(`torch ${dtype}: same shape and tokens, ${threads} thread(s)\n`);
    const script = join(dirname(fileURLToPath(import.meta.url)), 'torch_lora_step.py');
    const r = runChild('/usr/bin/python3', [
      script,
      '--shape',
      values.shape!,
      '--seq',
      values.seq!,
      '--batch',
      values.batch!,
      '--r',
      values.r!,
      '--steps',
      values.steps!,
      '--threads',
      String(threads),
      '--dtype',
      dtype,
    ]);
    if (r) results.push({ ...r, threads });
  }
}

/** The markdown table: per thread count, each row against that count's best torch row. */
function printTable(threadCounts: number[], results: Result[]): void {
  process.stdout.write(
    '| threads | engine | frozen weights | checkpointing | tokens/s (wall) | tokens per CPU-second | s/step | peak RSS | vs torch best (tok/CPU-s) |\n|---|---|---|---|---|---|---|---|---|\n',
  );
  for (const threads of threadCounts) {
    const rows = results.filter((r) => r.threads === threads);
    const torch = rows.filter((r) => r.engine.startsWith('torch'));
    const best = torch.length ? torch.reduce((a, b) => (b.tokensPerCpuS > a.tokensPerCpuS ? b : a)) : undefined;
    for (const r of rows) {
      const ggml = r.engine.startsWith('ggml');
      const weights = ggml ? r.engine.split('-').slice(2).join('-') : r.engine === 'torch-bf16' ? 'fp32 master, bf16 autocast' : 'fp32';
      const vs = best ? `x${(r.tokensPerCpuS / best.tokensPerCpuS).toFixed(2)} (RSS x${(r.peakRssMiB / best.peakRssMiB).toFixed(2)})` : '';
      process.stdout.write(
        `| ${threads} | ${ggml ? `ggml ${values.backend}` : r.engine} | ${weights} | ${r.checkpointing === undefined ? '' : r.checkpointing ? 'on' : 'off'} | ${r.tokensPerS.toPrecision(3)} | ${r.tokensPerCpuS.toPrecision(3)} | ${r.secondsPerStep.toFixed(1)} | ${r.peakRssMiB.toFixed(0)} MiB | ${vs} |\n`,
      );
    }
  }
}

function parent(): void {
  const modes = values.checkpointing === 'both' ? ['off', 'on'] : [values.checkpointing!];
  const threadCounts = values.threads!.split(',').map(Number);
  const weightTypes = values.weights!.split(',');
  modelDir(values.shape!);
  const loadAtStart = loadAverage();
  const started = new Date().toISOString();
  process.stderr.write(`load average at start: ${loadAtStart}\n`);
  const results: Result[] = [];
  // Per thread count, every configuration back to back, so each row of one thread count shares the minute.
  for (const threads of threadCounts) {
    runGgmlRows(threads, weightTypes, modes, results);
    if (values.torch === 'on') runTorchRows(threads, results);
  }
  const loadAtEnd = loadAverage();
  process.stdout.write(
    `\n${values.shape} seq ${values.seq} x batch ${values.batch}, r ${values.r} ${values.targets}, ${values.steps} timed step(s) after ${values.warmup} warm-up; started ${started}\n`,
  );
  process.stdout.write(`load average (1/5/15 min) at start ${loadAtStart}, at end ${loadAtEnd}\n`);
  const blas = results.find((r) => r.blas)?.blas;
  if (blas) process.stdout.write(`torch BLAS: ${blas.find((b) => b.includes('openblas')) ?? blas.join(' ')}\n`);
  printTable(threadCounts, results);
  process.stdout.write(JSON.stringify({ started, loadAtStart, loadAtEnd, results }) + '\n');
}

if (values.child) await child();
else parent();
