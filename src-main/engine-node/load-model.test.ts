import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../test-support/paths';
import { testBackend } from '../test-support/ggml';
import { writeSyntheticCheckpoint } from '../../scripts/synthetic-checkpoint';
import { serializeSafetensors } from '../engine/io/safetensors';
import type { ComputeBackend } from '../engine/ggml/backend';
import { GgmlCausalLM } from '../engine/ggml/causal-lm';
import { openWeightStore } from './load-model';
import { loadGgmlWeightsFromDir } from './ggml-load';

const root = tempDir();
const IDS = [3, 1, 4, 1, 5, 9, 2, 6];

let backend: ComputeBackend;
before(() => {
  backend = testBackend('cpu').backend;
});
after(() => backend.dispose());

async function logitsOf(dir: string): Promise<Float32Array> {
  const weights = await loadGgmlWeightsFromDir(dir, backend, { weights: 'f32' });
  const model = new GgmlCausalLM(weights, backend);
  const cache = model.newCache(1, IDS.length);
  try {
    return await model.forward(cache, IDS, IDS.length, { logits: 'all' });
  } finally {
    cache.dispose();
    model.dispose();
    weights.dispose();
  }
}

test('a sharded checkpoint (model.safetensors.index.json) loads to the same model as one file', async () => {
  const single = join(root, 'single');
  writeSyntheticCheckpoint({ shape: 'tiny-llama', out: single, dtype: 'bf16', std: 0.3, seed: 2 });
  const sharded = join(root, 'sharded');
  writeSyntheticCheckpoint({ shape: 'tiny-llama', out: sharded, dtype: 'bf16', std: 0.3, seed: 2 });
  const { store, close } = await openWeightStore(sharded);
  const names = store.names();
  const shards: Record<string, string> = {};
  const halves = [names.slice(0, names.length / 2), names.slice(names.length / 2)];
  for (const [i, part] of halves.entries()) {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    const tensors = [];
    for (const name of part) {
      tensors.push({ name, shape: store.info(name)!.shape, data: await store.read(name), dtype: 'BF16' as const });
      shards[name] = file;
    }
    writeFileSync(join(sharded, file), serializeSafetensors(tensors));
  }
  close();
  rmSync(join(sharded, 'model.safetensors'));
  writeFileSync(join(sharded, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: shards }));
  assert.deepEqual(await logitsOf(sharded), await logitsOf(single));
});

test('an untied config without lm_head.weight on disk says what to do', async () => {
  const dir = join(root, 'untied-missing-head');
  writeSyntheticCheckpoint({ shape: 'tiny', out: dir, dtype: 'f32', std: 0.3, seed: 2 });
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, tie_word_embeddings: false }));
  await assert.rejects(loadGgmlWeightsFromDir(dir, backend, { weights: 'f32' }), /lm_head\.weight is missing.*tie_word_embeddings/);
});

test('a tied config with a redundant lm_head.weight on disk uses the embedding', async () => {
  const dir = join(root, 'tied-with-head');
  writeSyntheticCheckpoint({ shape: 'tiny-llama', out: dir, dtype: 'f32', std: 0.3, seed: 2 });
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, tie_word_embeddings: true }));
  const weights = await loadGgmlWeightsFromDir(dir, backend, { weights: 'f32' });
  try {
    assert.equal(weights.head, weights.embed);
  } finally {
    weights.dispose();
  }
});
