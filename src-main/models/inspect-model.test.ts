import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serializeSafetensors } from '../engine/io/safetensors';
import { UserError } from '../errors';
import { openStore } from '../store/db';
import { listModels } from '../store/queries/library';
import { tempDir, tinyQwen2Model } from '../test-support/paths';
import { inspectModelFolder } from './inspect-model';
import { registerModel } from './register-model';

const base = tempDir('inspect-test-');
let n = 0;

/** A folder linking the fixture's files, with some replaced or left out. */
function fixtureCopy(opts: { omit?: string[]; write?: Record<string, string | Uint8Array> } = {}): string {
  const dir = join(base, `m${n++}`);
  mkdirSync(dir);
  for (const f of ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']) {
    if (opts.omit?.includes(f) || opts.write?.[f] !== undefined) continue;
    symlinkSync(join(tinyQwen2Model, f), join(dir, f));
  }
  for (const [f, content] of Object.entries(opts.write ?? {})) writeFileSync(join(dir, f), content);
  return dir;
}

const fixtureConfig = (): Record<string, unknown> => JSON.parse(readFileSync(join(tinyQwen2Model, 'config.json'), 'utf8')) as Record<string, unknown>;

// Parameter count of the fixture from its config: hidden 32, 2 layers, 4 heads of 8, 2 kv heads,
// SwiGLU 96, q/k/v bias, tied embeddings over 151,936 words.
const h = 32,
  kv = 16,
  ff = 96,
  vocab = 151_936;
const perLayer = h * h + h + 2 * (h * kv + kv) + h * h + 3 * h * ff + 2 * h;
const FIXTURE_PARAMS = vocab * h + 2 * perLayer + h;

test('the tiny fixture: family, parameters, dtype, chat template, config hash', async () => {
  const info = await inspectModelFolder(tinyQwen2Model);
  assert.equal(info.family, 'qwen2');
  assert.equal(info.params, FIXTURE_PARAMS);
  assert.equal(info.dtype, 'bfloat16');
  assert.equal(info.hasChatTemplate, true);
  assert.equal(
    info.configHash,
    createHash('sha256')
      .update(readFileSync(join(tinyQwen2Model, 'config.json')))
      .digest('hex'),
  );
  assert.deepEqual(info.weightFiles, ['model.safetensors']);
  assert.equal(info.name, 'model');
});

test('a sharded checkpoint sums every shard the index names', async () => {
  const t = (name: string, shape: number[]) => ({ name, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
  const shard1 = serializeSafetensors([t('a', [3, 4]), t('b', [5])]);
  const shard2 = serializeSafetensors([t('c', [2, 2, 2])]);
  const index = {
    metadata: { total_size: 0 },
    weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00001-of-00002.safetensors', c: 'model-00002-of-00002.safetensors' },
  };
  const dir = fixtureCopy({
    omit: ['model.safetensors'],
    write: { 'model-00001-of-00002.safetensors': shard1, 'model-00002-of-00002.safetensors': shard2, 'model.safetensors.index.json': JSON.stringify(index) },
  });
  const info = await inspectModelFolder(dir);
  assert.equal(info.params, 12 + 5 + 8);
  assert.equal(info.dtype, 'float32');
  assert.deepEqual(info.weightFiles, ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);

  rmSync(join(dir, 'model-00002-of-00002.safetensors'));
  await assert.rejects(inspectModelFolder(dir), /model-00002-of-00002\.safetensors: weight file model-00002-of-00002\.safetensors is missing/);
});

test('missing or broken files are named in one line', async () => {
  const cases: [string, Parameters<typeof fixtureCopy>[0], RegExp][] = [
    ['config', { omit: ['config.json'] }, /config\.json: config\.json is missing/],
    ['tokenizer', { omit: ['tokenizer.json'] }, /tokenizer\.json: tokenizer\.json is missing/],
    ['tokenizer config', { omit: ['tokenizer_config.json'] }, /tokenizer_config\.json: tokenizer_config\.json is missing/],
    ['weights', { omit: ['model.safetensors'] }, /no weights: neither model\.safetensors nor model\.safetensors\.index\.json/],
    ['bad json', { write: { 'config.json': '{"model_type": ' } }, /config\.json: config\.json is not valid JSON/],
    [
      'truncated',
      { write: { 'model.safetensors': readFileSync(join(tinyQwen2Model, 'model.safetensors')).subarray(0, 5000) } },
      /model\.safetensors: truncated or corrupt safetensors file/,
    ],
    [
      'family',
      { write: { 'config.json': JSON.stringify({ ...fixtureConfig(), model_type: 'gpt2' }) } },
      /model_type "gpt2" is not supported.*qwen2.*qwen3.*llama/,
    ],
  ];
  for (const [label, opts, re] of cases) {
    await assert.rejects(inspectModelFolder(fixtureCopy(opts)), (err: Error) => {
      assert.ok(err instanceof UserError, label);
      assert.match(err.message, re, label);
      assert.ok(!err.message.includes('\n'), label);
      return true;
    });
  }
  await assert.rejects(inspectModelFolder(join(base, 'nope')), /nope: model folder not found/);
});

test('a chat template in chat_template.jinja counts; none at all is reported as absent', async () => {
  const noTemplate = JSON.stringify({ eos_token: '<|im_end|>' });
  assert.equal((await inspectModelFolder(fixtureCopy({ write: { 'tokenizer_config.json': noTemplate } }))).hasChatTemplate, false);
  const jinja = fixtureCopy({ write: { 'tokenizer_config.json': noTemplate, 'chat_template.jinja': '{{ messages }}' } });
  assert.equal((await inspectModelFolder(jinja)).hasChatTemplate, true);
});

test('registerModel stores the facts and the provenance, once per path', async () => {
  const db = openStore(join(base, 'store.db'));
  try {
    const row = await registerModel(db, tinyQwen2Model);
    assert.equal(row.family, 'qwen2');
    assert.equal(row.params, FIXTURE_PARAMS);
    assert.equal(row.dtype, 'bfloat16');
    assert.equal(row.hasChatTemplate, true);
    assert.equal(row.source, 'local');
    assert.equal(row.isDemo, false);
    assert.equal(row.path, tinyQwen2Model);
    const again = await registerModel(db, tinyQwen2Model, { name: 'Tiny' });
    assert.equal(again.id, row.id);
    assert.equal(again.name, 'Tiny');
    assert.equal(listModels(db).length, 1);
    const dl = await registerModel(db, fixtureCopy(), { source: 'huggingface', repoId: 'acme/tiny' });
    assert.equal(dl.name, 'acme/tiny');
    assert.equal(dl.source, 'huggingface');
    assert.equal(dl.repoId, 'acme/tiny');
  } finally {
    db.close();
  }
});
