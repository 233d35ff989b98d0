/**
 * One split (issue #19): the examples training holds out are exactly those `tuneloom eval --split
 * validation` scores, by index and by content. Before, at n = 1000, 48 of 50 "validation" examples
 * had been trained on (two functions, three generators).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isChat } from '../data/types';
import { splitValidation } from '../engine/train/train-data';
import { runTuneloom } from '../test-support/cli';
import { tempDir, tinyQwen2Model } from '../test-support/paths';
import { readExamples } from '../engine-node/node-train-io';

test("training's held-out examples are eval's --split validation examples, by index and content", async () => {
  const dir = tempDir('tuneloom-one-split-');
  const data = join(dir, 'qa.jsonl');
  const N = 1000;
  writeFileSync(
    data,
    Array.from({ length: N }, (_, i) =>
      JSON.stringify({
        messages: [
          { role: 'user', content: `q${i}` },
          { role: 'assistant', content: `a${i}` },
        ],
      }),
    ).join('\n') + '\n',
  );
  const valSplit = 0.05;
  const seed = 42;

  // Training: the worker's reader and the split call of train-loop (positions in the examples as read).
  const { examples } = await readExamples(data, undefined);
  const held = splitValidation(
    examples.map((_, i) => i),
    valSplit,
    seed,
  ).val;
  assert.equal(held.length, 50);

  // Eval: the real command, as the Evaluate tab runs it for a run trained with these settings.
  const r = await runTuneloom([
    'eval',
    '--model',
    tinyQwen2Model,
    '--data',
    data,
    '--split',
    'validation',
    '--val-split',
    String(valSplit),
    '--seed',
    String(seed),
    '--max-new-tokens',
    '1',
    '--metrics',
    'bleu',
    '--backend',
    'cpu',
    '--db',
    join(dir, 'store.db'),
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { predictions: { reference: string }[] };
  const evalIndices = out.predictions.map((p) => Number(/^a(\d+)$/.exec(p.reference)![1]));
  assert.deepEqual(evalIndices, held, 'the same examples, in the same order');
  const heldAnswers = held.map((i) => {
    const ex = examples[i]!;
    return isChat(ex) ? ex.messages.at(-1)!.content : ex.text;
  });
  assert.deepEqual(
    out.predictions.map((p) => p.reference),
    heldAnswers,
  );
});
