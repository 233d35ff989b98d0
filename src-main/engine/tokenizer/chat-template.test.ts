import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderChat, TEMPLATE_STEPS_BASE } from './chat-template';

const CHAT = [
  { role: 'user', content: 'hi' },
  { role: 'assistant', content: 'hello' },
];

/** Each of these would loop, or grow, until the process runs out of memory. */
const HOSTILE: Record<string, string> = {
  'a huge range': '{% for i in range(1000000000) %}x{% endfor %}',
  'nested loops (10^10 steps)': '{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}',
  'a doubling string': "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}",
  'a loop per message that never ends':
    '{% for m in messages %}{% for i in range(99999) %}{% for j in range(99999) %}{{ m.content }}{% endfor %}{% endfor %}{% endfor %}',
  'a loop over its own growing output':
    "{% set ns = namespace(s='') %}{% for m in range(90000) %}{% for k in range(90000) %}{% set ns.s = ns.s ~ 'xxxxxxxx' %}{% endfor %}{% endfor %}{{ ns.s }}",
};

for (const [what, template] of Object.entries(HOSTILE)) {
  test(`a chat template with ${what} stops with one line naming the template, within its step bound`, { timeout: 120_000 }, () => {
    assert.throws(
      () => renderChat(template, CHAT, { where: 'model/chat_template.jinja' }),
      (e: Error) => e.name === 'UserError' && e.message.startsWith('model/chat_template.jinja: ') && !e.message.includes('\n'),
    );
  });
}

test('ordinary templates render as before, and a bounded render leaves later renders unbounded by it', () => {
  const chatml = "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}";
  assert.equal(renderChat(chatml, CHAT), '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nhello<|im_end|>\n');
  assert.throws(() => renderChat(HOSTILE['a huge range'], CHAT));
  // A long chat is within its budget: the bound grows with the messages.
  const long = Array.from({ length: 4000 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `m${i}` }));
  assert.ok(TEMPLATE_STEPS_BASE < 4000 * 62, 'the chat needs more than the base budget');
  assert.equal(renderChat(chatml, long).split('<|im_end|>').length, 4001);
  assert.equal(renderChat('{% for i in range(3) %}{{ i }}{% endfor %}{{ range(2, 8, 3) | join(",") }}', CHAT), '0122,5');
});

test('an exception the template raises (raise_exception, an undefined name) is one UserError line naming the template', () => {
  for (const t of ['{{ raise_exception("Conversation roles must alternate user/assistant") }}', '{{ messages[0].content | no_such_filter }}']) {
    assert.throws(
      () => renderChat(t, CHAT, { where: 'model/chat_template.jinja' }),
      (e: Error) =>
        e.name === 'UserError' && e.message.startsWith('model/chat_template.jinja: the chat template refused this chat: ') && !e.message.includes('\n'),
    );
  }
});
