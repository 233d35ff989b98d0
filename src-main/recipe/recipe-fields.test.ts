/**
 * The field table is complete (every TrainConfig field has a row; the compiler checks the list below
 * names them all) and what it writes reads back to the same settings, over a spread of configs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TRAIN_DEFAULTS, type TrainConfig } from '../engine/train/train-config';
import { buildRecipe, readRecipe, RECIPE_FIELDS, RECIPE_TARGETS, type RecipeContext } from './recipe-fields';
import { checkRecipe } from './target-schemas';
import { emitYaml, parseYaml, type YamlMap } from './yaml';
import { splitBatch } from './export-recipe';
import { readme } from './launch-files';
import type { Distributed } from './recipe-fields';

const EVERY_FIELD: Record<keyof TrainConfig, true> = {
  model: true,
  data: true,
  dataset: true,
  format: true,
  map: true,
  out: true,
  method: true,
  initAdapter: true,
  loraR: true,
  loraAlpha: true,
  loraDropout: true,
  loraTargets: true,
  useRslora: true,
  prefixLen: true,
  prefixProjection: true,
  prefixHidden: true,
  lr: true,
  scheduler: true,
  lrMinRatio: true,
  warmupSteps: true,
  warmupRatio: true,
  weightDecay: true,
  maxGradNorm: true,
  epochs: true,
  maxSteps: true,
  batchSize: true,
  gradAccum: true,
  maxLen: true,
  packing: true,
  lossOn: true,
  system: true,
  seed: true,
  valData: true,
  valSplit: true,
  evalEvery: true,
  saveEvery: true,
  sampleEvery: true,
  samplePrompts: true,
  sampleMaxNewTokens: true,
  gradientCheckpointing: true,
  name: true,
  frozenWeights: true,
  resumeFrom: true,
  grpo: true,
};

test('every TrainConfig field has exactly one row in the table', () => {
  const rows = RECIPE_FIELDS.map((r) => r.ours);
  for (const k of Object.keys(EVERY_FIELD)) assert.equal(rows.filter((r) => r === k).length, 1, k);
  assert.deepEqual(
    rows.filter((r) => !(r in EVERY_FIELD)),
    ['--gpus'],
  );
});

function ctx(config: TrainConfig, gpus = 1): RecipeContext {
  const per = splitBatch(config.batchSize, config.gradAccum, gpus);
  return {
    config,
    model: 'Qwen/Qwen2.5-7B-Instruct',
    lfTemplate: 'qwen',
    kind: 'chat',
    hasVal: true,
    gpus,
    totalSteps: 120,
    outputDir: 'saves/x',
    perDevice: per,
    layerClass: 'Qwen2DecoderLayer',
    distributed: gpus > 1 ? 'zero3' : 'none',
    files: { lfDatasetDir: 'data', train: '', val: null, deepspeed: gpus > 1 ? 'ds_config.json' : null },
  };
}

const base: TrainConfig = { ...TRAIN_DEFAULTS, model: '/m', data: '/d.jsonl', out: '/o' };
const variants: [string, Partial<TrainConfig>, number][] = [
  ['defaults', {}, 1],
  [
    'all-linear, rslora, cosine + warmup ratio, epochs, packing, loss on all, checkpointing',
    {
      loraTargets: 'all-linear',
      useRslora: true,
      scheduler: 'cosine',
      warmupRatio: 0.1,
      epochs: 2,
      packing: true,
      lossOn: 'all',
      gradientCheckpointing: true,
      evalEvery: 10,
      saveEvery: 50,
    },
    1,
  ],
  [
    'constant with warm-up steps, max steps, 4 GPUs over grad-accum 8',
    { scheduler: 'constant', warmupSteps: 5, maxSteps: 120, batchSize: 2, gradAccum: 8, lr: 1e-5, weightDecay: 0.01, maxGradNorm: 0 },
    4,
  ],
  ['2 GPUs over batch 4', { batchSize: 4, gradAccum: 1, maxLen: 2048, seed: 3 }, 2],
];

for (const [name, change, gpus] of variants) {
  test(`table round trip for both targets: ${name}`, () => {
    const config = { ...base, ...change };
    const c = ctx(config, gpus);
    for (const target of RECIPE_TARGETS) {
      const built = buildRecipe(target, c);
      assert.deepEqual(built.refusals, []);
      const doc = parseYaml(emitYaml(built.doc)) as YamlMap;
      assert.deepEqual(checkRecipe(target, doc), [], target);
      const back = readRecipe(target, doc, { gpus, split: splitBatch(config.batchSize, config.gradAccum, gpus).split, totalSteps: 120 });
      const expected: Partial<TrainConfig> = { ...config, model: 'Qwen/Qwen2.5-7B-Instruct' };
      for (const [k, v] of Object.entries(back)) assert.deepEqual(v, expected[k as keyof TrainConfig], `${target} ${k}`);
      for (const k of [
        'loraR',
        'loraAlpha',
        'loraDropout',
        'loraTargets',
        'lr',
        'scheduler',
        'batchSize',
        'gradAccum',
        'maxLen',
        'packing',
        'lossOn',
        'seed',
        'gradientCheckpointing',
        'evalEvery',
        'saveEvery',
      ] as const) {
        assert.ok(k in back, `${target} reads ${k} back`);
      }
    }
  });
}

test('settings without an equivalent refuse, one line per field; monitoring-only ones are notes', () => {
  const pt = buildRecipe('axolotl', ctx({ ...base, method: 'ptuning', prefixLen: 16 }));
  assert.deepEqual(pt.refusals, [
    'method: P-Tuning v2 (prefix tuning) has no equivalent in axolotl (adapter is lora or qlora)',
    'prefixLen: prefix length: P-Tuning v2 has no equivalent (see method)',
    'prefixProjection: prefix projection: P-Tuning v2 has no equivalent (see method)',
    'prefixHidden: prefix hidden size: P-Tuning v2 has no equivalent (see method)',
  ]);
  assert.deepEqual(buildRecipe('llamafactory', ctx({ ...base, loraAlpha: 12.5 })).refusals, [
    'loraAlpha: LoRA alpha 12.5 is not a whole number, and lora_alpha takes an int',
  ]);
  assert.deepEqual(buildRecipe('llamafactory', ctx({ ...base, sampleEvery: 8, samplePrompts: '/p.json' })).notes, [
    'sampleEvery: sample answers during training: Tuneloom only',
    'samplePrompts: sample prompts: Tuneloom only',
  ]);
  assert.throws(() => splitBatch(1, 3, 2), /cannot be split evenly over 2 GPUs/);
});

test('the README gives the exact launch commands for each target and distribution', () => {
  const facts = {
    runName: 'r',
    runId: 1,
    yaml: 'x.yaml',
    outputDir: 'saves/r',
    model: 'Qwen/Qwen2.5-7B-Instruct',
    localModel: false,
    examples: { train: 10, val: 1 },
    format: 'alpaca',
    notes: [],
    pin: { version: 'v', commit: 'c' },
  };
  const lf = (gpus: number, distributed: Distributed) => readme({ ...facts, target: 'llamafactory', gpus, distributed });
  assert.match(lf(1, 'none'), /^llamafactory-cli train x\.yaml$/m);
  assert.match(lf(4, 'zero3'), /^FORCE_TORCHRUN=1 NPROC_PER_NODE=4 llamafactory-cli train x\.yaml$/m);
  assert.match(lf(4, 'zero3'), /^FORCE_TORCHRUN=1 NNODES=2 NODE_RANK=0 MASTER_ADDR=192\.168\.0\.1 MASTER_PORT=29500 llamafactory-cli train x\.yaml$/m);
  assert.match(lf(4, 'fsdp'), /^accelerate launch --config_file fsdp_config\.yaml -m llamafactory\.launcher x\.yaml$/m);
  const ax = readme({ ...facts, target: 'axolotl', gpus: 8, distributed: 'zero2' });
  assert.match(ax, /^axolotl preprocess x\.yaml$/m);
  assert.match(ax, /^accelerate launch --num_processes 8 -m axolotl\.cli\.train x\.yaml$/m);
  assert.match(ax, /^tuneloom runs import saves\/r$/m);
});
