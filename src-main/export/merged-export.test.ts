/**
 * The merged export of the tiny Qwen2 fixture: same logits as base + adapter through the engine
 * (tightly in f32; in bf16 the merged weights are exactly bf16(W + s·B·A) and the logits stay within
 * what that rounding allows), sharding with an index, and the one-line refusals.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { float32ToBf16Bits } from '../engine/io/dtype';
import { serializeSafetensors } from '../engine/io/safetensors';
import type { LoraSet } from '../engine/adapters/lora-set';
import { disposeLoraSet } from '../engine/adapters/peft-lora';
import type { CausalLM } from '../engine/models/causal-lm';
import { openWeightStore, readLoraAdapterHost } from '../engine-node/load-model';
import { loadAdapterFromDir, loadModelFromDir } from '../engine-node/load-tfjs-model';
import { UserError } from '../errors';
import { tempDir, tinyQwen2Adapter, tinyQwen2Dir, tinyQwen2Model } from '../test-support/paths';
import { hostLoraByWeightName } from './lora-merge';
import { exportMerged } from './merged-export';

const goldens = JSON.parse(readFileSync(join(tinyQwen2Dir, 'goldens.json'), 'utf8')) as { prompts: { ids: number[] }[] };
const ids = goldens.prompts[0].ids;
let base: CausalLM;
let lora: LoraSet;
let reference: Float32Array; // base + adapter: hidden [T * H] then last logits [V]
const work = tempDir('tuneloom-merge-');

before(async () => {
  await tf.setBackend('cpu');
  base = await loadModelFromDir(tinyQwen2Model);
  lora = await loadAdapterFromDir(tinyQwen2Adapter, base.config);
  reference = logitsOf(base, lora);
});
after(() => {
  disposeLoraSet(lora);
  base.dispose();
});

/**
 * Final hidden states at every position and the logits of the last one: the LM head over the
 * 151,936-word vocabulary is what makes CPU tests slow, and LoRA never touches it, so every
 * position's hidden state plus one head application covers what merging can change.
 */
function logitsOf(model: CausalLM, adapters?: LoraSet): Float32Array {
  return tf.tidy(() => {
    const hidden = model.forward(tf.tensor2d([ids], [1, ids.length], 'int32'), { adapters }); // [1, T, H]
    const last = tf.slice(hidden, [0, ids.length - 1, 0], [1, 1, -1]); // [1, 1, H]
    const head = model.lmHead(last); // [1, 1, V]
    return tf.concat([tf.reshape(hidden, [-1]), tf.reshape(head, [-1])]).dataSync() as Float32Array;
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { diff, scale };
}

test('f32 merge gives the logits of base + adapter (1e-5 of the logit scale)', async () => {
  const out = join(work, 'merged-f32');
  const res = await exportMerged({ model: tinyQwen2Model, adapter: tinyQwen2Adapter, out, dtype: 'f32' });
  assert.equal(res.mergedModules, 14); // 7 projections x 2 layers
  assert.deepEqual(res.dtypes, ['F32']);
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json'])
    assert.ok(existsSync(join(out, f)), f);
  assert.equal((JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { torch_dtype: string }).torch_dtype, 'float32');
  const merged = await loadModelFromDir(out);
  try {
    const { diff, scale } = maxAbsDiff(logitsOf(merged), reference);
    assert.ok(diff <= 1e-5 * scale, `max |Δlogit| ${diff} at logit scale ${scale}`);
  } finally {
    merged.dispose();
  }
});

test('bf16 merge (the base dtype): weights are exactly bf16(W + s·B·A); logits within bf16 rounding', async () => {
  const out = join(work, 'merged-bf16');
  const res = await exportMerged({ model: tinyQwen2Model, adapter: tinyQwen2Adapter, out });
  assert.deepEqual(res.dtypes, ['BF16']);

  // Weight level, exact: the stored bits are the round-to-nearest-even of the f64-accumulated sum.
  const host = hostLoraByWeightName(await readLoraAdapterHost(tinyQwen2Adapter, base.config));
  const src = await openWeightStore(tinyQwen2Model);
  const dst = await openWeightStore(out);
  try {
    assert.equal(dst.store.info('model.layers.0.self_attn.q_proj.weight')!.dtype, 'BF16');
    for (const name of ['model.layers.0.self_attn.q_proj.weight', 'model.layers.1.mlp.down_proj.weight']) {
      const w = await src.store.read(name);
      const [o, i] = src.store.info(name)!.shape;
      const { a, b, rank, scaling } = host.get(name)!;
      const expected = new Float32Array(w.length);
      for (let r = 0; r < o; r++) {
        for (let c = 0; c < i; c++) {
          let d = 0;
          for (let k = 0; k < rank; k++) d += scaling * b[r * rank + k] * a[k * i + c];
          expected[r * i + c] = w[r * i + c] + d;
        }
      }
      assert.deepEqual(float32ToBf16Bits(await dst.store.read(name)), float32ToBf16Bits(expected), name);
    }
    // Untouched tensors are copied bit for bit.
    assert.deepEqual(await dst.store.read('model.norm.weight'), await src.store.read('model.norm.weight'));
  } finally {
    src.close();
    dst.close();
  }

  // Logit level: bf16 keeps 8 significant bits (relative step 2^-8, so rounding error <= 2^-9 per
  // weight). Summed over a 32..96-wide dot product with random signs the errors mostly cancel; we
  // allow 1% of the logit scale, and require it to be far from the f32 exactness of the test above.
  const merged = await loadModelFromDir(out);
  try {
    const { diff, scale } = maxAbsDiff(logitsOf(merged), reference);
    assert.ok(diff <= 0.01 * scale, `max |Δlogit| ${diff} at logit scale ${scale}`);
  } finally {
    merged.dispose();
  }
});

test('shards over the size limit with model.safetensors.index.json, which the engine loads back', async () => {
  const out = join(work, 'merged-sharded');
  const res = await exportMerged({ model: tinyQwen2Model, adapter: tinyQwen2Adapter, out, dtype: 'f32', maxShardBytes: 1_000_000 });
  const index = JSON.parse(readFileSync(join(out, 'model.safetensors.index.json'), 'utf8')) as {
    metadata: { total_size: number };
    weight_map: Record<string, string>;
  };
  const shards = [...new Set(Object.values(index.weight_map))].sort();
  assert.deepEqual(shards, ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
  assert.equal(index.weight_map['model.embed_tokens.weight'], 'model-00001-of-00002.safetensors'); // 19 MB alone
  assert.equal(index.metadata.total_size, res.totalBytes);
  assert.ok(!existsSync(join(out, 'model.safetensors')));
  const merged = await loadModelFromDir(out);
  try {
    const { diff, scale } = maxAbsDiff(logitsOf(merged), reference);
    assert.ok(diff <= 1e-5 * scale);
  } finally {
    merged.dispose();
  }
});

test('refuses an existing non-empty folder unless --force, and --force only over a previous export; a user folder is left untouched', async () => {
  const out = join(work, 'taken');
  mkdirSync(out);
  writeFileSync(join(out, 'keep.txt'), 'mine');
  await assert.rejects(
    exportMerged({ model: tinyQwen2Model, adapter: tinyQwen2Adapter, out }),
    (e: unknown) => e instanceof UserError && /already exists and is not empty/.test(e.message) && /--force/.test(e.message) && !e.message.includes('\n'),
  );
  assert.deepEqual(readdirSync(out), ['keep.txt']);
  await assert.rejects(
    exportMerged({ model: tinyQwen2Model, adapter: tinyQwen2Adapter, out, force: true }),
    (e: unknown) => e instanceof UserError && /not a Tuneloom export/.test(e.message) && !e.message.includes('\n'),
  );
  assert.deepEqual(readdirSync(out), ['keep.txt']);
  const previous = join(work, 'previous');
  await exportMerged({ model: tinyQwen2Model, adapter: tinyQwen2Adapter, out: previous });
  writeFileSync(join(previous, 'stale.txt'), 'old');
  await exportMerged({ model: tinyQwen2Model, adapter: tinyQwen2Adapter, out: previous, force: true });
  assert.ok(existsSync(join(previous, 'model.safetensors')) && !existsSync(join(previous, 'stale.txt')));
});

test('a full disk is one line, and no partial folder is left behind', async () => {
  const out = join(work, 'full-disk');
  let written = 0;
  const fullAfter = 2_000_000;
  await assert.rejects(
    exportMerged({
      model: tinyQwen2Model,
      adapter: tinyQwen2Adapter,
      out,
      openSink: () => ({
        write(bytes) {
          written += bytes.byteLength;
          if (written > fullAfter) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        },
        close() {},
      }),
    }),
    (e: unknown) => e instanceof UserError && /disk full while writing the export/.test(e.message) && !e.message.includes('\n'),
  );
  assert.ok(!existsSync(out));
  assert.deepEqual(
    readdirSync(work).filter((f) => f.includes('partial')),
    [],
  );
});

test('an adapter trained on another base model is refused in one line', async () => {
  // (a) LoRA shapes that do not fit the base layers.
  const bad = join(work, 'bad-adapter');
  mkdirSync(bad);
  cpSync(join(tinyQwen2Adapter, 'adapter_config.json'), join(bad, 'adapter_config.json'));
  const zeros = (n: number) => new Float32Array(n);
  writeFileSync(
    join(bad, 'adapter_model.safetensors'),
    serializeSafetensors([
      { name: 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight', shape: [4, 64], data: zeros(256) },
      { name: 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight', shape: [64, 4], data: zeros(256) },
    ]),
  );
  await assert.rejects(
    exportMerged({ model: tinyQwen2Model, adapter: bad, out: join(work, 'x1') }),
    (e: unknown) => e instanceof UserError && /adapter for another model/.test(e.message),
  );

  // (b) base_model_name_or_path names a local model with another architecture.
  const otherModel = join(work, 'other-model');
  mkdirSync(otherModel);
  const cfg = JSON.parse(readFileSync(join(tinyQwen2Model, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(otherModel, 'config.json'), JSON.stringify({ ...cfg, hidden_size: 64 }));
  const moved = join(work, 'moved-adapter');
  mkdirSync(moved);
  cpSync(join(tinyQwen2Adapter, 'adapter_model.safetensors'), join(moved, 'adapter_model.safetensors'));
  const acfg = JSON.parse(readFileSync(join(tinyQwen2Adapter, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(moved, 'adapter_config.json'), JSON.stringify({ ...acfg, base_model_name_or_path: otherModel }));
  await assert.rejects(
    exportMerged({ model: tinyQwen2Model, adapter: moved, out: join(work, 'x2') }),
    (e: unknown) => e instanceof UserError && /was trained on .*other-model \(hiddenSize 64\), but --model is/.test(e.message) && !e.message.includes('\n'),
  );
});
