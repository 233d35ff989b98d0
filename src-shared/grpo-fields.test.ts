import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GrpoSettings } from './ipc-contract';
import { grpoProblems } from './grpo-fields';

const ok: GrpoSettings = { numGenerations: 4, beta: 0.04, maxNewTokens: 128, temperature: 1, rewards: ['format', 'correct'] };

test('valid GRPO fields have no problem; each bad field is one problem', () => {
  assert.deepEqual(grpoProblems(ok, 512), []);
  assert.deepEqual(grpoProblems({ ...ok, rewards: [], rewardFile: '/home/u/my-reward.js' }, 512), []);
  assert.deepEqual(grpoProblems({ ...ok, numGenerations: 1 }, 512), ['numGenerations']);
  assert.deepEqual(grpoProblems({ ...ok, numGenerations: 2.5 }, 512), ['numGenerations']);
  assert.deepEqual(grpoProblems({ ...ok, beta: -0.1 }, 512), ['beta']);
  assert.deepEqual(grpoProblems({ ...ok, maxNewTokens: 0 }, 512), ['maxNewTokens']);
  assert.deepEqual(grpoProblems({ ...ok, maxNewTokens: 512 }, 512), ['room'], 'no room left for the prompt');
  assert.deepEqual(grpoProblems({ ...ok, temperature: 0 }, 512), ['temperature']);
  assert.deepEqual(grpoProblems({ ...ok, rewards: [] }, 512), ['rewards']);
  assert.deepEqual(grpoProblems({ ...ok, rewards: [], rewardFile: '  ' }, 512), ['rewards']);
  assert.deepEqual(grpoProblems({ ...ok, rewardFile: '/home/u/reward.py' }, 512), ['rewardFile']);
});

test('cleared number inputs (null) are problems, not crashes', () => {
  const cleared = { ...ok, numGenerations: null, beta: null, maxNewTokens: null, temperature: null } as unknown as GrpoSettings;
  assert.deepEqual(grpoProblems(cleared, 512), ['numGenerations', 'beta', 'maxNewTokens', 'temperature']);
});
