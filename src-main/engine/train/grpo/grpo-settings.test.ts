/**
 * The GRPO settings are declared once (grpo-settings.ts) and everything else follows from the table:
 * the defaults, the trainer's check, the CLI's options and --help, the launch validator and the
 * wizard's check. Each test here walks the table, so a new GRPO setting is checked without a new test.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trainCommand } from '../../../cli/commands/train';
import { grpoProblems, type GrpoProblem } from '../../../../src-shared/grpo-fields';
import { validateRequest, type GrpoSettings } from '../../../../src-shared/ipc-contract';
import { UserError } from '../../errors';
import { wizardLaunchRequest } from '../../../test-support/launch-request';
import { TRAIN_DEFAULTS, type TrainConfig } from '../train-config';
import { validateTrainConfig } from '../validate-config';
import { GRPO_DEFAULTS } from './grpo-config';
import { GRPO_LAUNCH_NUMBER_KEYS, GRPO_SETTING_KEYS, grpoSetting } from './grpo-settings';

test("the defaults are TRL's GRPOConfig's where it has them, and 128 new tokens", () => {
  assert.deepEqual(
    { ...GRPO_DEFAULTS },
    { numGenerations: 4, beta: 0.04, epsilon: 0.2, maxNewTokens: 128, temperature: 1, topP: 1, topK: 0, rewards: ['format', 'correct'], rewardTimeoutMs: 1000 },
  );
});

test('every GRPO setting is an option of `tuneloom train` under each spelling, with a --help line', () => {
  const help = trainCommand.help;
  for (const key of GRPO_SETTING_KEYS) {
    const s = grpoSetting(key);
    for (const f of s.alias ? [s.flag, s.alias] : [s.flag]) assert.ok(f in trainCommand.options, `--${f} is an option`);
    assert.match(help, new RegExp(`^  --${s.flag} `, 'm'), `--${s.flag} has a --help line`);
  }
});

function configWith(grpo: Record<string, unknown>): TrainConfig {
  return { ...TRAIN_DEFAULTS, model: '/m', data: '/d.jsonl', out: '/o', grpo: { ...GRPO_DEFAULTS, ...grpo } } as unknown as TrainConfig;
}

test("the trainer refuses each GRPO number outside the table's bounds, in one line naming its flag", () => {
  validateTrainConfig(configWith({}));
  for (const key of GRPO_SETTING_KEYS) {
    const s = grpoSetting(key);
    if (s.kind !== 'int' && s.kind !== 'number') continue;
    const below = s.bounds.min === undefined ? Number.NaN : s.bounds.minOpen ? s.bounds.min : s.bounds.min - 1;
    assert.throws(
      () => validateTrainConfig(configWith({ [key]: below })),
      (e: unknown) => e instanceof UserError && e.message.startsWith(`--${s.flag} must be`) && !e.message.includes('\n'),
      `${key} = ${below}`,
    );
  }
});

const LAUNCH = wizardLaunchRequest();
test('the launch validator and the wizard agree on the bounds of every GRPO number the wizard sets', () => {
  const grpo: GrpoSettings = { numGenerations: 4, beta: 0.04, maxNewTokens: 128, temperature: 1, rewards: ['format'] };
  assert.deepEqual(validateRequest('runs.launch', { ...LAUNCH, grpo }).grpo, grpo);
  for (const key of GRPO_LAUNCH_NUMBER_KEYS) {
    const s = grpoSetting(key);
    if (s.kind !== 'int' && s.kind !== 'number') continue;
    const b = s.launchBounds ?? s.bounds;
    const edges: [number, boolean][] = [];
    if (b.min !== undefined) edges.push([b.min, !b.minOpen], [b.min - 0.5, false]);
    if (b.max !== undefined) edges.push([b.max, !b.maxOpen], [b.max + 1, false]);
    if (s.kind === 'int') edges.push([(b.min ?? 0) + 2.5, false]);
    for (const [value, ok] of edges) {
      const g = { ...grpo, maxNewTokens: key === 'maxNewTokens' ? value : 4, [key]: value };
      const launch = () => validateRequest('runs.launch', { ...LAUNCH, maxLen: 1 << 17, grpo: g });
      if (ok) launch();
      else assert.throws(launch, `the validator refuses ${key} = ${value}`);
      assert.equal(grpoProblems(g, 1 << 17).includes(key as GrpoProblem), !ok, `the wizard on ${key} = ${value}`);
    }
  }
});
