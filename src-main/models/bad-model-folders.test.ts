import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../test-support/paths';
import { writeTinyModel } from '../test-support/tiny-model';
import { loadTokenizer, readModelConfig } from '../engine-node/load-model';
import { loadGgmlWeightsFromDir } from '../engine-node/ggml-load';
import { testBackend } from '../test-support/ggml';
import { inspectModelFolder } from './inspect-model';

const root = tempDir('tuneloom-bad-models-');
let n = 0;
const fresh = () => writeTinyModel(join(root, `m${n++}`));
const { backend } = testBackend('cpu');
after(() => backend.dispose());
/** Loads the folder's weights as `tuneloom generate` and training do (ggml, f32), then frees them. */
const loadWeights = async (dir: string) => (await loadGgmlWeightsFromDir(dir, backend, { weights: 'f32' })).dispose();

/** A bad folder is refused by registration and by loading, each time in one UserError line naming `where`. */
async function refused(dir: string, where: RegExp, why: RegExp): Promise<void> {
  const check = (e: Error) => e.name === 'UserError' && where.test(e.message) && why.test(e.message) && !e.message.includes('\n');
  await assert.rejects(inspectModelFolder(dir), check, 'registration');
  await assert.rejects(
    (async () => {
      readModelConfig(dir);
      loadTokenizer(dir);
      await loadWeights(dir);
    })(),
    check,
    'loading',
  );
}

function shardIndex(dir: string, weightMap: unknown): void {
  renameSync(join(dir, 'model.safetensors'), join(dir, 'model-00001-of-00001.safetensors'));
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
}

test('a folder in place of config.json is one line', async () => {
  const dir = fresh();
  rmSync(join(dir, 'config.json'));
  mkdirSync(join(dir, 'config.json'));
  await refused(dir, /config\.json/, /is a folder, not a file/);
});

test('an array weight_map is one line', async () => {
  const dir = fresh();
  shardIndex(dir, ['model-00001-of-00001.safetensors']);
  await refused(dir, /model\.safetensors\.index\.json \(weight_map\)/, /must be an object of tensor name -> file, got a list/);
});

test('index paths that escape the model folder are refused before any file is opened', async () => {
  for (const escape of ['../outside.safetensors', '/etc/passwd', 'sub/../../x.safetensors', 'C:\\\\x.safetensors']) {
    const dir = fresh();
    const names = Object.keys(
      JSON.parse(
        readFileSync(join(dir, 'model.safetensors'))
          .subarray(8, 8 + Number(readFileSync(join(dir, 'model.safetensors')).readBigUInt64LE(0)))
          .toString('utf8'),
      ),
    );
    shardIndex(dir, Object.fromEntries(names.map((k, i) => [k, i === 0 ? escape : 'model-00001-of-00001.safetensors'])));
    await refused(dir, /weight_map/, /points outside the model folder/);
  }
});

test('num_hidden_layers: 1e6 (and other absurd sizes) is one line at once, not minutes and gigabytes', { timeout: 30_000 }, async () => {
  for (const [key, value] of [
    ['num_hidden_layers', 1e6],
    ['hidden_size', 2.5],
    ['vocab_size', -1],
    ['intermediate_size', 1e12],
  ] as const) {
    const dir = fresh();
    const cfgPath = join(dir, 'config.json');
    writeFileSync(cfgPath, JSON.stringify({ ...JSON.parse(readFileSync(cfgPath, 'utf8')), [key]: value }));
    await refused(dir, new RegExp(`config\\.json \\(${key}\\)`), new RegExp(`"${key}" must be a whole number from 1 to`));
  }
});

test('a negative rms_norm_eps or rope_theta (NaN logits with exit 0) is one line', async () => {
  for (const [key, value] of [
    ['rms_norm_eps', -1],
    ['rope_theta', 0],
  ] as const) {
    const dir = fresh();
    const cfgPath = join(dir, 'config.json');
    writeFileSync(cfgPath, JSON.stringify({ ...JSON.parse(readFileSync(cfgPath, 'utf8')), [key]: value }));
    await refused(dir, new RegExp(`config\\.json \\(${key}\\)`), new RegExp(`"${key}" must be above 0`));
  }
});

test('a folder in place of model.safetensors or tokenizer.json is one line', async () => {
  const dir = fresh();
  rmSync(join(dir, 'model.safetensors'));
  mkdirSync(join(dir, 'model.safetensors'));
  await assert.rejects(loadWeights(dir), (e: Error) => e.name === 'UserError' && /is a folder, not a file/.test(e.message));
  const tok = fresh();
  rmSync(join(tok, 'tokenizer.json'));
  mkdirSync(join(tok, 'tokenizer.json'));
  await refused(tok, /tokenizer\.json/, /is a folder, not a file/);
});
