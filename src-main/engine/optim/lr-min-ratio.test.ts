/**
 * --lr-min-ratio (TRAIN_SETTINGS.lrMinRatio): linear and cosine decay end at r x lr instead of 0, as
 * transformers' cosine_with_min_lr (lambda = decay x (1 - r) + r); 0, the default, is the old schedule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { lrAt } from './schedule';
import { runTuneloom } from '../../test-support/cli';
import { tempDir, tinyQwen2Model } from '../../test-support/paths';
import { TRAIN_DEFAULTS } from '../train/train-config';

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 + 1e-9 * Math.abs(b);

test('the floor lifts linear and cosine decay onto [r, 1] and leaves warmup and constant alone', () => {
  const base = { baseLr: 1, totalSteps: 10, warmupSteps: 2 };
  // Warmup is the same with or without a floor.
  assert.deepEqual(
    [0, 1].map((s) => lrAt({ ...base, kind: 'linear', minLrRatio: 0.2 }, s)),
    [0, 0.5],
  );
  // Linear: (10 - s) / 8 lifted: at s = 6, 0.5 -> 0.5 x 0.8 + 0.2 = 0.6; at the end, 0 -> 0.2.
  assert.ok(close(lrAt({ ...base, kind: 'linear', minLrRatio: 0.2 }, 6), 0.6));
  assert.ok(close(lrAt({ ...base, kind: 'linear', minLrRatio: 0.2 }, 10), 0.2));
  // Cosine ends at the floor, half way it is (1 + r) / 2.
  assert.ok(close(lrAt({ ...base, kind: 'cosine', minLrRatio: 0.1 }, 10), 0.1));
  assert.ok(close(lrAt({ ...base, kind: 'cosine', minLrRatio: 0.1 }, 6), 0.55));
  assert.equal(lrAt({ ...base, kind: 'constant', minLrRatio: 0.5 }, 9), 1);
  // 0 (the default) and absent (configs and checkpoints from before the setting) are the old schedule.
  assert.equal(TRAIN_DEFAULTS.lrMinRatio, 0);
  for (const kind of ['linear', 'cosine'] as const) {
    for (let s = 0; s <= 10; s++) assert.equal(lrAt({ ...base, kind, minLrRatio: 0 }, s), lrAt({ ...base, kind }, s));
  }
});

test("`tuneloom train --lr-min-ratio 0.5` reaches the trainer: the steps' learning rates stop at half the peak", async () => {
  const root = tempDir();
  const data = join(root, 'chat.jsonl');
  const chat = {
    messages: [
      { role: 'user', content: 'What is the capital of France?' },
      { role: 'assistant', content: 'Paris.' },
    ],
  };
  writeFileSync(data, `${JSON.stringify(chat)}\n`);
  const lrs = async (extra: string[], out: string) => {
    const r = await runTuneloom(
      [
        'train',
        '--model',
        tinyQwen2Model,
        '--data',
        data,
        '--out',
        join(root, out),
        '--max-steps',
        '4',
        '--lr',
        '0.001',
        '--scheduler',
        'linear',
        '--backend',
        'cpu',
        '--json',
        ...extra,
      ],
      { env: { TUNELOOM_HOME: join(root, 'home') } },
    );
    assert.equal(r.code, 0, r.stderr);
    return r.stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { type: string; lr?: number })
      .filter((e) => e.type === 'step')
      .map((e) => e.lr!);
  };
  const plain = await lrs([], 'plain');
  const floored = await lrs(['--lr-min-ratio', '0.5'], 'floored');
  // Linear over 4 steps: 1, 3/4, 1/2, 1/4 of the peak; with the floor 0.5: 1, 7/8, 3/4, 5/8.
  [1, 0.75, 0.5, 0.25].forEach((f, i) => assert.ok(close(plain[i]!, 0.001 * f), `step ${i + 1}: ${plain[i]} vs ${0.001 * f}`));
  [1, 0.875, 0.75, 0.625].forEach((f, i) => assert.ok(close(floored[i]!, 0.001 * f), `step ${i + 1}: ${floored[i]} vs ${0.001 * f}`));
});

test('a floor outside [0, 1] is one line naming the flag', async () => {
  const root = tempDir();
  const r = await runTuneloom(['train', '--model', tinyQwen2Model, '--data', join(root, 'x.jsonl'), '--out', join(root, 'o'), '--lr-min-ratio', '1.5'], {
    env: { TUNELOOM_HOME: join(root, 'home') },
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--lr-min-ratio must be in \[0, 1\], got 1\.5/);
});
