/**
 * GRPO learns for real on the project's tiny model (test-support/tiny-model.ts, random weights): the
 * task is "put character C in the answer", scored by a user reward file in the sandbox. C is chosen
 * by measurement: a one-step run with a zero reward gives the base model's first 32 completions (the
 * same seed gives the real run the same first samples), and C is a character that 1 to 3 of them
 * contain, so the base model rarely earns the reward (start <= 0.1); within 30 steps on cpu the mean
 * reward reaches at least 0.8. The same run also shows the sandbox holding inside a run: a
 * reward file that loops forever scores 0 with a logged reason, and the run still completes.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../test-support/paths';
import { writeTinyModel } from '../test-support/tiny-model';
import { TRAIN_DEFAULTS, type TrainConfig } from '../engine/train/train-config';
import type { RewardsEvent, TrainEvent } from '../engine/train/train-events';
import { GRPO_DEFAULTS } from '../engine/train/grpo/grpo-config';
import { runTraining } from './run-training';

const root = tempDir('tuneloom-grpo-');
let modelDir: string;
let dataFile: string;

const QUESTIONS = [
  'Say the magic letter.',
  'What is the letter?',
  'Tell me the secret.',
  'Answer with the letter.',
  'Which letter wins?',
  'Name it.',
  'Go on.',
  'Your answer?',
];

before(() => {
  modelDir = writeTinyModel(join(root, 'tiny'));
  dataFile = join(root, 'prompts.jsonl');
  writeFileSync(
    dataFile,
    QUESTIONS.map((q) =>
      JSON.stringify({
        messages: [
          { role: 'user', content: q },
          { role: 'assistant', content: 'X' },
        ],
      }),
    ).join('\n') + '\n',
  );
});

function grpoConfig(name: string, rewardFile: string, over: Partial<TrainConfig> = {}, grpo: Partial<TrainConfig['grpo'] & object> = {}): TrainConfig {
  writeFileSync(join(root, `${name}.js`), rewardFile);
  return {
    ...TRAIN_DEFAULTS,
    model: modelDir,
    data: dataFile,
    out: join(root, name),
    loraTargets: 'all-linear',
    loraDropout: 0,
    lr: 3e-3,
    scheduler: 'constant',
    batchSize: 4,
    valSplit: 0,
    maxLen: 64,
    maxSteps: 30,
    ...over,
    grpo: { ...GRPO_DEFAULTS, numGenerations: 8, maxNewTokens: 6, rewards: [], rewardFile: join(root, `${name}.js`), ...grpo },
  };
}

async function run(cfg: TrainConfig, stopWhen?: (e: RewardsEvent) => boolean): Promise<TrainEvent[]> {
  const events: TrainEvent[] = [];
  let stop = false;
  await runTraining(
    cfg,
    {
      emit: (e) => {
        events.push(e);
        if (e.type === 'rewards' && stopWhen?.(e)) stop = true;
      },
      control: { shouldStop: () => stop },
    },
    { backend: 'cpu', weights: 'f32' },
  );
  return events;
}

test('GRPO on the tiny model: the mean reward rises from near 0 to >= 0.8 within 30 steps', async () => {
  const base = (await run(grpoConfig('base', 'function reward() { return 0 }', { maxSteps: 1 }))).flatMap((e) =>
    e.type === 'rewards' ? e.completions.map((c) => c.completion) : [],
  );
  assert.equal(base.length, 32);
  const counts = new Map<string, number>();
  for (const c of base) for (const ch of new Set(c)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const rare = [...counts].filter(([, n]) => n >= 1 && n <= 3).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  assert.ok(rare.length, `no rare character in ${JSON.stringify(base)}`);
  const target = rare[0][0];
  const events = await run(
    grpoConfig('letter', `export function reward(prompt, completion) { return completion.includes(${JSON.stringify(target)}) ? 1 : 0 }`),
    (e) => e.step >= 5 && e.meanReward >= 0.9,
  );
  const rewards = events.filter((e): e is RewardsEvent => e.type === 'rewards');
  const means = rewards.map((e) => e.meanReward);
  assert.ok(means[0] <= 0.1, `the base model rarely earns the reward: ${means[0]}`);
  assert.ok(means[means.length - 1] >= 0.8, `mean reward over ${means.length} steps: ${means.map((m) => m.toFixed(2)).join(' ')}`);
  const last = rewards[rewards.length - 1];
  assert.equal(last.completions.length, 4 * 8, 'every completion of the step with its reward');
  assert.ok(last.completions.every((c) => c.reward === (c.completion.includes(target) ? 1 : 0) && c.parts.custom === c.reward));
  assert.ok(last.kl > 0 && Number.isFinite(last.kl), `KL to the reference after training: ${last.kl}`);
  assert.ok(last.completionLength > 0 && last.completionLength <= 6);
  assert.equal(last.correctFraction, null, 'no correctness reward in this run');
  const done = events.find((e) => e.type === 'done');
  assert.ok(done && done.type === 'done' && done.step === means.length);
});

test('a reward file that loops forever scores 0 with a logged reason, and the run completes', async () => {
  const events = await run(
    grpoConfig('loop', 'function reward() { for (;;) {} }', { maxSteps: 2, batchSize: 1 }, { numGenerations: 2, maxNewTokens: 2, rewardTimeoutMs: 20 }),
  );
  const rewards = events.filter((e): e is RewardsEvent => e.type === 'rewards');
  assert.deepEqual(
    rewards.map((e) => e.meanReward),
    [0, 0],
  );
  const logs = events.flatMap((e) => (e.type === 'log' && e.level === 'warn' ? [e.message] : []));
  assert.equal(
    logs.filter((m) => /reward custom scored 0 on 2 completion\(s\) at step \d: .*loop\.js: reward\(\) ran past 20 ms/.test(m)).length,
    2,
    logs.join('\n'),
  );
  const done = events.find((e) => e.type === 'done');
  assert.ok(done && done.type === 'done' && done.reason === 'completed' && done.step === 2);
});
