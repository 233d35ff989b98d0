import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GRPO_REWARDS, type GrpoReward, type LaunchRequest } from '../../src-shared/ipc-contract';
import { TRAIN_DEFAULTS } from '../engine/train/train-config';
import { GRPO_DEFAULTS } from '../engine/train/grpo/grpo-config';
import { BUILTIN_REWARDS } from '../engine/train/grpo/rewards';
import { UserError } from '../errors';
import type { DatasetForRun } from '../store/queries/library';
import { tempDir } from '../test-support/paths';
import { checkRewardFile, launchFromRequest } from './launch-config';

const dataset: DatasetForRun = { spec: { id: 3, files: ['/d.jsonl'], encoding: 'utf-8', sha256: 'ab' }, input: '/d.jsonl', format: 'conversations', map: null };

const req: LaunchRequest = {
  name: '手册 lora/1',
  preset: 'handbook',
  method: 'lora',
  modelPath: '/m',
  datasetId: 3,
  format: 'conversations',
  backend: 'auto',
  loraR: 16,
  loraAlpha: 32,
  loraDropout: 0.1,
  loraTargets: ['q_proj', 'v_proj'],
  prefixLen: 128,
  epochs: 2,
  maxSteps: 0,
  lr: 1e-4,
  scheduler: 'cosine',
  warmupSteps: 5,
  batchSize: 2,
  gradAccum: 4,
  maxLen: 256,
  seed: 7,
  gradientCheckpointing: true,
  weightDecay: 0.01,
  maxGradNorm: 1,
  lossOn: 'completion',
  packing: false,
  valSplit: 0.1,
  evalEvery: 20,
  sampleEvery: 10,
};

test('the wizard request becomes the trainer config the CLI would build, under $TUNELOOM_HOME/runs', () => {
  const launch = launchFromRequest(req, dataset, '/home/u/.tuneloom', new Date('2026-01-02T03:04:05Z'), '/home/u/.tuneloom/runs/.sample-prompts/1.json');
  const c = launch.config as Record<string, unknown>;
  assert.equal(launch.name, '手册 lora/1');
  assert.equal(launch.outDir, '/home/u/.tuneloom/runs/手册-lora-1-20260102T030405');
  assert.equal(c.out, launch.outDir);
  assert.equal(launch.backend, null, 'auto is no explicit backend');
  assert.equal(launch.totalSteps, null, 'maxSteps 0 trains by epochs');
  assert.equal(c.maxSteps, undefined);
  assert.deepEqual(
    [c.loraR, c.loraAlpha, c.lr, c.scheduler, c.batchSize, c.gradAccum, c.seed, c.gradientCheckpointing, c.format],
    [16, 32, 1e-4, 'cosine', 2, 4, 7, true, 'conversations'],
  );
  assert.equal(c.samplePrompts, '/home/u/.tuneloom/runs/.sample-prompts/1.json');
  assert.equal(c.useRslora, TRAIN_DEFAULTS.useRslora, 'fields the wizard does not set keep the CLI defaults');
  assert.equal(c.saveEvery, TRAIN_DEFAULTS.saveEvery);
  const stepped = launchFromRequest({ ...req, maxSteps: 60, backend: 'wasm', format: 'auto', name: ' ' }, dataset, '/h', new Date('2026-01-02T03:04:05Z'));
  assert.equal(stepped.totalSteps, 60);
  assert.equal(
    (launchFromRequest({ ...req, useRslora: true }, dataset, '/h').config as Record<string, unknown>).useRslora,
    true,
    'rsLoRA from the advanced settings',
  );
  assert.equal(stepped.backend, 'wasm');
  assert.equal((stepped.config as Record<string, unknown>).format, undefined, 'auto leaves detection to the importer');
  assert.equal(stepped.name, 'handbook-20260102T030405');
  // A dataset imported with the user's column roles trains as format csv with the same map.
  const mapped = launchFromRequest(
    {
      ...req,
      format: 'auto',
      map: [
        { column: 'q', role: 'user' },
        { column: 'a', role: 'assistant' },
      ],
    },
    dataset,
    '/h',
  );
  assert.deepEqual([(mapped.config as Record<string, unknown>).format, (mapped.config as Record<string, unknown>).map], ['csv', { q: 'user', a: 'assistant' }]);
});

test("a GRPO launch: the wizard's group size, beta, new tokens, temperature and rewards over the CLI defaults", () => {
  const grpo = { numGenerations: 4, beta: 0.02, maxNewTokens: 64, temperature: 0.9, rewards: ['format', 'correct'] as GrpoReward[] };
  const c = launchFromRequest({ ...req, preset: 'grpo', grpo }, dataset, '/h').config;
  assert.deepEqual(c.grpo, { ...GRPO_DEFAULTS, ...grpo });
  assert.equal(c.method, 'lora');
  assert.equal(launchFromRequest({ ...req, grpo: { ...grpo, rewards: [], rewardFile: '/h/r.js' } }, dataset, '/h').config.grpo?.rewardFile, '/h/r.js');
  assert.equal(launchFromRequest(req, dataset, '/h').config.grpo, undefined, 'no grpo: SFT');
  assert.throws(() => launchFromRequest({ ...req, grpo: { ...grpo, rewards: [] } }, dataset, '/h'), /a GRPO run needs at least one reward/);
  assert.throws(() => launchFromRequest({ ...req, method: 'ptuning', grpo }, dataset, '/h'), /GRPO trains a LoRA adapter/);
  // The trainer's own check runs at launch: max length 256 leaves no room for the prompt beyond 300 new tokens.
  assert.throws(
    () => launchFromRequest({ ...req, grpo: { ...grpo, maxNewTokens: 300 } }, dataset, '/h'),
    /--max-len \(256\) must leave room for the prompt beyond --max-new-tokens 300/,
  );
});

test("the contract's GRPO rewards are the engine's built-in rewards", () => {
  assert.deepEqual([...GRPO_REWARDS], [...BUILTIN_REWARDS]);
});

test('a reward file must be a readable .js file: each problem is one line naming the path', () => {
  const root = tempDir('tuneloom-reward-');
  const js = join(root, 'r.js');
  writeFileSync(js, 'function reward() { return 1 }');
  writeFileSync(join(root, 'r.txt'), '');
  assert.equal(checkRewardFile(js, [root]), js);
  assert.throws(
    () => checkRewardFile(join(root, 'none.js'), [root]),
    (e: Error) => e instanceof UserError && /the reward file does not exist/.test(e.message),
  );
  assert.throws(() => checkRewardFile(root, [root]), /the reward file is a folder, not a file/);
  assert.throws(() => checkRewardFile(join(root, 'r.txt'), [root]), /must be a JavaScript file/);
  assert.throws(() => checkRewardFile(js, [join(root, 'elsewhere')]), /outside the folders Tuneloom may read/);
});
