/**
 * The inference commands through the real CLI: JSON shapes of CLI.md, parity with the fixtures,
 * streaming, and one clear stderr line (exit 1) for each bad input the issue lists.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTuneloom, type CliResult } from '../../test-support/cli';
import { tempDir, tinyQwen2Adapter, tinyQwen2Dir, tinyQwen2Model } from '../../test-support/paths';
import { parseJobEvent } from '../../workers/jobs/job-events';
import { writeSyntheticCheckpoint } from '../../../scripts/synthetic-checkpoint';
import { loadTokenizer } from '../../engine-node/load-model';

interface Golden {
  messages: { role: string; content: string }[];
  ids: number[];
  logits: { lse: number; top_ids: number[]; top_vals: number[] }[];
  greedy12: number[];
}
const goldens = JSON.parse(readFileSync(join(tinyQwen2Dir, 'goldens.json'), 'utf8')) as { prompts: Golden[]; adapter: { prompts: Golden[] } };
const root = tempDir();
const messagesFile = (i: number) => join(root, `messages-${i}.json`);

/** A model folder: synthetic tiny weights, the fixture's tokenizer linked in. */
function syntheticFolder(name: string): string {
  const dir = join(root, name);
  writeSyntheticCheckpoint({ shape: 'tiny', out: dir, dtype: 'bf16', std: 0.3, seed: 1 });
  symlinkSync(join(tinyQwen2Model, 'tokenizer.json'), join(dir, 'tokenizer.json'));
  copyFileSync(join(tinyQwen2Model, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
  return dir;
}

before(() => {
  goldens.prompts.forEach((p, i) => writeFileSync(messagesFile(i), JSON.stringify(p.messages)));
});

function assertOneLineError(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.match(r.stderr, pattern);
}

test('tokenize --messages-file --generation-prompt --json gives the golden ids and text', async () => {
  const r = await runTuneloom(['tokenize', '--model', tinyQwen2Model, '--messages-file', messagesFile(0), '--generation-prompt', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { ids: number[]; text: string };
  assert.deepEqual(out.ids, goldens.prompts[0].ids);
  assert.match(out.text, /<\|im_start\|>assistant\n$/);
});

test('inspect logits --messages-file --adapter --json matches peft per position', async () => {
  const r = await runTuneloom([
    'inspect',
    'logits',
    '--model',
    tinyQwen2Model,
    '--adapter',
    tinyQwen2Adapter,
    '--messages-file',
    messagesFile(1),
    '--backend',
    'cpu',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { ids: number[]; positions: { lse: number; top_ids: number[]; top_vals: number[] }[] };
  assert.deepEqual(out.ids, goldens.prompts[1].ids);
  const golden = goldens.adapter.prompts[1].logits;
  assert.equal(out.positions.length, golden.length);
  out.positions.forEach((p, t) => {
    assert.ok(Math.abs(p.lse - golden[t].lse) <= 1e-4 * Math.abs(golden[t].lse), `lse @${t}`);
    assert.equal(p.top_ids.length, 5);
    assert.ok(Math.abs(p.top_vals[0] - golden[t].top_vals[0]) <= 1e-4 * Math.max(1, Math.abs(golden[t].top_vals[0])), `top @${t}`);
  });
  assert.match(r.stderr, /^backend cpu/m);
});

test('generate --greedy --json reproduces greedy12, and without --json streams the same text', async () => {
  const args = ['generate', '--model', tinyQwen2Model, '--messages-file', messagesFile(0), '--greedy', '--max-new-tokens', '12', '--backend', 'cpu'];
  const r = await runTuneloom([...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { prompt_ids: number[]; ids: number[]; text: string; finish_reason: string };
  assert.deepEqual(out.prompt_ids, goldens.prompts[0].ids);
  assert.deepEqual(out.ids, goldens.prompts[0].greedy12);
  assert.equal(out.finish_reason, 'length');
  const streamed = await runTuneloom(args);
  assert.equal(streamed.code, 0, streamed.stderr);
  assert.equal(streamed.stdout, out.text + '\n');
});

test('generate --events: the text as text events, then the --json document as the result event (the playground reads these)', async () => {
  const r = await runTuneloom([
    'generate',
    '--model',
    tinyQwen2Model,
    '--messages-file',
    messagesFile(0),
    '--greedy',
    '--max-new-tokens',
    '12',
    '--backend',
    'cpu',
    '--events',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l, i) => parseJobEvent(l, i + 1));
  const last = events.at(-1)!;
  assert.ok(last.type === 'result', r.stdout);
  assert.deepEqual(last.result.ids, goldens.prompts[0].greedy12);
  const text = events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
  assert.equal(text, last.result.text);
  assert.ok(
    events.some((e) => e.type === 'log' && /^backend cpu/.test(e.message)),
    'the backend line is a log event',
  );

  const bad = await runTuneloom(['generate', '--model', join(root, 'nowhere'), '--prompt', 'hi', '--events']);
  assert.equal(bad.code, 1, bad.stderr);
  const end = parseJobEvent(bad.stdout.trim(), 1);
  assert.ok(end.type === 'error' && end.exit_code === 1 && bad.stderr.includes(end.message), bad.stdout);
});

test('generate --think-budget N: N thought tokens, then the forced close; what was used in --json and on stderr', async () => {
  // The prompt opens <think> in the user turn (the fixture's template has no thinking prompt).
  const args = ['generate', '--model', tinyQwen2Model, '--prompt', '你好<think>', '--greedy', '--max-new-tokens', '8', '--backend', 'cpu'];
  const free = JSON.parse((await runTuneloom([...args, '--json'])).stdout) as { ids: number[]; thinking?: unknown };
  assert.equal(free.thinking, undefined);
  const r = await runTuneloom([...args, '--think-budget', '3', '--think-wait', '2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { ids: number[]; thinking: unknown };
  const used = { budget: 3, maxWaits: 2, tokens: 3, waits: 0, forcedClose: true };
  assert.deepEqual(out.thinking, used);
  const close = loadTokenizer(tinyQwen2Model).encode('\n</think>\n\n');
  assert.deepEqual(out.ids.slice(0, 3 + close.length), [...free.ids.slice(0, 3), ...close]);
  const streamed = await runTuneloom([...args, '--think-budget', '3', '--think-wait', '2']);
  assert.equal(streamed.code, 0, streamed.stderr);
  assert.equal(streamed.stderr.trim().split('\n').at(-1), `thinking: ${JSON.stringify(used)}`);
});

test('a missing model folder is one line', async () => {
  assertOneLineError(
    await runTuneloom(['inspect', 'logits', '--model', join(root, 'nope'), '--ids', '1,2', '--backend', 'cpu', '--json']),
    /model folder not found/,
  );
});

test('a truncated safetensors file is one line', async () => {
  const dir = syntheticFolder('truncated');
  const file = join(dir, 'model.safetensors');
  truncateSync(file, statSync(file).size - 100);
  assertOneLineError(
    await runTuneloom(['inspect', 'logits', '--model', dir, '--ids', '1,2', '--backend', 'cpu', '--json']),
    /model\.safetensors: truncated or corrupt safetensors file/,
  );
});

test('a config/weights shape mismatch is one line', async () => {
  const dir = syntheticFolder('mismatch');
  const cfgPath = join(dir, 'config.json');
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
  writeFileSync(cfgPath, JSON.stringify({ ...cfg, intermediate_size: 80 }));
  assertOneLineError(
    await runTuneloom(['generate', '--model', dir, '--prompt', 'hi', '--backend', 'cpu', '--json']),
    /shape mismatch: model\.layers\.0\.mlp\.gate_proj\.weight is \[64, 32\].*implies \[80, 32\]/,
  );
});

test('an adapter trained for another model is one line', async () => {
  const dir = syntheticFolder('other-base');
  // Its base_model_name_or_path names the fixture model, which is here: the configs are compared first.
  assertOneLineError(
    await runTuneloom(['inspect', 'logits', '--model', dir, '--adapter', tinyQwen2Adapter, '--ids', '1,2', '--backend', 'cpu', '--json']),
    /the adapter was trained on .*tiny-qwen2\/model \(vocabSize 151936\), but --model is .*other-base \(vocabSize 512\)/,
  );
  // A hub name that is not a local folder: the LoRA shapes still refuse it.
  const hubNamed = join(root, 'hub-named-adapter');
  mkdirSync(hubNamed);
  copyFileSync(join(tinyQwen2Adapter, 'adapter_model.safetensors'), join(hubNamed, 'adapter_model.safetensors'));
  const cfg = JSON.parse(readFileSync(join(tinyQwen2Adapter, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(hubNamed, 'adapter_config.json'), JSON.stringify({ ...cfg, base_model_name_or_path: 'Qwen/Qwen2.5-0.5B-Instruct' }));
  assertOneLineError(
    await runTuneloom(['inspect', 'logits', '--model', dir, '--adapter', hubNamed, '--ids', '1,2', '--backend', 'cpu', '--json']),
    /adapter for another model: layers\.\d+\.mlp\.\w+_proj has lora_A/,
  );
});

test('a chat asked of a tokenizer without a chat template is one line', async () => {
  const dir = join(root, 'no-template');
  mkdirSync(dir);
  symlinkSync(join(tinyQwen2Model, 'tokenizer.json'), join(dir, 'tokenizer.json'));
  const cfg = JSON.parse(readFileSync(join(tinyQwen2Model, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  delete cfg.chat_template;
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(cfg));
  assertOneLineError(await runTuneloom(['tokenize', '--model', dir, '--messages-file', messagesFile(0), '--json']), /has no chat template/);
});

test("tuneloom generate --backend auto: Dawn's native limit warnings (a software WebGPU adapter) do not reach stderr", async () => {
  const r = await runTuneloom(['generate', '--model', tinyQwen2Model, '--prompt', 'hi', '--max-new-tokens', '2', '--backend', 'auto', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /artificially reduced/);
  assert.match(r.stderr, /^backend \w+: /m, 'the choice and its reason are still printed');
});
