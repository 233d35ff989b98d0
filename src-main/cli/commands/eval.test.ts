import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../../store/db';
import { evalPredictions, evalRunsOf } from '../../store/queries/eval-runs';
import { runTuneloom } from '../../test-support/cli';
import { vulkanSkipReason } from '../../test-support/ggml';
import { tempDir, tinyQwen2Adapter, tinyQwen2Model } from '../../test-support/paths';
import { parseJobEvent } from '../../workers/jobs/job-events';

/** A chat JSONL of these user turns, each answered "好的。" (the eval tests score what the model says to them). */
function writeQuestions(path: string, questions: string[]): void {
  const row = (q: string) =>
    JSON.stringify({
      messages: [
        { role: 'user', content: q },
        { role: 'assistant', content: '好的。' },
      ],
    });
  writeFileSync(path, questions.map(row).join('\n') + '\n');
}

test('tuneloom eval (base model, "before"): CLI.md JSON shape, and the run with its predictions in the store', async () => {
  const dir = tempDir('tuneloom-cli-eval-');
  const data = join(dir, 'qa.jsonl');
  writeFileSync(
    data,
    [
      JSON.stringify({
        messages: [
          { role: 'user', content: '你好' },
          { role: 'assistant', content: '你好！' },
        ],
      }),
      JSON.stringify({
        messages: [
          { role: 'user', content: '学生请假流程？' },
          { role: 'assistant', content: '填写请假单。' },
        ],
      }),
    ].join('\n') + '\n',
  );
  const db = join(dir, 'store.db');
  const r = await runTuneloom(['eval', '--model', tinyQwen2Model, '--data', data, '--max-new-tokens', '3', '--backend', 'cpu', '--db', db, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, unknown> & { predictions: unknown[]; eval_id: number };
  for (const k of ['examples', 'loss', 'bleu4', 'rouge1', 'rouge2', 'rougeL', 'f1', 'em']) assert.equal(typeof out[k], 'number', k);
  assert.equal(out.examples, 2);
  assert.equal(out.predictions.length, 2);
  const store = openStore(db);
  try {
    const runs = evalRunsOf(store, null);
    assert.deepEqual(
      runs.map((e) => e.id),
      [out.eval_id],
    );
    assert.equal(runs[0].loss, out.loss);
    assert.equal(evalPredictions(store, out.eval_id).length, 2);
  } finally {
    store.close();
  }

  const bad = await runTuneloom(['eval', '--model', tinyQwen2Model, '--data', data, '--metrics', 'bleu,accuracy']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--metrics: unknown metric "accuracy"/);
});

test('tuneloom eval --temperature samples, reproducibly and independent of --batch-size; sampling flags need it', async () => {
  const dir = tempDir('tuneloom-cli-eval-sampled-');
  const data = join(dir, 'qa.jsonl');
  writeQuestions(data, ['你好', '学生请假流程？', '图书馆几点开门？']);
  const run = async (extra: string[]) => {
    const r = await runTuneloom([
      'eval',
      '--model',
      tinyQwen2Model,
      '--data',
      data,
      '--metrics',
      'f1',
      '--max-new-tokens',
      '4',
      '--backend',
      'cpu',
      '--db',
      join(dir, 'store.db'),
      '--json',
      ...extra,
    ]);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { predictions: { prediction: string }[] }).predictions.map((p) => p.prediction);
  };
  const sampled = ['--temperature', '5', '--top-k', '50', '--sample-seed', '7'];
  const [a, b, greedy] = [await run([...sampled, '--batch-size', '1']), await run([...sampled, '--batch-size', '3']), await run([])];
  assert.deepEqual(a, b, 'the same draws whatever the batch size');
  assert.notDeepEqual(a, greedy, 'temperature 5 over 50 candidates does not reproduce greedy decoding');

  const bad = await runTuneloom(['eval', '--model', tinyQwen2Model, '--data', data, '--top-p', '0.9']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, /--top-p needs --temperature above 0/);
});

test('tuneloom eval --think-budget / --think-wait: what budget forcing did is in --json and in the store', async () => {
  const dir = tempDir('tuneloom-cli-eval-think-');
  const data = join(dir, 'think.jsonl');
  // The prompts open <think> in the user turn (the fixture's template has no thinking prompt).
  writeQuestions(data, ['你好<think>', '图书馆几点开门？<think>']);
  const db = join(dir, 'store.db');
  const r = await runTuneloom([
    'eval',
    '--model',
    tinyQwen2Model,
    '--data',
    data,
    '--metrics',
    'f1',
    '--max-new-tokens',
    '8',
    '--think-budget',
    '2',
    '--think-wait',
    '1',
    '--backend',
    'cpu',
    '--db',
    db,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  type Used = { budget: number | null; maxWaits: number; tokens: number; waits: number; forcedClose: boolean };
  const out = JSON.parse(r.stdout) as { eval_id: number; thinking: Record<string, unknown>; predictions: { thinking: Used }[] };
  // The random fixture never closes </think> by itself: no Wait is spent, the budget closes both.
  const used: Used = { budget: 2, maxWaits: 1, tokens: 2, waits: 0, forcedClose: true };
  assert.deepEqual(
    out.predictions.map((p) => p.thinking),
    [used, used],
  );
  assert.deepEqual(out.thinking, { budget: 2, maxWaits: 1, meanTokens: 2, waits: 0, forcedCloses: 2 });
  const store = openStore(db);
  try {
    assert.deepEqual(evalRunsOf(store, null)[0].thinking, out.thinking);
    assert.deepEqual(
      evalPredictions(store, out.eval_id).map((p) => p.thinking),
      [used, used],
    );
  } finally {
    store.close();
  }

  const plain = await runTuneloom([
    'eval',
    '--model',
    tinyQwen2Model,
    '--data',
    data,
    '--metrics',
    'f1',
    '--max-new-tokens',
    '2',
    '--backend',
    'cpu',
    '--db',
    db,
    '--json',
  ]);
  assert.equal(plain.code, 0, plain.stderr);
  const p = JSON.parse(plain.stdout) as { eval_id: number; thinking?: unknown; predictions: { thinking?: unknown }[] };
  assert.equal(p.thinking, undefined);
  assert.ok(p.predictions.every((x) => x.thinking === undefined));
  const store2 = openStore(db);
  try {
    assert.equal(evalRunsOf(store2, null).find((e) => e.id === p.eval_id)!.thinking, null, 'no budget forcing: NULL in the store');
  } finally {
    store2.close();
  }

  const bad = await runTuneloom(['eval', '--model', tinyQwen2Model, '--data', data, '--think-budget', '1.5']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, /think-budget/);
});

test('tuneloom eval refuses an adapter trained on another base model, in one line', async () => {
  const dir = tempDir('tuneloom-cli-eval-base-');
  const other = join(dir, 'other-model');
  mkdirSync(other);
  const cfg = JSON.parse(readFileSync(join(tinyQwen2Model, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(other, 'config.json'), JSON.stringify({ ...cfg, hidden_size: 64 }));
  const adapter = join(dir, 'adapter');
  cpSync(tinyQwen2Adapter, adapter, { recursive: true });
  const acfg = JSON.parse(readFileSync(join(adapter, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(adapter, 'adapter_config.json'), JSON.stringify({ ...acfg, base_model_name_or_path: other }));
  const data = join(dir, 'qa.jsonl');
  writeFileSync(
    data,
    JSON.stringify({
      messages: [
        { role: 'user', content: '你好' },
        { role: 'assistant', content: '你好！' },
      ],
    }) + '\n',
  );
  const r = await runTuneloom(['eval', '--model', tinyQwen2Model, '--adapter', adapter, '--data', data, '--db', join(dir, 'store.db')]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /the adapter was trained on .*other-model \(hiddenSize 64\), but --model is .* \(hiddenSize \d+\)/);
});

const vulkanSkip = vulkanSkipReason();

test('tuneloom eval on vulkan (lavapipe in CI) gives the cpu numbers', { skip: vulkanSkip }, async () => {
  const dir = tempDir('tuneloom-cli-eval-vulkan-');
  const data = join(dir, 'qa.jsonl');
  writeFileSync(
    data,
    ['你好', '学生请假流程？']
      .map((q) =>
        JSON.stringify({
          messages: [
            { role: 'user', content: q },
            { role: 'assistant', content: '好的，请稍等。' },
          ],
        }),
      )
      .join('\n') + '\n',
  );
  const run = async (backend: string) => {
    const r = await runTuneloom([
      'eval',
      '--model',
      tinyQwen2Model,
      '--adapter',
      tinyQwen2Adapter,
      '--data',
      data,
      '--max-new-tokens',
      '4',
      '--backend',
      backend,
      '--db',
      join(dir, 'store.db'),
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { loss: number; predictions: { prediction: string }[] };
  };
  const [cpu, gpu] = [await run('cpu'), await run('vulkan')];
  assert.ok(Math.abs(gpu.loss - cpu.loss) < 1e-3 * Math.abs(cpu.loss), `loss ${gpu.loss} vs ${cpu.loss}`);
  assert.deepEqual(
    gpu.predictions.map((p) => p.prediction),
    cpu.predictions.map((p) => p.prediction),
  );
});

test('tuneloom eval --events: one progress event per example, then the --json document as the result event', async () => {
  const dir = tempDir('tuneloom-cli-eval-events-');
  const data = join(dir, 'qa.jsonl');
  writeQuestions(data, ['你好', '学生请假流程？']);
  const args = [
    'eval',
    '--model',
    tinyQwen2Model,
    '--adapter',
    tinyQwen2Adapter,
    '--data',
    data,
    '--max-new-tokens',
    '3',
    '--batch-size',
    '1',
    '--backend',
    'cpu',
    '--db',
    join(dir, 'store.db'),
  ];
  const json = await runTuneloom([...args, '--json']);
  const events = await runTuneloom([...args, '--events']);
  assert.equal(events.code, 0, events.stderr);
  const parsed = events.stdout
    .trim()
    .split('\n')
    .map((l, i) => parseJobEvent(l, i + 1));
  assert.deepEqual(
    parsed.flatMap((e) => (e.type === 'progress' ? [`${e.stage} ${e.done}/${e.total}`] : [])),
    ['eval 1/2', 'eval 2/2'],
  );
  const last = parsed.at(-1)!;
  assert.ok(last.type === 'result', events.stdout);
  const doc = JSON.parse(json.stdout) as Record<string, unknown>;
  // The same document, but for what differs between any two runs: the speed and the store's new ids.
  const stable = (d: Record<string, unknown>) => Object.fromEntries(Object.entries(d).filter(([k]) => !['tokens_per_s', 'eval_id', 'timing'].includes(k)));
  assert.deepEqual(stable(last.result), stable(doc));
  assert.equal(typeof last.result.eval_id, 'number');
});
