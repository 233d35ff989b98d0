/**
 * GRPO step benchmark of the ggml engine on a synthetic checkpoint (random weights in a real model's
 * shape, as bench:train writes them): one prompt, G completions of exactly --new tokens (no EOS, so
 * every row runs to the end), scored by the built-in length reward, then the training part (policy
 * and reference log-probs, the weighted backward, the gradient norm and the AdamW step). Reports each
 * part's wall time and CPU-seconds, and the load average.
 * Anchor, in the same process: the rollout path GRPO used before (a full training-graph forward per
 * new token, no KV cache) for --anchor-tokens tokens of one completion, beside the KV-cached batched
 * rollout's per-token cost.
 *   npm run bench:grpo -- [--shape qwen2.5-0.5b] [--g 4] [--new 128] [--prompt 64] [--r 16] [--steps 2]
 *                         [--warmup 1] [--backend cpu] [--weights f16] [--threads 2] [--anchor-tokens 8]
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeSyntheticCheckpoint } from '../synthetic-checkpoint';
import { peakRssMiB } from './bench-model';
import { openBackend } from '../../src-main/engine-node/ggml-runtime';
import { openWeightStore, readModelConfig } from '../../src-main/engine-node/load-model';
import { FrozenWeights, PROJ_NAMES, type FrozenType } from '../../src-main/engine/ggml-train/frozen-weights';
import { GgmlTrainEngine } from '../../src-main/engine/ggml-train/ggml-train-engine';
import { GgmlLoraTrainer, type HostLoraModule } from '../../src-main/engine/ggml-train/lora-trainer';
import { hostLoraModules, peftInitFill } from '../../src-main/engine/ggml-train/host-lora';
import { generateWith } from '../../src-main/engine/generate/generate';
import { grpoStep } from '../../src-main/engine/train/grpo/grpo-step';
import { builtinReward } from '../../src-main/engine/train/grpo/rewards';
import { clipScale } from '../../src-main/engine/optim/clip';
import { Rng } from '../../src-main/engine/train/rng';

const { values } = parseArgs({
  options: {
    shape: { type: 'string', default: 'qwen2.5-0.5b' },
    g: { type: 'string', default: '4' },
    new: { type: 'string', default: '128' },
    prompt: { type: 'string', default: '64' },
    r: { type: 'string', default: '16' },
    steps: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'cpu' },
    weights: { type: 'string', default: 'f16' },
    threads: { type: 'string', default: '2' },
    'anchor-tokens': { type: 'string', default: '8' },
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

/** Wall seconds and CPU-seconds (user + system, every thread of the process) since `start`. */
interface Clock {
  wall: number;
  cpu: number;
}
const clock = (): Clock => {
  const c = process.cpuUsage();
  return { wall: performance.now() / 1000, cpu: (c.user + c.system) / 1e6 };
};
const since = (a: Clock, b: Clock = clock()): Clock => ({ wall: b.wall - a.wall, cpu: b.cpu - a.cpu });

/** PEFT's init on every projection: A random, B zero (the first step's policy is the reference). */
function loraModules(cfg: ReturnType<typeof readModelConfig>, r: number): HostLoraModule[] {
  return hostLoraModules(cfg, r, PROJ_NAMES, peftInitFill(new Rng(0)));
}

const shape = values.shape!;
const G = Number(values.g);
const newTokens = Number(values.new);
const promptLen = Number(values.prompt);
const r = Number(values.r);
const steps = Number(values.steps);
const warmup = Number(values.warmup);
const anchorTokens = Number(values['anchor-tokens']);
const dir = modelDir(shape);
const cfg = readModelConfig(dir);
const { backend, reason } = openBackend(values.backend as 'cpu', { threads: Number(values.threads) });
process.stderr.write(`backend ${reason}\n`);
const { store, close } = await openWeightStore(dir);
const frozen = await FrozenWeights.load(store, cfg, backend, values.weights as FrozenType);
close();
const engine = new GgmlTrainEngine(backend, frozen, loraModules(cfg, r), {
  r,
  alpha: 2 * r,
  dropout: 0,
  useRslora: false,
  targetModules: [...PROJ_NAMES],
  weightDecay: 0,
});
const grpo = engine.grpo!;
const rng = new Rng(1);
const promptIds = Array.from({ length: promptLen }, () => rng.nextInt(Math.min(cfg.vocabSize, 150000)));
const rewards = [builtinReward('length', {})];

interface Part {
  wall: number;
  cpu: number;
}
const gen: Part[] = [];
const train: Part[] = [];
const optim: Part[] = [];
let tokens = 0;
for (let s = 1 - warmup; s <= steps; s++) {
  const marks: Clock[] = [];
  const res = await grpoStep(grpo, [{ prompt: 'p', promptIds, example: {} }], {
    groupSize: G,
    beta: 0.04,
    epsilon: 0.2,
    sampling: { maxNewTokens: newTokens, temperature: 1, topP: 1, topK: 0, eosIds: [] },
    seed: 1000 + s,
    decode: (ids) => ids.join(' '),
    rewards,
    // grpoStep reads the clock at the start, after scoring and after the gradients: take CPU time there too.
    now: () => {
      const c = clock();
      marks.push(c);
      return c.wall * 1000;
    },
  });
  const o0 = clock();
  const norm = await engine.gradNorm();
  await engine.applyStep(1e-5, clipScale(1, norm));
  const o = since(o0);
  const g = since(marks[0], marks[1]);
  const t = since(marks[1], marks[2]);
  const la = loadavg()[0].toFixed(2);
  process.stderr.write(
    `step ${s}${s <= 0 ? ' (warm-up)' : ''}: generation ${g.wall.toFixed(1)} s wall ${g.cpu.toFixed(1)} CPU-s, training ${t.wall.toFixed(1)} s wall ${t.cpu.toFixed(1)} CPU-s, ` +
      `optimiser ${o.wall.toFixed(2)} s wall ${o.cpu.toFixed(2)} CPU-s; ${res.tokens} completion tokens, loss ${res.loss.toFixed(4)}, load ${la}\n`,
  );
  if (s > 0) {
    gen.push(g);
    train.push(t);
    optim.push(o);
    tokens = res.tokens;
  }
}

// Anchor: the old rollout, a full forward of the whole sequence per new token.
const trainer = new GgmlLoraTrainer(backend, frozen, loraModules(cfg, r), 0);
const a0 = clock();
const seq: number[] = [];
await generateWith(
  promptIds,
  { maxNewTokens: anchorTokens, sampling: { greedy: false, temperature: 1, topK: 0, topP: 1, seed: 7 }, eosTokenIds: [] },
  (feed) => {
    seq.push(...feed);
    return trainer.lastLogits(seq);
  },
);
const anchor = since(a0);
trainer.dispose();
engine.dispose();

const mean = (xs: Part[]): Part => ({ wall: xs.reduce((a, x) => a + x.wall, 0) / xs.length, cpu: xs.reduce((a, x) => a + x.cpu, 0) / xs.length });
const [mg, mt, mo] = [mean(gen), mean(train), mean(optim)];
const load = loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
const head = `${shape} ${values.weights} frozen, LoRA r ${r} all-linear, ${values.backend} ${values.threads} threads, prompt ${promptLen}, G ${G} x ${newTokens} new tokens, mean of ${steps} step(s) after ${warmup} warm-up`;
process.stdout.write(
  `${head}\n` +
    `  generation (KV-cached batch of ${G}): ${mg.wall.toFixed(1)} s wall, ${mg.cpu.toFixed(1)} CPU-s; ${((G * newTokens) / mg.wall).toFixed(1)} tokens/s, ${((G * newTokens) / mg.cpu).toFixed(1)} tokens/CPU-s\n` +
    `  training (policy + reference log-probs, weighted backward): ${mt.wall.toFixed(1)} s wall, ${mt.cpu.toFixed(1)} CPU-s; optimiser ${mo.wall.toFixed(2)} s wall, ${mo.cpu.toFixed(2)} CPU-s\n` +
    `  step total: ${(mg.wall + mt.wall + mo.wall).toFixed(1)} s wall, ${(mg.cpu + mt.cpu + mo.cpu).toFixed(1)} CPU-s (${tokens} completion tokens)\n` +
    `  anchor, the old rollout (full forward per token, 1 completion x ${anchorTokens} tokens after a ${promptLen}-token prompt): ${anchor.wall.toFixed(1)} s wall, ${anchor.cpu.toFixed(1)} CPU-s; ` +
    `${(anchor.wall / anchorTokens).toFixed(2)} s/token vs ${(mg.wall / newTokens).toFixed(2)} s per batched decode step of ${G}\n` +
    `  load average ${load}, peak RSS ${peakRssMiB().toFixed(0)} MiB\n`,
);
process.stdout.write(
  JSON.stringify({
    shape,
    weights: values.weights,
    G,
    newTokens,
    promptLen,
    r,
    steps,
    generation: mg,
    training: mt,
    optimiser: mo,
    anchor: { tokens: anchorTokens, ...anchor },
    loadavg: loadavg(),
    peakRssMiB: peakRssMiB(),
  }) + '\n',
);
