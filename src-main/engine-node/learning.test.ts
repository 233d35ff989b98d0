/**
 * Learning is real: on the project's tiny model (test-support/tiny-model.ts) LoRA and P-Tuning v2
 * each at least halve the training loss on 32 chats the test writes, and greedy generation with the
 * adapter reloaded from its PEFT folder reproduces a trained answer. LoRA trains on the ggml engine
 * (cpu), also with q4_0 frozen weights, and so does P-Tuning v2; the reloaded adapters answer through
 * the inference session (`tuneloom generate`'s loader: f32 weights, the adapter read from its PEFT
 * folder), so the saved files are checked, not the trainer's live parameters.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../test-support/paths';
import { writeTinyModel } from '../test-support/tiny-model';
import { SHARED_ANSWER, TOPIC_ANSWERS, writeLearningData } from '../test-support/learning-data';
import { TRAIN_DEFAULTS, type TrainConfig } from '../engine/train/train-config';
import type { TrainEvent } from '../engine/train/train-events';
import { openGgmlInferenceSession } from './ggml-session';
import { generateGgml } from '../engine/ggml/generate';
import { nativeMemory } from '../engine/ggml/owners';
import { runTraining } from './run-training';
import type { FrozenType } from '../engine/ggml-train/frozen-weights';
import { runTuneloom } from '../test-support/cli';

const root = tempDir();
let modelDir: string;
let topicsFile: string;
let oneAnswerFile: string;

before(() => {
  modelDir = writeTinyModel(join(root, 'tiny'));
  topicsFile = writeLearningData(join(root, 'topics.jsonl'));
  oneAnswerFile = writeLearningData(join(root, 'one-answer.jsonl'), true);
});

const events: TrainEvent[] = [];

async function train(overrides: Partial<TrainConfig>, engine: { backend: string; weights?: FrozenType } = { backend: 'cpu' }): Promise<number[]> {
  events.length = 0;
  await runTraining(
    {
      ...TRAIN_DEFAULTS,
      model: modelDir,
      data: topicsFile,
      out: join(root, overrides.method ?? 'lora'),
      batchSize: 4,
      scheduler: 'constant',
      loraDropout: 0,
      valSplit: 0,
      ...overrides,
    },
    { emit: (e) => events.push(e) },
    engine,
  );
  return events.flatMap((e) => (e.type === 'step' ? [e.loss] : []));
}

/** Greedy answer to `question` with the adapter loaded back from its saved folder. */
async function answer(adapterDir: string, question: string): Promise<string> {
  const session = await openGgmlInferenceSession({ model: modelDir, adapter: adapterDir, backend: 'cpu', weights: 'f32' });
  try {
    const tok = session.tokenizer;
    const ids = tok.encode(tok.renderChat([{ role: 'user', content: question }], { addGenerationPrompt: true }));
    const out = await generateGgml(session.model, ids, {
      maxNewTokens: 24,
      sampling: { greedy: true },
      eosTokenIds: session.config.eosTokenIds,
      prefix: session.prefix,
    });
    return tok.decode(out.ids, { skipSpecialTokens: true });
  } finally {
    session.dispose();
  }
}

test('LoRA (all-linear, r 8) halves the loss and reproduces the trained answer of every topic', async () => {
  const prompts = join(root, 'prompts.json');
  writeFileSync(prompts, JSON.stringify(['What color is it?']));
  // A validation file (4 of the training chats) exercises the eval plumbing without a held-out topic.
  const val = join(root, 'val.jsonl');
  writeFileSync(val, readFileSync(topicsFile, 'utf8').split('\n').slice(0, 4).join('\n') + '\n');
  const losses = await train(
    { method: 'lora', loraTargets: 'all-linear', lr: 1e-2, epochs: 6, samplePrompts: prompts, valData: val },
    { backend: 'cpu', weights: 'f32' },
  );
  const first = losses[0];
  const last = losses.slice(-4).reduce((a, b) => a + b, 0) / 4;
  assert.ok(last <= first / 2, `loss ${first} -> ${last}`);
  const dir = join(root, 'lora');
  assert.ok(existsSync(join(dir, 'adapter_model.safetensors')));
  assert.equal(await answer(dir, 'What color is it?'), TOPIC_ANSWERS.color);
  // The run's own end-of-training sample and validation loss.
  const sample = events.find((e) => e.type === 'sample');
  assert.ok(sample && sample.type === 'sample' && sample.output === TOPIC_ANSWERS.color, JSON.stringify(sample));
  const evalEvent = events.find((e) => e.type === 'eval');
  assert.ok(evalEvent && evalEvent.type === 'eval' && evalEvent.examples === 4 && evalEvent.loss < first / 2, JSON.stringify(evalEvent));
  assert.equal(await answer(dir, 'Name the animal.'), TOPIC_ANSWERS.animal);
  assert.equal(await answer(dir, 'Which capital?'), TOPIC_ANSWERS.capital);
  assert.equal(await answer(dir, 'number, please.'), TOPIC_ANSWERS.number);
  const left = nativeMemory();
  assert.equal(left.totalBytes, 0, `the run and the reloads released their native memory (${JSON.stringify(left)} left)`);
});

test('LoRA on q4_0 frozen weights (QLoRA-style) halves the loss and reproduces a trained answer', async () => {
  const prompts = join(root, 'prompts-q4.json');
  writeFileSync(prompts, JSON.stringify(['What color is it?', 'Which capital?']));
  const losses = await train(
    { method: 'lora', out: join(root, 'lora-q4'), loraTargets: 'all-linear', lr: 1e-2, epochs: 12, samplePrompts: prompts },
    { backend: 'cpu', weights: 'q4_0' },
  );
  const first = losses[0];
  const last = losses.slice(-4).reduce((a, b) => a + b, 0) / 4;
  assert.ok(last <= first / 2, `loss ${first} -> ${last}`);
  // The run's own end-of-training samples run on the same q4_0 base the adapter was trained against.
  const samples = events.flatMap((e) => (e.type === 'sample' ? [e.output] : []));
  assert.deepEqual(samples.slice(-2), [TOPIC_ANSWERS.color, TOPIC_ANSWERS.capital]);
});

test('P-Tuning v2 prefix tuning halves the loss and reproduces the trained answer', async () => {
  const losses = await train({ method: 'ptuning', data: oneAnswerFile, prefixLen: 8, lr: 1e-1, epochs: 6 }, { backend: 'cpu', weights: 'f32' });
  const first = losses[0];
  const last = losses.slice(-4).reduce((a, b) => a + b, 0) / 4;
  assert.ok(last <= first / 2, `loss ${first} -> ${last}`);
  const dir = join(root, 'ptuning');
  const cfg = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'));
  assert.equal(cfg.peft_type, 'PREFIX_TUNING');
  assert.equal(cfg.num_virtual_tokens, 8);
  assert.equal(cfg.token_dim, 2 * 16, 'token_dim = nKv * head_dim, as peft sets it for GQA');
  assert.equal(await answer(dir, 'What color is it?'), SHARED_ANSWER);
  assert.equal(await answer(dir, 'Name the animal.'), SHARED_ANSWER);
  // The inference CLI applies a PREFIX_TUNING adapter too.
  const r = await runTuneloom([
    'generate',
    '--model',
    modelDir,
    '--adapter',
    dir,
    '--prompt',
    'Which capital?',
    '--greedy',
    '--max-new-tokens',
    '16',
    '--json',
    '--backend',
    'wasm',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).text, SHARED_ANSWER);
});
