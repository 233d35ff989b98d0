import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { tempDir } from '../test-support/paths';
import { writeSyntheticCheckpoint } from '../../scripts/synthetic-checkpoint';
import { serializeSafetensors } from '../engine/io/safetensors';
import { toHost } from '../engine/nn/to-host';
import { estimatedWasmBytes, estimatedWasmTrainingBytes, selectBackend, WASM_HEAP_BUDGET } from '../engine/backends/select-backend';
import { TRAIN_DEFAULTS } from '../engine/train/train-config';
import { trainingShape } from '../training/run-training';
import { normaliseConfig } from '../engine/config/normalise-config';
import { SHAPES, configJson } from '../../scripts/synthetic-checkpoint';
import { openWeightStore } from './load-model';
import { loadModelFromDir } from './load-tfjs-model';

const root = tempDir();
const IDS = [3, 1, 4, 1, 5, 9, 2, 6];

before(async () => {
  await tf.setBackend('cpu');
});

async function logitsOf(dir: string): Promise<Float32Array> {
  const model = await loadModelFromDir(dir);
  try {
    return toHost(() => model.logits(tf.tensor2d([IDS], [1, IDS.length], 'int32')));
  } finally {
    model.dispose();
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
  await assert.rejects(loadModelFromDir(dir), /lm_head\.weight is missing.*tie_word_embeddings/);
});

test('a tied config with a redundant lm_head.weight on disk uses the embedding', async () => {
  const dir = join(root, 'tied-with-head');
  writeSyntheticCheckpoint({ shape: 'tiny-llama', out: dir, dtype: 'f32', std: 0.3, seed: 2 });
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, tie_word_embeddings: true }));
  const model = await loadModelFromDir(dir);
  assert.equal(model.weights.lmHead, model.weights.embed);
  model.dispose();
});

test('backend selection: explicit cpu, unknown names refused, auto explains its choice', async () => {
  assert.deepEqual(await selectBackend('cpu'), { backend: 'cpu', reason: 'cpu: asked for with --backend' });
  await assert.rejects(selectBackend('cuda'), /unknown backend "cuda".*auto, webgpu, tensorflow, wasm, cpu/);
  const auto = await selectBackend('auto');
  assert.ok(['webgpu', 'tensorflow', 'wasm', 'cpu'].includes(auto.backend));
  assert.match(auto.reason, new RegExp(`^${auto.backend}: `));
  if (auto.backend !== 'webgpu') assert.match(auto.reason, /webgpu|WebGPU/, 'says why webgpu was passed over');
  await tf.setBackend('cpu');
});

test('a 0.5B training run does not fit the wasm heap: its activations count, so auto passes wasm over', async () => {
  const small = normaliseConfig(configJson(SHAPES['qwen2.5-0.5b'], 'bf16', false));
  // The defaults of `tuneloom train` as runTraining passes them (trainingShape).
  const training = trainingShape({ ...TRAIN_DEFAULTS, model: '/m', data: '/d', out: '/o' });
  assert.ok(estimatedWasmBytes(small) < WASM_HEAP_BUDGET, 'the model alone fits (inference may use wasm)');
  assert.ok(estimatedWasmTrainingBytes(small, training) > WASM_HEAP_BUDGET);
  await assert.rejects(selectBackend('wasm', { model: small, training }), /backend wasm is not available: this training run needs ~\d+\.\d GiB in the wasm heap \(model, adapter, optimiser and activations\)/);
  const auto = await selectBackend('auto', { model: small, training });
  assert.notEqual(auto.backend, 'wasm');
  if (auto.backend === 'cpu') assert.match(auto.reason, /training run needs .* wasm heap/);
  await tf.setBackend('cpu');
});

test('wasm is refused (auto skips it) for a model over its 4 GiB heap; the 0.5B shape fits', async () => {
  const small = normaliseConfig(configJson(SHAPES['qwen2.5-0.5b'], 'bf16', false));
  const big = normaliseConfig(configJson(SHAPES['qwen2.5-1.5b'], 'bf16', false));
  assert.ok(estimatedWasmBytes(small) < WASM_HEAP_BUDGET);
  assert.ok(estimatedWasmBytes(big) > WASM_HEAP_BUDGET);
  await assert.rejects(selectBackend('wasm', { model: big }), /backend wasm is not available: the model needs ~\d+\.\d GiB in the wasm heap/);
  const auto = await selectBackend('auto', { model: big });
  assert.notEqual(auto.backend, 'wasm');
  if (auto.backend === 'cpu') assert.match(auto.reason, /wasm heap/);
  await tf.setBackend('cpu');
});
