import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderChat } from '../engine/tokenizer/chat-template';
import type { ChatMessage } from '../engine/types';
import { UserError } from '../errors';
import { sharedFixtures, tinyQwen2Model } from '../test-support/paths';
import { renderGoTemplate } from './go-template';
import { buildModelfile, chatMlTemplate, ollamaData } from './ollama-modelfile';

const tokCfg = JSON.parse(readFileSync(join(tinyQwen2Model, 'tokenizer_config.json'), 'utf8')) as { chat_template: string };
const goldens = JSON.parse(readFileSync(join(sharedFixtures, 'tokenizer_goldens.json'), 'utf8')) as {
  chats: { messages: ChatMessage[]; rendered: string; rendered_no_think: string }[];
};

test('the emitted Go template renders every fixture chat exactly as the HF template did (transformers goldens)', () => {
  const template = chatMlTemplate({ thinkingSwitch: true });
  assert.equal(goldens.chats.length, 3);
  for (const chat of goldens.chats) {
    assert.equal(renderGoTemplate(template, ollamaData(chat.messages, {})), chat.rendered);
    assert.equal(renderGoTemplate(template, ollamaData(chat.messages, { think: false })), chat.rendered_no_think);
  }
});

test("buildModelfile checks the translation against the model's own Jinja template and writes the Modelfile", () => {
  const r = buildModelfile(
    {
      ggufFileName: 'model-q8_0.gguf',
      hfTemplate: tokCfg.chat_template,
      render: (m, o) => renderChat(tokCfg.chat_template, m, o),
      stopTokens: ['<|im_end|>', '<|endoftext|>'],
      generationConfig: { temperature: 0.7, top_p: 0.8, top_k: 20 },
      where: tinyQwen2Model,
    },
    goldens.chats.map((c) => c.messages),
  );
  assert.equal(r.checkedChats, 2 * (3 + 3)); // probes + fixture chats, with and without thinking
  assert.equal(r.system, undefined); // Qwen3's template adds no default system prompt
  const lines = r.text.trim().split('\n');
  assert.equal(lines[0], 'FROM ./model-q8_0.gguf');
  assert.ok(r.text.includes(`TEMPLATE """${r.template}"""`));
  for (const s of ['<|im_end|>', '<|endoftext|>', '<|im_start|>']) assert.ok(lines.includes(`PARAMETER stop "${s}"`), s);
  assert.ok(lines.includes('PARAMETER temperature 0.7') && lines.includes('PARAMETER top_k 20'));
});

test('a Qwen2.5-style default system prompt becomes SYSTEM, and renders as HF does', () => {
  const qwen25 =
    "{%- for message in messages %}{%- if loop.first and message.role != 'system' %}<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n{%- endif %}" +
    '<|im_start|>{{ message.role }}\n{{ message.content }}<|im_end|>\n{%- endfor %}{%- if add_generation_prompt %}<|im_start|>assistant\n{%- endif %}';
  // The Jinja above uses `{%-` to eat the newline after each block, so re-add the ones ChatML needs.
  const fixed = qwen25.replaceAll('<|im_end|>\n{%-', '<|im_end|>{{ "\\n" }}{%-').replaceAll('assistant\n{%-', 'assistant{{ "\\n" }}{%-');
  const r = buildModelfile({
    ggufFileName: 'm.gguf',
    hfTemplate: fixed,
    render: (m, o) => renderChat(fixed, m, o),
    stopTokens: [],
    generationConfig: {},
    where: 'x',
  });
  assert.equal(r.system, 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.');
  assert.ok(r.text.includes('SYSTEM """You are Qwen, created by Alibaba Cloud. You are a helpful assistant."""'));
});

test('a template our translation gets wrong is refused in one line, not written', () => {
  const odd = '{%- for message in messages %}<|im_start|>{{ message.role }}: {{ message.content }}<|im_end|>{%- endfor %}';
  assert.throws(
    () =>
      buildModelfile({ ggufFileName: 'm.gguf', hfTemplate: odd, render: (m, o) => renderChat(odd, m, o), stopTokens: [], generationConfig: {}, where: 'x' }),
    (e: unknown) => e instanceof UserError && /does not render a 1-message chat/.test(e.message) && !e.message.includes('\n'),
  );
});

test('Go-template subset: trimming, if/else, range, variables, functions', () => {
  const t = '{{- range $i, $m := .Items }}{{ if eq $i 0 }}[{{ $m }}]{{ else if gt $i 1 }}<{{ $m }}>{{ else }}({{ $m }}){{ end }}{{ end -}}\n  {{ len .Items }}';
  assert.equal(renderGoTemplate(t, { Items: ['a', 'b', 'c'] }), '[a](b)<c>3');
  assert.equal(renderGoTemplate('{{ $x := 1 }}{{ $x = 2 }}{{ $x }} {{ and 1 0 }} {{ or 0 "y" }} {{ not .A }}', { A: false }), '2 0 y true');
  assert.throws(() => renderGoTemplate('{{ printf "%s" .A }}', { A: 'x' }), /not in the supported subset/);
  assert.throws(() => renderGoTemplate('{{ .Missing }}', {}), /no field Missing/);
});
