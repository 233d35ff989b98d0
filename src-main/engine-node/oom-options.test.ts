import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TRAIN_DEFAULTS } from '../engine/train/train-config';
import { tinyQwen2Model } from '../test-support/paths';
import { outOfMemoryError } from './oom-options';

test("an out-of-memory run's error is one line with the planner's concrete options, and carries them for the UI", () => {
  const cfg = { ...TRAIN_DEFAULTS, model: tinyQwen2Model, data: '/d.jsonl', out: '/o', batchSize: 4, gradAccum: 2, maxLen: 1024 };
  const e = outOfMemoryError({ name: 'RangeError', message: 'Array buffer allocation failed\n    at new Float32Array', kind: 'oom' }, cfg, 'cpu', 7);
  assert.equal(e.kind, 'oom');
  assert.ok(!e.message.includes('\n'), e.message);
  assert.match(e.message, /^out of memory on cpu after step 7 \(Array buffer allocation failed\) — the memory planner's options: /);
  assert.match(e.message, /--gradient-checkpointing \(~\d+\.\d GiB\)/);
  assert.match(e.message, /--batch-size 1 --grad-accum 8 \(~\d+\.\d GiB\)/, 'the smaller batch keeps the effective batch');
  assert.match(e.message, /--max-len \d+ \(~\d+\.\d GiB\)/);
  const keys = e.options!.map((o) => o.key);
  // Every run trains on ggml, so 4-bit frozen weights are among the options (the old tfjs engine had none).
  assert.deepEqual([...keys].sort(), ['gradient-checkpointing', 'shorter-max-len', 'smaller-batch', 'weights-4bit']);
  for (const o of e.options!) assert.ok(o.totalBytes > 0);
});

test('on a ggml backend the options include 4-bit frozen weights, as --weights q4', () => {
  const cfg = {
    ...TRAIN_DEFAULTS,
    model: tinyQwen2Model,
    data: '/d.jsonl',
    out: '/o',
    batchSize: 4,
    gradAccum: 1,
    maxLen: 1024,
    frozenWeights: 'f32' as const,
  };
  const e = outOfMemoryError(
    { name: 'BackendAllocationError', message: 'the backend could not allocate memory for a training step of 4 x 1024 tokens', kind: 'oom' },
    cfg,
    'cpu',
    1,
  );
  assert.ok(!e.message.includes('\n'), e.message);
  assert.match(e.message, /--weights q4 \(~\d+\.\d GiB\)/);
  const q4 = e.options!.find((o) => o.key === 'weights-4bit');
  const ckpt = e.options!.find((o) => o.key === 'gradient-checkpointing');
  assert.ok(q4 && ckpt, e.message);
  // The tiny fixture's cost is its 151,936-word head, not its weights: 4-bit weights save only their
  // 33.6 MB there (f32 39.1 MB -> q4_0 5.5 MB), so checkpointing is listed before them.
  assert.ok(q4.totalBytes > ckpt.totalBytes);
});

test('without planner figures the kind and cause still go out, with the generic advice', () => {
  const cfg = { ...TRAIN_DEFAULTS, model: '/no/such/model', data: '/d.jsonl', out: '/o' };
  const e = outOfMemoryError({ name: 'RuntimeError', message: 'Aborted(OOM)', kind: 'oom' }, cfg, null, null);
  assert.equal(e.message, 'out of memory (Aborted(OOM)) — lower --batch-size or --max-len, or turn on --gradient-checkpointing');
  assert.deepEqual(e.options, []);
});
