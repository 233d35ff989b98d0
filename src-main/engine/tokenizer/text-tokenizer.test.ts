import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedFixtures, tinyQwen2Model } from '../../test-support/paths';
import { TextTokenizer } from './text-tokenizer';
import type { ChatMessage } from './chat-template';

interface Goldens {
  texts: { text: string; ids: number[]; decoded: string }[];
  chats: { messages: ChatMessage[]; rendered: string; ids: number[]; rendered_no_think: string; ids_no_think: number[] }[];
}

const goldens = JSON.parse(readFileSync(join(sharedFixtures, 'tokenizer_goldens.json'), 'utf8')) as Goldens;
const tok = new TextTokenizer({
  tokenizerJson: JSON.parse(readFileSync(join(tinyQwen2Model, 'tokenizer.json'), 'utf8')),
  tokenizerConfig: JSON.parse(readFileSync(join(tinyQwen2Model, 'tokenizer_config.json'), 'utf8')),
  where: tinyQwen2Model,
});

test('every golden text encodes to the exact ids and decodes back', () => {
  assert.ok(goldens.texts.length >= 10);
  for (const g of goldens.texts) {
    assert.deepEqual(tok.encode(g.text), g.ids, JSON.stringify(g.text));
    assert.equal(tok.decode(g.ids), g.decoded);
  }
});

test('every golden chat renders and encodes exactly, with and without thinking', () => {
  assert.ok(goldens.chats.length >= 3);
  for (const g of goldens.chats) {
    const think = tok.encodeChat(g.messages, { addGenerationPrompt: true });
    assert.equal(think.text, g.rendered);
    assert.deepEqual(think.ids, g.ids);
    const noThink = tok.encodeChat(g.messages, { addGenerationPrompt: true, enableThinking: false });
    assert.equal(noThink.text, g.rendered_no_think);
    assert.deepEqual(noThink.ids, g.ids_no_think);
  }
});

test('a tokenizer without a chat template refuses a chat in one line', () => {
  const bare = new TextTokenizer({
    tokenizerJson: JSON.parse(readFileSync(join(tinyQwen2Model, 'tokenizer.json'), 'utf8')),
    tokenizerConfig: {},
    where: '/some/model',
  });
  assert.throws(
    () => bare.renderChat([{ role: 'user', content: 'hi' }]),
    (e: Error) => /no chat template/.test(e.message) && !e.message.includes('\n'),
  );
});
