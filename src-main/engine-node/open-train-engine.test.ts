import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseConfig } from '../engine/config/normalise-config';
import { SHAPES } from '../../scripts/synthetic-checkpoint';
import { defaultFrozenType, frozenWeightsBytes } from '../engine/planner/ggml-memory';
import { chooseTrainEngine, frozenFitProblem } from './open-train-engine';

const cfg7b = normaliseConfig({ ...SHAPES['qwen2.5-7b'], architectures: ['Qwen2ForCausalLM'] } as Record<string, unknown>, 'config.json');

test('a model that does not fit says how much it needs and which --weights fit, in one line', () => {
  const free = 12 * 2 ** 30; // a 12 GB card
  const line = frozenFitProblem(cfg7b, 'f16', free, 'CUDA0');
  assert.ok(line && !line.includes('\n'));
  assert.match(line, /need \d+\.\d GiB in f16 on CUDA0, which has 12\.0 GiB free; use --weights q4 \(\d\.\d GiB\)/);
  assert.equal(frozenFitProblem(cfg7b, 'q4_0', free, 'CUDA0'), undefined);
  assert.equal(defaultFrozenType(cfg7b, free), 'q4_0');
  assert.ok(frozenWeightsBytes(cfg7b, 'q4_0') < 9 * 2 ** 30, 'the 7B shape in q4 with transposed copies stays under 9 GiB');
});

test('LoRA and P-Tuning v2 train on ggml; the old tfjs names map to ggml backends with a one-line notice', () => {
  assert.deepEqual(chooseTrainEngine('lora', 'auto'), { engine: 'ggml', backend: 'auto' });
  assert.deepEqual(chooseTrainEngine('ptuning', 'vulkan'), { engine: 'ggml', backend: 'vulkan' });
  assert.deepEqual(chooseTrainEngine('lora', 'wasm'), {
    engine: 'ggml',
    backend: 'cpu',
    notice: '--backend wasm is a name of the old engine; using --backend cpu',
  });
  assert.deepEqual(chooseTrainEngine('lora', 'tensorflow'), {
    engine: 'ggml',
    backend: 'cpu',
    notice: '--backend tensorflow is a name of the old engine; using --backend cpu',
  });
  assert.deepEqual(chooseTrainEngine('ptuning', 'webgpu'), {
    engine: 'ggml',
    backend: 'vulkan',
    notice: '--backend webgpu is a name of the old engine; using --backend vulkan',
  });
  assert.throws(() => chooseTrainEngine('lora', 'tpu'), /unknown backend "tpu"/);
});
