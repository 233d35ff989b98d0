/**
 * The playground's `tuneloom generate` children: both ways of budget forcing reach the CLI (a cap and
 * "Wait" extensions), and what it did comes back from the child's stderr line to the column's done
 * callback, through a real child on the tiny fixture.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tinyQwen2Model } from '../../test-support/paths';
import type { PlaygroundThinking } from '../../../src-shared/ipc-contract';
import { generateArgs, startColumns, thinkingOfResult } from './generate-process';

const col = { key: 'base', modelPath: '/m' };

test('the cap and the Wait extensions become --think-budget / --think-wait; none of them without', () => {
  const args = generateArgs(col, { messages: [], maxNewTokens: 8, greedy: true, thinkBudget: 64, thinkWait: 2 }, '/tmp/m.json');
  assert.deepEqual(args.slice(args.indexOf('--think-budget'), args.indexOf('--think-budget') + 4), ['--think-budget', '64', '--think-wait', '2']);
  const waitOnly = generateArgs(col, { messages: [], maxNewTokens: 8, thinkWait: 3 }, '/tmp/m.json');
  assert.ok(!waitOnly.includes('--think-budget') && waitOnly.includes('--think-wait'));
  const plain = generateArgs(col, { messages: [], maxNewTokens: 8 }, '/tmp/m.json');
  assert.ok(!plain.some((a) => a.startsWith('--think')));
});

test('what was used is read from the result document; none, or a broken one, gives nothing', () => {
  const used = { budget: null, maxWaits: 2, tokens: 40, waits: 2, forcedClose: false };
  assert.deepEqual(thinkingOfResult({ thinking: used }), used);
  assert.equal(thinkingOfResult({}), undefined);
  assert.equal(thinkingOfResult({ thinking: '{oops' }), undefined);
});

test('a column with a thinking budget reports what it used when it is done', { timeout: 300_000 }, async () => {
  const done = await new Promise<{ error: string | null; thinking?: PlaygroundThinking; text: string }>((resolve) => {
    let text = '';
    startColumns(
      [{ key: 'base', modelPath: tinyQwen2Model }],
      { messages: [{ role: 'user', content: '你好<think>' }], maxNewTokens: 8, greedy: true, thinkBudget: 2, thinkWait: 1, backend: 'cpu' },
      {
        onDelta: (_, d) => (text += d),
        onDone: (_, error, thinking) => resolve({ error, thinking, text }),
      },
    );
  });
  assert.equal(done.error, null);
  // The random fixture never closes </think> itself: the budget closes it, no Wait is spent.
  assert.deepEqual(done.thinking, { budget: 2, maxWaits: 1, tokens: 2, waits: 0, forcedClose: true });
  assert.ok(done.text.length > 0);
});
