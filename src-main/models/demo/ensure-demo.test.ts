import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensorsHeader, readTensorFloat32 } from '../../engine/io/safetensors';
import { TextTokenizer } from '../../engine/tokenizer/text-tokenizer';
import { fileSource } from '../../engine-node/file-source';
import { openStore } from '../../store/db';
import { listDatasets, listModels } from '../../store/queries/library';
import { repoRoot, tempDir, tinyQwen2Model } from '../../test-support/paths';
import { inspectModelFolder } from '../inspect-model';
import { DEMO_SHAPE, QWEN_VOCAB } from './demo-model';
import { DEMO_DATASET_FILE, ensureDemoAssets } from './ensure-demo';

async function headerOf(file: string): Promise<Map<string, number[]>> {
  const src = fileSource(file);
  try {
    const h = await readSafetensorsHeader(src);
    return new Map([...h.tensors.values()].map((t) => [t.name, t.shape]));
  } finally {
    src.close();
  }
}

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

test('ensureDemoAssets makes a loadable demo model and registers it and the handbook sample as demo rows', async () => {
  const home = tempDir('demo-home-');
  const first = await ensureDemoAssets(home);
  assert.equal(first.createdModel, true);
  assert.equal(first.modelDir, join(home, 'demo', 'model'));

  // The folder is a Hugging Face checkpoint: same tensor names and shapes as the transformers-made
  // fixture of the same shape, F32, with the Qwen tokenizer and its chat template.
  const info = await inspectModelFolder(first.modelDir);
  assert.equal(info.family, 'qwen2');
  assert.equal(info.dtype, 'float32');
  assert.equal(info.hasChatTemplate, true);
  assert.deepEqual(DEMO_SHAPE, { hidden: 32, layers: 2, heads: 4, kvHeads: 2, intermediate: 96 }); // the fixture's shape
  const demo = await headerOf(join(first.modelDir, 'model.safetensors'));
  const fixture = await headerOf(join(tinyQwen2Model, 'model.safetensors'));
  assert.deepEqual([...demo.entries()].sort(), [...fixture.entries()].sort());
  assert.equal(demo.get('model.embed_tokens.weight')?.[0], QWEN_VOCAB);

  // Weights are random but sane: finite, embedding spread ~0.5, norms at 1.
  const src = fileSource(join(first.modelDir, 'model.safetensors'));
  try {
    const h = await readSafetensorsHeader(src);
    const emb = await readTensorFloat32(src, h.tensors.get('model.embed_tokens.weight')!);
    let sum = 0,
      sq = 0;
    for (const v of emb) {
      sum += v;
      sq += v * v;
    }
    const mean = sum / emb.length,
      std = Math.sqrt(sq / emb.length - mean * mean);
    assert.ok(Math.abs(mean) < 0.01 && Math.abs(std - 0.5) < 0.01, `embedding mean ${mean}, std ${std}`);
    assert.ok((await readTensorFloat32(src, h.tensors.get('model.norm.weight')!)).every((v) => v === 1));
  } finally {
    src.close();
  }

  const tok = new TextTokenizer({
    tokenizerJson: JSON.parse(readFileSync(join(first.modelDir, 'tokenizer.json'), 'utf8')),
    tokenizerConfig: JSON.parse(readFileSync(join(first.modelDir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>,
    where: first.modelDir,
  });
  const chat = tok.encodeChat([{ role: 'user', content: '宿舍晚上几点关门？' }], { addGenerationPrompt: true });
  assert.ok(chat.ids.includes(151_644) && chat.ids.includes(151_645), 'ChatML special tokens <|im_start|>/<|im_end|>');
  assert.ok(chat.ids.every((id) => id < QWEN_VOCAB));
  assert.equal(tok.decode(tok.encode('青岚大学学生手册')), '青岚大学学生手册');

  // Both rows are demo rows, labelled as such.
  const db = openStore(join(home, 'tuneloom.db'));
  try {
    const models = listModels(db);
    assert.equal(models.length, 1);
    assert.equal(models[0].isDemo, true);
    assert.equal(models[0].source, 'demo');
    assert.match(models[0].name, /演示.*Demo/);
    assert.equal(models[0].params, info.params);
    const datasets = listDatasets(db);
    assert.equal(datasets.length, 1);
    assert.equal(datasets[0].isDemo, true);
    assert.match(datasets[0].name, /演示.*Demo/);
    assert.equal(datasets[0].format, 'conversations');
    assert.equal(datasets[0].examples, 42);
    assert.deepEqual(datasets[0].sourcePaths, [join(home, 'demo', DEMO_DATASET_FILE)]);
    assert.equal(datasets[0].skipped, 0);
    assert.equal(datasets[0].sha256, sha(join(repoRoot, 'resources/demo', DEMO_DATASET_FILE)));
    assert.ok(datasets[0].mapping && Object.keys(datasets[0].mapping).length > 0, 'field mapping from the import');
    assert.ok(datasets[0].stats && Object.keys(datasets[0].stats).length > 0, 'stats from the import');
  } finally {
    db.close();
  }

  // A second start keeps the folder and the rows as they are.
  const modelSha = sha(join(first.modelDir, 'model.safetensors'));
  const mtime = statSync(join(first.modelDir, 'model.safetensors')).mtimeMs;
  const second = await ensureDemoAssets(home);
  assert.equal(second.createdModel, false);
  assert.equal(second.model.id, first.model.id);
  assert.equal(second.dataset.id, first.dataset.id);
  assert.equal(statSync(join(first.modelDir, 'model.safetensors')).mtimeMs, mtime);

  // A damaged folder (marker gone: a first start that was killed) is rebuilt identically: weights are seeded.
  writeFileSync(join(first.modelDir, '.tuneloom-demo.json'), '{');
  const third = await ensureDemoAssets(home);
  assert.equal(third.createdModel, true);
  assert.equal(sha(join(first.modelDir, 'model.safetensors')), modelSha);
  assert.ok(!existsSync(join(home, 'demo', `model.tmp-${process.pid}`)));
});

test('the handbook sample is ~40 Chinese Q&A chats in the conversations format', () => {
  const lines = readFileSync(join(repoRoot, 'resources/demo', DEMO_DATASET_FILE), 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  assert.ok(lines.length >= 40, `${lines.length} examples`);
  for (const [i, line] of lines.entries()) {
    const ex = JSON.parse(line) as { conversations: { role: string; content: string }[] };
    assert.deepEqual(
      ex.conversations.map((m) => m.role),
      ['user', 'assistant'],
      `line ${i + 1}`,
    );
    assert.ok(
      ex.conversations.every((m) => /[\u4e00-\u9fff]/.test(m.content) && m.content.length < 200),
      `line ${i + 1}`,
    );
  }
  const questions = new Set(lines.map((l) => (JSON.parse(l) as { conversations: { content: string }[] }).conversations[0].content));
  assert.equal(questions.size, lines.length, 'no duplicate questions');
});
