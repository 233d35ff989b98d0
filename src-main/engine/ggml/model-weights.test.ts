import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, tinyQwen2Model } from '../../test-support/paths';
import { testBackend } from '../../test-support/ggml';
import { loadGgmlWeightsFromDir } from '../../engine-node/ggml-load';
import { openWeightStore, readModelConfig } from '../../engine-node/load-model';
import { serializeSafetensors } from '../io/safetensors';
import type { ComputeBackend } from './backend';
import { GgmlType } from './ffi';
import { nativeMemory } from './owners';

let backend: ComputeBackend;
before(() => {
  backend = testBackend('cpu').backend;
});
after(() => backend.dispose());

function readBack(t: bigint, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  backend.lib.backend.ggml_backend_tensor_get(t as never, out, 0, bytes);
  return out;
}

test('f32 weights hold exactly the checkpoint values, one tensor per HF name, in ggml order', async () => {
  const w = await loadGgmlWeightsFromDir(tinyQwen2Model, backend, { weights: 'f32' });
  try {
    const cfg = readModelConfig(tinyQwen2Model);
    assert.equal(w.weights, 'f32');
    // tied: no lm_head tensor, the head is the embedding
    assert.equal(w.has('lm_head.weight'), false);
    assert.equal(w.head, w.embed);
    assert.deepEqual(w.embed.ne, [cfg.hiddenSize, cfg.vocabSize]);
    const q = w.get('model.layers.1.self_attn.q_proj.weight');
    assert.deepEqual(q.shape, [cfg.numHeads * cfg.headDim, cfg.hiddenSize]);
    assert.deepEqual(q.ne, [cfg.hiddenSize, cfg.numHeads * cfg.headDim]);
    assert.ok(w.has('model.layers.0.self_attn.k_proj.bias'));
    assert.equal(w.names().length, 1 + cfg.numLayers * 12 + 1);
    const { store, close } = await openWeightStore(tinyQwen2Model);
    try {
      for (const name of ['model.layers.1.self_attn.q_proj.weight', 'model.layers.0.self_attn.v_proj.bias', 'model.norm.weight', 'model.embed_tokens.weight']) {
        const expected = await store.read(name);
        const got = new Float32Array(readBack(w.get(name).tensor, expected.byteLength).buffer);
        assert.deepEqual(got, expected, name);
      }
    } finally {
      close();
    }
  } finally {
    w.dispose();
  }
});

test('f16, q8_0 and q4 store matrices in that type (norms and biases stay f32) and take fewer bytes', async () => {
  const sizes: Record<string, number> = {};
  for (const [weights, type] of [
    ['f32', GgmlType.F32],
    ['f16', GgmlType.F16],
    ['q8_0', GgmlType.Q8_0],
    ['q4', GgmlType.Q4_0],
  ] as const) {
    const w = await loadGgmlWeightsFromDir(tinyQwen2Model, backend, { weights });
    try {
      assert.equal(w.get('model.layers.0.mlp.down_proj.weight').type, type, weights);
      assert.equal(w.embed.type, type, weights);
      assert.equal(w.get('model.layers.0.input_layernorm.weight').type, GgmlType.F32);
      assert.equal(w.get('model.layers.0.self_attn.q_proj.bias').type, GgmlType.F32);
      sizes[weights] = w.bytes;
    } finally {
      w.dispose();
    }
  }
  assert.ok(sizes.f32 > sizes.f16 && sizes.f16 > sizes.q8_0 && sizes.q8_0 > sizes.q4, JSON.stringify(sizes));
});

test('a sharded checkpoint (index + two files) loads to the same values', async () => {
  const dir = tempDir();
  mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(tinyQwen2Model, f), join(dir, f));
  const { store, close } = await openWeightStore(tinyQwen2Model);
  const names = store.names();
  const halves = [names.slice(0, 10), names.slice(10)];
  const weightMap: Record<string, string> = {};
  for (const [i, part] of halves.entries()) {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    const tensors = [];
    for (const n of part) {
      tensors.push({ name: n, shape: store.info(n)!.shape, data: await store.read(n), dtype: 'BF16' as const });
      weightMap[n] = file;
    }
    writeFileSync(join(dir, file), serializeSafetensors(tensors));
  }
  close();
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: weightMap }));
  const a = await loadGgmlWeightsFromDir(tinyQwen2Model, backend, { weights: 'f32' });
  const b = await loadGgmlWeightsFromDir(dir, backend, { weights: 'f32' });
  try {
    for (const n of [names[0], names[names.length - 1]]) {
      const bytes = a.get(n).bytes;
      assert.deepEqual(readBack(b.get(n).tensor, bytes), readBack(a.get(n).tensor, bytes), n);
    }
  } finally {
    a.dispose();
    b.dispose();
  }
});

function shrunk(free: number, maxBuffer = 0): ComputeBackend {
  return Object.create(backend, {
    device: { value: { ...backend.device, memoryFree: free } },
    maxBufferBytes: { value: maxBuffer },
  }) as ComputeBackend;
}

test('a model that does not fit is one line with what it needs and which --weights fits; nothing stays allocated', async () => {
  const before = nativeMemory();
  // tiny-qwen2 as f32 is ~20 MiB (the 151,936-word embedding); q8_0 about a quarter of that.
  await assert.rejects(loadGgmlWeightsFromDir(tinyQwen2Model, shrunk(8 * 2 ** 20), { weights: 'f32' }), (e: Error) => {
    assert.match(e.message, /the model needs 19 MiB of weights as f32, but .* has 8 MiB free.*use --weights q8_0 \(5 MiB\)/);
    assert.equal(e.message.split('\n').length, 1);
    return true;
  });
  // No --weights: the default picks the most precise type that fits.
  const w = await loadGgmlWeightsFromDir(tinyQwen2Model, shrunk(8 * 2 ** 20));
  assert.equal(w.weights, 'q8_0');
  w.dispose();
  // A single tensor beyond the largest buffer the device binds (lavapipe: 128 MiB) is refused, never split into garbage.
  await assert.rejects(
    loadGgmlWeightsFromDir(tinyQwen2Model, shrunk(0, 8 * 2 ** 20), { weights: 'f16' }),
    /model\.embed_tokens\.weight takes 9 MiB as f16, more than the 8 MiB one buffer can hold .*use --weights q8_0/,
  );
  await assert.rejects(loadGgmlWeightsFromDir(tinyQwen2Model, shrunk(1000)), /no --weights type fits this device/);
  assert.deepEqual(nativeMemory(), before);
});
