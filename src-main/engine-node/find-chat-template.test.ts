import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../test-support/paths';
import { writeTinyModel } from '../test-support/tiny-model';
import { runTuneloom } from '../test-support/cli';
import { inspectModelFolder } from '../models/inspect-model';
import { loadTokenizer } from './load-model';

const JINJA = '{%- for m in messages %}[{{ m.role }}]{{ m.content }}{%- endfor %}{%- if add_generation_prompt %}[assistant]{%- endif %}';
const CHAT = [{ role: 'user', content: 'hi' }];

/** A tiny model whose tokenizer_config.json has `config` as its chat_template (absent when undefined). */
function model(name: string, config: string | undefined, files: Record<string, string> = {}): string {
  const dir = writeTinyModel(join(tempDir(), name));
  const cfgPath = join(dir, 'tokenizer_config.json');
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
  if (config === undefined) delete cfg.chat_template;
  else cfg.chat_template = config;
  writeFileSync(cfgPath, JSON.stringify(cfg));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

test('a template only in chat_template.jinja is the one tokenize, generate and train render (and registration agrees)', async () => {
  const dir = model('jinja-only', undefined, { 'chat_template.jinja': JINJA });
  assert.equal(loadTokenizer(dir).renderChat(CHAT, { addGenerationPrompt: true }), '[user]hi[assistant]');
  assert.equal((await inspectModelFolder(dir)).hasChatTemplate, true);
  const messages = join(dir, 'chat.json');
  writeFileSync(messages, JSON.stringify(CHAT));
  const r = await runTuneloom(['tokenize', '--model', dir, '--messages-file', messages, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).text, '[user]hi');
});

test("chat_template.jinja wins over tokenizer_config.json's chat_template, as in transformers; chat_template.json comes last", async () => {
  const both = model('both', '{{ "from config" }}', {
    'chat_template.jinja': JINJA,
    'chat_template.json': JSON.stringify({ chat_template: '{{ "from json" }}' }),
  });
  assert.equal(loadTokenizer(both).renderChat(CHAT, {}), '[user]hi');
  const configAndJson = model('config-json', '{{ "from config" }}', { 'chat_template.json': JSON.stringify({ chat_template: '{{ "from json" }}' }) });
  assert.equal(loadTokenizer(configAndJson).renderChat(CHAT, {}), 'from config');
  const jsonOnly = model('json-only', undefined, { 'chat_template.json': JSON.stringify({ chat_template: '{{ "from json" }}' }) });
  assert.equal(loadTokenizer(jsonOnly).renderChat(CHAT, {}), 'from json');
  const none = model('none', undefined);
  assert.equal((await inspectModelFolder(none)).hasChatTemplate, false);
  assert.throws(() => loadTokenizer(none).renderChat(CHAT, {}), /no chat template/);
});

test('a folder named chat_template.jinja, or a broken template file, is one line naming the file', async () => {
  const dir = model('folder', '{{ "x" }}');
  mkdirSync(join(dir, 'chat_template.jinja'));
  assert.throws(
    () => loadTokenizer(dir),
    (e: Error) => e.name === 'UserError' && /chat template is not a file/.test(e.message) && !e.message.includes('\n'),
  );
  const broken = model('broken', undefined, { 'chat_template.jinja': '{% for m in messages %}' });
  assert.throws(
    () => loadTokenizer(broken).renderChat(CHAT, {}),
    (e: Error) => e.name === 'UserError' && /does not parse/.test(e.message) && (e as Error & { where?: string }).where!.endsWith('chat_template.jinja'),
  );
});

test('a looping chat_template.jinja in a downloaded model is one error line from the CLI (exit 1), not an abort', { timeout: 120_000 }, async () => {
  const dir = model('looping', undefined, { 'chat_template.jinja': '{% for a in range(100000) %}{% for b in range(100000) %}{{ a }}{% endfor %}{% endfor %}' });
  const messages = join(dir, 'chat.json');
  writeFileSync(messages, JSON.stringify(CHAT));
  const r = await runTuneloom(['tokenize', '--model', dir, '--messages-file', messages]);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines.at(-1)!, /chat_template\.jinja: the chat template runs too long/);
});
