/**
 * recipes.export from the wizard's settings (no run yet): the recipe is written beside the data folder
 * with a manifest that names no run; exactly one source is required; a P-Tuning v2 launch is refused
 * in one line with nothing written.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LaunchRequest } from '../../src-shared/ipc-contract';
import { validateRequest } from '../../src-shared/ipc-contract';
import { openStore } from '../store/db';
import { tempDir } from '../test-support/paths';
import { writeTinyModel } from '../test-support/tiny-model';
import { importAndRegister } from '../data/register';
import { recipeHandlers } from './recipe-handlers';

const dir = tempDir('tuneloom-recipe-ipc-');
const model = writeTinyModel(join(dir, 'model'));
const data = join(dir, 'qa.jsonl');
writeFileSync(
  data,
  Array.from({ length: 20 }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: 'user', content: `q${i}` },
        { role: 'assistant', content: `a${i}` },
      ],
    }),
  ).join('\n') + '\n',
);
const launchOn = (datasetId: number): LaunchRequest => ({
  name: 'big one',
  method: 'lora',
  modelPath: model,
  datasetId,
  loraR: 16,
  loraAlpha: 32,
  loraDropout: 0.05,
  loraTargets: ['q_proj', 'v_proj'],
  prefixLen: 128,
  epochs: 2,
  lr: 1e-4,
  scheduler: 'cosine',
  warmupSteps: 10,
  batchSize: 64,
  gradAccum: 1,
  maxLen: 16384,
  seed: 1,
  gradientCheckpointing: false,
  weightDecay: 0,
  maxGradNorm: 1,
  lossOn: 'completion',
  packing: false,
  valSplit: 0.1,
  evalEvery: 0,
  sampleEvery: 0,
});

test('recipes.export writes a recipe from the wizard settings, before any run exists', async () => {
  const db = openStore(join(dir, 'store.db'));
  const h = recipeHandlers({ db, dbPath: join(dir, 'store.db'), home: dir, electronVersion: null });
  const launch = launchOn((await importAndRegister(db, data)).id);
  const req = validateRequest('recipes.export', { launch, to: 'axolotl', gpus: 8 });
  const r = await h['recipes.export'](req);
  assert.equal(r.out, join(dir, 'recipes', 'big-one-axolotl'));
  const manifest = JSON.parse(readFileSync(join(r.out, 'tuneloom-recipe.json'), 'utf8'));
  assert.equal(manifest.runId, null);
  assert.equal(manifest.config.batchSize, 64);
  assert.match(readFileSync(r.yaml, 'utf8'), /^micro_batch_size: 8$/m);
  assert.deepEqual(r.examples, { train: 18, val: 2 });
  await assert.rejects(
    Promise.resolve().then(() => h['recipes.export']({ to: 'axolotl', gpus: 1 })),
    /pass either a run or the wizard settings/,
  );
  await assert.rejects(
    Promise.resolve().then(() => h['recipes.export']({ launch: { ...launch, method: 'ptuning' }, to: 'llamafactory', gpus: 1 })),
    /P-Tuning v2 \(prefix tuning\) has no equivalent in LLaMA-Factory/,
  );
  assert.equal(existsSync(join(dir, 'recipes', 'big-one-llamafactory')), false);
  db.close();
});
