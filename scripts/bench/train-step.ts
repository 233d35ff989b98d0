/**
 * Training-step benchmark: tokens/s and peak memory of LoRA steps (forward + backward + AdamW) on a
 * synthetic checkpoint, with and without gradient checkpointing. Each configuration runs in a fresh
 * child process so its peak RSS is its own.
 *   npm run bench:train -- [--shape qwen2.5-0.5b] [--seq 512] [--batch 4] [--r 16] [--steps 2]
 *                          [--backend wasm] [--targets all-linear] [--checkpointing both|on|off] [--warmup 1|0]
 * Shapes: those of scripts/synthetic-checkpoint.ts, plus `bench-small` (written here: Qwen2 layout,
 * hidden 256, 4 layers, 4/2 heads, vocab 8192) for machines where the 0.5B shape is out of reach.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { SHAPES, writeSyntheticCheckpoint } from '../synthetic-checkpoint';
import { peakRssMiB, rssMiB } from './bench-model';

const { values } = parseArgs({
  options: {
    shape: { type: 'string', default: 'qwen2.5-0.5b' },
    seq: { type: 'string', default: '512' },
    batch: { type: 'string', default: '4' },
    r: { type: 'string', default: '16' },
    steps: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'wasm' },
    targets: { type: 'string', default: 'all-linear' },
    checkpointing: { type: 'string', default: 'both' },
    child: { type: 'boolean' },
  },
});

SHAPES['bench-small'] ??= { model_type: 'qwen2', hidden_size: 256, intermediate_size: 768, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 8192, tie_word_embeddings: true, rope_theta: 1e6, max_position_embeddings: 4096 };

function modelDir(shape: string): string {
  const out = join('.bench-out', `${shape}-bf16`);
  if (!existsSync(join(out, 'model.safetensors'))) {
    process.stderr.write(`writing synthetic ${shape} checkpoint to ${out} ...\n`);
    writeSyntheticCheckpoint({ shape, out, dtype: 'bf16', seed: 0 });
  }
  return out;
}

interface Result {
  shape: string;
  backend: string;
  seq: number;
  batch: number;
  r: number;
  checkpointing: boolean;
  steps: number;
  secondsPerStep: number;
  tokensPerS: number;
  rssAfterLoadMiB: number;
  peakRssMiB: number;
  loss: number;
}

async function child(): Promise<void> {
  const tf = await import('@tensorflow/tfjs-core');
  const { selectBackend } = await import('../../src-main/engine/backends/select-backend');
  const { registerGradients } = await import('../../src-main/training/register-gradients');
  const { loadModelFromDir } = await import('../../src-main/engine-node/load-model');
  const { createLora } = await import('../../src-main/engine/train/lora-params');
  const { Rng } = await import('../../src-main/engine/train/rng');
  const { collate } = await import('../../src-main/engine/train/batching');
  // The async read-back: webgpu in Node has no sync read (it would need OffscreenCanvas).
  const { lossAndGradsAsync } = await import('../../src-main/engine/train/step');
  const { AdamW } = await import('../../src-main/engine/optim/adamw');
  const shape = values.shape!;
  const seq = Number(values.seq);
  const batch = Number(values.batch);
  const r = Number(values.r);
  const steps = Number(values.steps);
  const checkpointing = values.checkpointing === 'on';
  await selectBackend(values.backend!);
  await registerGradients();
  const model = await loadModelFromDir(modelDir(shape));
  const rssAfterLoadMiB = rssMiB();
  const targets = values.targets === 'all-linear' ? ('all-linear' as const) : values.targets!.split(',');
  const lora = createLora(model.config, { r, alpha: 2 * r, dropout: 0.05, useRslora: false, targets }, new Rng(0));
  const adapter = { method: 'lora' as const, lora, spec: { r, alpha: 2 * r, dropout: 0.05, useRslora: false } };
  const opt = new AdamW(lora.params, { weightDecay: 0 });
  const rng = new Rng(1);
  // Chat-like rows: the first half is prompt (masked), the second half answer (targets).
  const rows = Array.from({ length: batch }, (_, b) => {
    const ids = Array.from({ length: seq }, () => rng.nextInt(Math.min(model.config.vocabSize, 150000)));
    return [{ ids, targets: ids.map((_, t) => (t + 1 < seq && t >= seq / 2 ? ids[t + 1] : -100)), source: b }];
  });
  const data = collate(rows, 0, false);
  let seconds = 0;
  let loss = NaN;
  const warmup = Number(values.warmup);
  for (let s = 1 - warmup; s <= steps; s++) {
    const t0 = performance.now();
    const res = await lossAndGradsAsync(model, adapter, [data], [s], checkpointing);
    opt.apply(res.grads, 1e-4);
    for (const g of Object.values(res.grads)) g.dispose();
    const dt = (performance.now() - t0) / 1000;
    if (s > 0) seconds += dt; // step 0 warms up kernels and allocations
    loss = res.loss;
    process.stderr.write(`  step ${s}${s === 0 ? ' (warm-up)' : ''}: ${dt.toFixed(1)} s, loss ${res.loss.toFixed(3)}, rss ${rssMiB().toFixed(0)} MiB\n`);
  }
  void tf;
  const result: Result = { shape, backend: values.backend!, seq, batch, r, checkpointing, steps, secondsPerStep: seconds / steps, tokensPerS: (seq * batch * steps) / seconds, rssAfterLoadMiB, peakRssMiB: peakRssMiB(), loss };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function parent(): void {
  const modes = values.checkpointing === 'both' ? ['off', 'on'] : [values.checkpointing!];
  modelDir(values.shape!);
  const results: Result[] = [];
  for (const mode of modes) {
    process.stderr.write(`${values.shape} seq ${values.seq} batch ${values.batch} r ${values.r} ${values.targets} on ${values.backend}, gradient checkpointing ${mode}\n`);
    const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', '--checkpointing', mode];
    for (const k of ['shape', 'seq', 'batch', 'r', 'steps', 'backend', 'targets', 'warmup'] as const) args.push(`--${k}`, values[k]!);
    const run = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 20 });
    if (run.status !== 0) {
      process.stderr.write(`  failed (exit ${run.status}, signal ${run.signal})\n`);
      continue;
    }
    results.push(JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Result);
  }
  for (const r of results) {
    process.stdout.write(
      `${r.shape} ${r.backend} seq ${r.seq} batch ${r.batch} r ${r.r} checkpointing ${r.checkpointing ? 'on ' : 'off'}: ` +
        `${r.tokensPerS.toPrecision(3)} tokens/s (${r.secondsPerStep.toFixed(1)} s/step over ${r.steps}), peak RSS ${r.peakRssMiB.toFixed(0)} MiB ` +
        `(${(r.peakRssMiB - r.rssAfterLoadMiB).toFixed(0)} MiB above the loaded model)\n`,
    );
  }
  if (results.length === 2) {
    const [off, on] = results;
    const saved = off.peakRssMiB - on.peakRssMiB;
    process.stdout.write(`gradient checkpointing: peak RSS ${saved >= 0 ? '-' : '+'}${Math.abs(saved).toFixed(0)} MiB, time per step x${(on.secondsPerStep / off.secondsPerStep).toFixed(2)}\n`);
  }
}

if (values.child) await child();
else parent();
