import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TextTokenizer } from '../tokenizer/text-tokenizer';
import { tinyQwen2Dir, tinyQwen2Model, tempDir } from '../../test-support/paths';
import { writeTinyModel } from '../../test-support/tiny-model';
import { labelByPrefixes, labelChat, type ChatEncoder } from './chat-labels';
import type { ChatMessage } from '../tokenizer/chat-template';
import { collate, packRows, prepareExamples, shiftLabels } from './batching';

function loadTokenizer(dir: string): TextTokenizer {
  return new TextTokenizer({
    tokenizerJson: JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')),
    tokenizerConfig: JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')),
    where: dir,
  });
}

/** The SFT chat of ../shared/tools/make_goldens.py, whose ids/labels goldens.json records. */
export const GOLDEN_SFT_MESSAGES = [
  { role: 'user', content: '华中科技大学博士生培养目标中，对学术能力有哪些要求？' },
  { role: 'assistant', content: '掌握坚实宽广的基础理论和系统深入的专门知识；具有独立从事科学研究的能力。' },
];

test('completion labels of the fixture chat equal goldens.json sft ids and labels exactly', () => {
  const golden = JSON.parse(readFileSync(join(tinyQwen2Dir, 'goldens.json'), 'utf8')).sft as { ids: number[]; labels: number[] };
  const tok = loadTokenizer(tinyQwen2Model);
  const ex = labelChat(tok, GOLDEN_SFT_MESSAGES, 'completion');
  assert.deepEqual(ex.ids, golden.ids);
  assert.deepEqual(ex.labels, golden.labels);
  const all = labelChat(tok, GOLDEN_SFT_MESSAGES, 'all');
  assert.deepEqual(all.labels, golden.ids);
});

test('multi-turn chats: every assistant turn is a target (with <|im_end|> and newline), user and system turns are masked', () => {
  const tok = loadTokenizer(writeTinyModel(join(tempDir(), 'tiny')));
  const ex = labelChat(
    tok,
    [
      { role: 'system', content: 'S' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'yo' },
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'ab' },
    ],
    'completion',
  );
  const shown = ex.ids.map((id, i) => (ex.labels[i] === -100 ? '_' : tok.decode([id]))).join('');
  const prompt1 = '<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n';
  const prompt2 = '<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n';
  const masked = (s: string) => '_'.repeat(tok.encode(s).length);
  assert.equal(shown, masked(prompt1) + 'yo<|im_end|>\n' + masked(prompt2) + 'ab<|im_end|>\n');
});

test('max-len truncation keeps the answer start; no room for the answer drops and counts the example', () => {
  const ex = (promptLen: number, answerLen: number) => {
    const ids = Array.from({ length: promptLen + answerLen }, (_, i) => i + 1);
    return { ids, labels: ids.map((id, i) => (i < promptLen ? -100 : id)) };
  };
  const r = prepareExamples([ex(3, 4), ex(6, 5), ex(10, 2), ex(7, 3)], 8);
  assert.deepEqual(
    r.kept.map((k) => k.source),
    [0, 1, 3],
  );
  assert.deepEqual(r.tooLong, [2]);
  assert.equal(r.truncated, 2);
  assert.deepEqual(r.kept[1].ids, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(r.kept[1].targets, [-100, -100, -100, -100, -100, 7, 8, -100]);
  assert.deepEqual(shiftLabels([-100, 5, 6]), [5, 6, -100]);
});

test('padding and packing: right padding with a mask; packed rows restart positions and never predict across examples', () => {
  const a = { ids: [1, 2, 3], targets: [-100, 3, -100], source: 0 };
  const b = { ids: [4, 5], targets: [5, -100], source: 1 };
  const c = { ids: [6, 7, 8, 9], targets: [7, 8, 9, -100], source: 2 };
  const padded = collate([[a], [b]], 0, false);
  assert.equal(padded.steps, 3);
  assert.deepEqual(Array.from(padded.ids), [1, 2, 3, 4, 5, 0]);
  assert.deepEqual(Array.from(padded.attentionMask), [1, 1, 1, 1, 1, 0]);
  assert.deepEqual(Array.from(padded.targets), [-100, 3, -100, 5, -100, -100]);
  assert.equal(padded.numTargets, 2);
  const rows = packRows([a, c, b], 5);
  assert.deepEqual(
    rows.map((r) => r.map((e) => e.source)),
    [[0, 1], [2]],
  );
  const packed = collate(rows, 0, true);
  assert.deepEqual(Array.from(packed.segments!), [1, 1, 1, 2, 2, 1, 1, 1, 1, 0]);
  assert.deepEqual(Array.from(packed.positions!), [0, 1, 2, 0, 1, 0, 1, 2, 3, 0]);
  assert.deepEqual(Array.from(packed.targets), [-100, 3, -100, 5, -100, 7, 8, 9, -100, -100]);
});

/** A ChatEncoder that counts what it renders and encodes, to bound the labeller's work. */
function counting(tok: TextTokenizer) {
  const work = { renders: 0, encodedChars: 0 };
  const enc: ChatEncoder = {
    encode: (text) => {
      work.encodedChars += text.length;
      return tok.encode(text);
    },
    renderChat: (messages, opts) => {
      work.renders++;
      return tok.renderChat(messages, opts);
    },
  };
  return { enc, work };
}

function longChat(turns: number, system = true): ChatMessage[] {
  const out: ChatMessage[] = system ? [{ role: 'system', content: 'Be brief.' }] : [];
  for (let i = 0; i < turns; i++) {
    out.push({ role: 'user', content: `question ${i}: 你好，what is ${i} + ${i}?` });
    out.push({ role: 'assistant', content: `answer ${i}: ${2 * i}.` });
  }
  return out;
}

test('a 1,000-turn chat is labelled in linear work (a bounded number of renders, encodes within a few times its length)', () => {
  const tok = loadTokenizer(tinyQwen2Model);
  const messages = longChat(1000);
  const full = tok.renderChat(messages, { addGenerationPrompt: false });
  const { enc, work } = counting(tok);
  const ex = labelChat(enc, messages, 'completion');
  // The prefix-per-turn recipe renders 3 times per turn and encodes ~n^2/2 characters (here ~60M).
  assert.ok(work.renders <= 8, `${work.renders} renders`);
  assert.ok(work.encodedChars <= 6 * full.length, `${work.encodedChars} characters encoded for a ${full.length}-character chat`);
  assert.equal(ex.labels.filter((l) => l !== -100).length > 1000 * 4, true);
});

test('the linear labeller gives exactly the reference recipe labels (ChatML, and a Qwen3-style template that changes the last turn)', () => {
  const tok = loadTokenizer(tinyQwen2Model);
  for (const messages of [longChat(40), longChat(5, false), [...longChat(3), { role: 'user', content: 'and?' }]]) {
    const fast = labelChat(tok, messages, 'completion');
    const slow = labelByPrefixes(tok, messages);
    assert.deepEqual(fast, slow);
  }
  // The final turn gets an empty think block in the whole chat but not in its own prompt: the labels
  // of the reference include it; the linear path must agree (or fall back).
  const qwen3ish =
    "{%- for m in messages %}{{ '<|im_start|>' + m.role + '\\n' }}{%- if m.role == 'assistant' and loop.last %}{{ '<think>\\n\\n</think>\\n\\n' }}{%- endif %}{{ m.content + '<|im_end|>\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}";
  const cfg = JSON.parse(readFileSync(join(tinyQwen2Model, 'tokenizer_config.json'), 'utf8'));
  const tok3 = new TextTokenizer({
    tokenizerJson: JSON.parse(readFileSync(join(tinyQwen2Model, 'tokenizer.json'), 'utf8')),
    tokenizerConfig: { ...cfg, chat_template: qwen3ish },
    where: 'qwen3ish',
  });
  const messages = longChat(6);
  assert.deepEqual(labelChat(tok3, messages, 'completion'), labelByPrefixes(tok3, messages));
});
