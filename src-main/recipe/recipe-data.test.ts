/**
 * The exported datasets mean the same chats: rows read through our own importers, written in each
 * target's format, then read back by the target's documented rules (LLaMA-Factory data/README.md and
 * converter.py; axolotl's chat_template message mappings) give the very same messages.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readExamples } from '../engine-node/node-train-io';
import { tempDir } from '../test-support/paths';
import type { Example } from '../data/types';
import { fromAxolotl, fromLlamaFactory, toAxolotl, toLlamaFactory } from './recipe-data';
import { checkDatasetInfo } from './target-schemas';

const dir = tempDir('tuneloom-recipe-data-');
async function read(name: string, lines: unknown[], format?: string): Promise<Example[]> {
  const file = join(dir, name);
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return (await readExamples(file, format)).examples;
}

function roundTrip(examples: Example[]): { lf: string } {
  const lf = toLlamaFactory(examples);
  assert.deepEqual(checkDatasetInfo({ file_name: 'x.json', ...lf.info }), []);
  assert.deepEqual(
    lf.rows.map((r) => fromLlamaFactory(JSON.parse(JSON.stringify(r)) as Record<string, unknown>, lf.info)),
    examples,
    'LLaMA-Factory reads back the same chats',
  );
  const ax = toAxolotl(examples);
  assert.deepEqual(
    ax.rows.map((r) => fromAxolotl(JSON.parse(JSON.stringify(r)) as Record<string, unknown>, ax.entry)),
    examples,
    'axolotl reads back the same chats',
  );
  return { lf: lf.formatting };
}

test('alpaca rows (instruction + input, system) stay alpaca for LLaMA-Factory and read back as the same chats', async () => {
  const ex = await read(
    'alpaca.jsonl',
    [
      { instruction: '把这句话翻译成英文', input: '今天天气很好', output: 'The weather is nice today.' },
      { instruction: 'Say hi', input: '', output: 'Hi!', system: 'You are terse.' },
      { instruction: 'Line\nbreaks and "quotes"', output: ' keeps  spaces ' },
    ],
    'alpaca',
  );
  assert.equal('messages' in ex[0], true);
  assert.deepEqual(roundTrip(ex), { lf: 'alpaca' });
});

test('multi-turn chats and alpaca history become sharegpt with role/content tags and read back exactly', async () => {
  const ex = await read('multi.jsonl', [
    {
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'c' },
        { role: 'assistant', content: 'd' },
      ],
    },
    {
      messages: [
        { role: 'user', content: 'one turn' },
        { role: 'assistant', content: 'ok' },
      ],
    },
  ]);
  assert.deepEqual(roundTrip(ex), { lf: 'sharegpt' });
  const hist = await read('history.jsonl', [{ instruction: 'now?', output: 'yes', history: [['before?', 'no']] }], 'alpaca');
  assert.deepEqual(roundTrip(hist), { lf: 'sharegpt' });
});

test('CoT rows keep their <think> answer verbatim in both targets', async () => {
  const ex = await read('cot.jsonl', [{ Question: '2+2?', Complex_CoT: 'Two and two\nmake four.', Response: '4' }], 'cot');
  assert.equal((ex[0] as { messages: { content: string }[] }).messages[1].content, '<think>\nTwo and two\nmake four.\n</think>\n\n4');
  assert.deepEqual(roundTrip(ex), { lf: 'alpaca' });
});

test('plain texts become pre-training rows (LLaMA-Factory prompt=text, axolotl completion)', async () => {
  const ex = await read('text.jsonl', [{ text: 'a document' }, { text: '第二篇' }], 'text');
  assert.deepEqual(roundTrip(ex), { lf: 'pretrain' });
});

test('a chat LLaMA-Factory would drop is refused by row, not written', () => {
  const bad: Example[] = [
    {
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a' },
      ],
    },
    {
      messages: [
        { role: 'user', content: 'q' },
        { role: 'user', content: 'again' },
        { role: 'assistant', content: 'a' },
      ],
    },
  ];
  assert.throws(() => toLlamaFactory(bad), /example 2 of the training set cannot be written for LLaMA-Factory: turn 2 is user where assistant must be/);
  assert.throws(() => toLlamaFactory([{ messages: [{ role: 'user', content: 'q' }] }]), /does not end with an assistant turn/);
});
