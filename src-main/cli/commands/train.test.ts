/**
 * `tuneloom train` through the real CLI process: golden parity of three AdamW steps on the shared
 * fixture, and bad inputs that each give one clear line. (Exact resume: engine-node/resume.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, tinyQwen2Adapter, tinyQwen2Dir, tinyQwen2Model } from '../../test-support/paths';
import { runTuneloom } from '../../test-support/cli';
import { writeTinyModel } from '../../test-support/tiny-model';
import { writeLearningData } from '../../test-support/learning-data';
import { readSafetensorsFile } from '../../engine-node/read-safetensors';
import { openStore } from '../../store/db';
import { getRun } from '../../store/queries/runs';

const root = tempDir();
// The CLI records runs in the store under $TUNELOOM_HOME; keep it inside the test's temp folder.
const env = { TUNELOOM_HOME: join(root, 'home') };
const jsonLines = (s: string) =>
  s
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** The SFT chat of ../shared/tools/make_goldens.py (goldens.json records its ids and labels). */
const SFT_CHAT = {
  messages: [
    { role: 'user', content: '华中科技大学博士生培养目标中，对学术能力有哪些要求？' },
    { role: 'assistant', content: '掌握坚实宽广的基础理论和系统深入的专门知识；具有独立从事科学研究的能力。' },
  ],
};

test('three AdamW steps through `tuneloom train` match torch + peft (losses and adapter)', async () => {
  const goldens = JSON.parse(readFileSync(join(tinyQwen2Dir, 'goldens.json'), 'utf8'));
  const adamw = goldens.adapter.adamw;
  const data = join(root, 'sft.jsonl');
  writeFileSync(data, JSON.stringify(SFT_CHAT) + '\n');
  const out = join(root, 'golden-out');
  const r = await runTuneloom(
    [
      'train',
      '--model',
      tinyQwen2Model,
      '--data',
      data,
      '--init-adapter',
      tinyQwen2Adapter,
      '--max-steps',
      '3',
      '--lr',
      String(adamw.lr),
      '--weight-decay',
      String(adamw.weight_decay),
      '--scheduler',
      'constant',
      '--max-grad-norm',
      '0',
      '--lora-dropout',
      '0',
      '--out',
      out,
      '--json',
      '--backend',
      'cpu',
    ],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
  const events = jsonLines(r.stdout);
  const steps = events.filter((e) => e.type === 'step');
  assert.deepEqual(
    steps.map((e) => e.step),
    [1, 2, 3],
  );
  steps.forEach((e, i) => {
    const want = adamw.losses_before_each_step[i];
    assert.ok(Math.abs((e.loss as number) - want) <= 1e-4 * want, `loss before step ${i + 1}: ${e.loss} vs ${want}`);
  });
  assert.ok(Math.abs((steps[0].grad_norm as number) - goldens.adapter.grad_global_norm) < 1e-3 * goldens.adapter.grad_global_norm);
  assert.equal(events.at(-1)!.type, 'done');

  // The planner's estimate (at start) and the measured peak (at the end) agree, and the store keeps both.
  const start = events.find((e) => e.type === 'start')!;
  const done = events.at(-1)!;
  const estimate = start.memory_estimate_bytes as number;
  const peak = done.peak_memory_bytes as number;
  assert.equal(start.memory_estimate_batch, 1);
  assert.ok(peak > 0 && Math.abs(estimate - peak) <= 0.1 * peak, `estimate ${estimate} vs measured peak ${peak}`);
  const db = openStore(join(env.TUNELOOM_HOME, 'tuneloom.db'));
  try {
    const run = getRun(db, done.run_id as number)!;
    assert.equal(run.peakMemoryBytes, peak);
    assert.deepEqual(run.memoryEstimate, { bytes: estimate, batch: 1, seqLen: start.memory_estimate_seq_len });
  } finally {
    db.close();
  }

  const got = await readSafetensorsFile(join(out, 'adapter_model.safetensors'));
  const want = await readSafetensorsFile(join(tinyQwen2Dir, 'lora_after_3_adamw.safetensors'));
  const initial = await readSafetensorsFile(join(tinyQwen2Adapter, 'adapter_model.safetensors'));
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), 'peft key names');
  for (const [name, ref] of want) {
    const g = got.get(name)!;
    assert.deepEqual(g.shape, ref.shape);
    for (let i = 0; i < ref.data.length; i++) {
      // Each entry moved ~3 lr = 3e-3 from the start; allow 2% of that distance (plus float noise).
      const moved = Math.abs(ref.data[i] - initial.get(name)!.data[i]);
      assert.ok(Math.abs(g.data[i] - ref.data[i]) <= 0.02 * moved + 1e-6, `${name}[${i}]: ${g.data[i]} vs ${ref.data[i]}`);
    }
  }
  const cfg = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
  assert.equal(cfg.peft_type, 'LORA');
  assert.equal(cfg.r, 4);
  assert.equal(cfg.lora_alpha, 8);
  assert.equal(cfg.base_model_name_or_path, tinyQwen2Model);
  assert.deepEqual([...cfg.target_modules].sort(), ['down_proj', 'gate_proj', 'k_proj', 'o_proj', 'q_proj', 'up_proj', 'v_proj']);
});

// ---------------------------------------------------------------- bad inputs

const tiny = () => writeTinyModel(join(root, 'tiny-small'), { hidden: 32, intermediate: 64 });

async function expectOneLine(args: string[], pattern: RegExp, out?: string): Promise<void> {
  const r = await runTuneloom(args, { env });
  assert.equal(r.code, 1, `exit 1 expected; stderr: ${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('tuneloom train:'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], pattern);
  if (out) assert.ok(!existsSync(join(out, 'adapter_model.safetensors')) && !existsSync(join(out, 'adapter_config.json')), 'nothing half-written in --out');
}

/** Runs in the store the CLI records into (none when it was never created). */
async function runsRecorded(): Promise<number> {
  const file = join(env.TUNELOOM_HOME, 'tuneloom.db');
  if (!existsSync(file)) return 0;
  const db = openStore(file);
  try {
    return (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

test('bad inputs: lr <= 0, unknown target module, unwritable --out, no room for the answer, NaN loss', async () => {
  const model = tiny();
  const runsBefore = await runsRecorded();
  const data = writeLearningData(join(root, 'bad.jsonl'));
  const base = (out: string) => ['train', '--model', model, '--data', data, '--out', out, '--max-steps', '2', '--backend', 'cpu'];
  await expectOneLine([...base(join(root, 'b1')), '--lr', '0'], /--lr must be a positive number/, join(root, 'b1'));
  await expectOneLine([...base(join(root, 'b2')), '--lora-targets', 'q_proj,qkv_proj'], /unknown target module "qkv_proj".*q_proj, k_proj/, join(root, 'b2'));
  const file = join(root, 'a-file');
  writeFileSync(file, 'x');
  await expectOneLine(base(join(file, 'out')), /cannot use this path for --out: .* is a file, not a folder/);
  assert.equal(await runsRecorded(), runsBefore, 'a bad --out records no failed run');
  await expectOneLine(
    [...base(join(root, 'b4')), '--max-len', '12'],
    /nothing to train on: all \d+ example\(s\) are longer than --max-len 12/,
    join(root, 'b4'),
  );

  // Some too long, some not: counted and reported, the run goes on.
  const mixed = join(root, 'mixed.jsonl');
  writeFileSync(
    mixed,
    readFileSync(data, 'utf8') +
      JSON.stringify({
        messages: [
          { role: 'user', content: 'x'.repeat(80) },
          { role: 'assistant', content: 'y' },
        ],
      }) +
      '\n',
  );
  const r = await runTuneloom(
    [
      'train',
      '--model',
      model,
      '--data',
      mixed,
      '--out',
      join(root, 'b5'),
      '--max-steps',
      '1',
      '--max-len',
      '48',
      '--val-split',
      '0',
      '--json',
      '--backend',
      'cpu',
    ],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
  const start = jsonLines(r.stdout).find((e) => e.type === 'start')!;
  assert.equal(start.too_long, 1);
  assert.deepEqual(start.too_long_examples, [32]);
  assert.ok(jsonLines(r.stdout).some((e) => e.type === 'log' && /longer than --max-len 48/.test(String(e.message))));

  const nanOut = join(root, 'nan');
  const nan = await runTuneloom(
    [...base(nanOut).slice(0, -4), '--max-steps', '6', '--save-every', '1', '--lr', '1e38', '--max-grad-norm', '0', '--backend', 'cpu'],
    { env },
  );
  assert.equal(nan.code, 1, nan.stderr);
  const line = nan.stderr.split('\n').find((l) => l.startsWith('tuneloom train:'))!;
  assert.match(line, /NaN at step \d+; the run stopped/);
  assert.match(line, /last good checkpoint: .*checkpoint-\d+/);
  assert.ok(!existsSync(join(nanOut, 'adapter_model.safetensors')), 'no final adapter after a NaN');
});

test('an old tfjs backend name trains on ggml with a one-line notice: --backend wasm gives the --backend cpu losses', async () => {
  const data = join(root, 'two-chats.jsonl');
  writeFileSync(
    data,
    [
      {
        messages: [
          { role: 'user', content: '你好' },
          { role: 'assistant', content: '你好！很高兴见到你。' },
        ],
      },
      {
        messages: [
          { role: 'user', content: '学生请假流程？' },
          { role: 'assistant', content: '填写请假单，交辅导员签字。' },
        ],
      },
    ]
      .map((c) => JSON.stringify(c))
      .join('\n') + '\n',
  );
  const run = async (backend: string) => {
    const r = await runTuneloom(
      [
        'train',
        '--model',
        tinyQwen2Model,
        '--data',
        data,
        '--out',
        join(root, `old-name-${backend}`),
        '--max-steps',
        '3',
        '--batch-size',
        '2',
        '--lora-dropout',
        '0',
        '--val-split',
        '0',
        '--backend',
        backend,
        '--json',
      ],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    return jsonLines(r.stdout);
  };
  const [cpu, wasm] = [await run('cpu'), await run('wasm')];
  const losses = (events: Record<string, unknown>[]) => events.filter((e) => e.type === 'step').map((e) => e.loss as number);
  assert.equal(losses(wasm).length, 3);
  assert.deepEqual(losses(wasm), losses(cpu));
  const notices = wasm.filter((e) => e.type === 'log' && /is a name of the old engine/.test(String(e.message)));
  assert.equal(notices.length, 1, JSON.stringify(wasm.filter((e) => e.type === 'log')));
  assert.match(String(notices[0].message), /^backend cpu: --backend wasm is a name of the old engine; using --backend cpu; /);
});

test('tuneloom train --map trains on any CSV with the given column roles (as the wizard launches a mapped dataset)', async () => {
  const data = join(root, 'faq.csv');
  writeFileSync(data, 'topic,q,a\nlibrary,When does the library open?,At 8:00.\ndorm,When are lights out?,At 23:00.\n');
  const r = await runTuneloom(
    [
      'train',
      '--model',
      tiny(),
      '--data',
      data,
      '--map',
      'q=user,a=assistant,topic=meta',
      '--out',
      join(root, 'mapped'),
      '--max-steps',
      '1',
      '--val-split',
      '0',
      '--backend',
      'cpu',
      '--json',
    ],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
  const start = jsonLines(r.stdout).find((e) => e.type === 'start')!;
  assert.equal(start.examples, 2);
  const bad = await runTuneloom(['train', '--model', tiny(), '--data', data, '--map', 'q=asker', '--out', join(root, 'mapped-bad')], { env });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--map: "q=asker" is not column=role/);
});

test('a typo in --data is one line before anything exists: no backend probe, no --out folder, no run recorded', async () => {
  const out = join(root, 'typo-out');
  const db = join(root, 'typo.db');
  const r = await runTuneloom(['train', '--model', tiny(), '--data', join(root, 'no-such-file.jsonl'), '--out', out, '--db', db, '--backend', 'auto'], { env });
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(r.stderr.trim().split('\n').length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(r.stderr, /^tuneloom train: .*no-such-file\.jsonl: data file not found — check the --data path\n$/);
  assert.ok(!existsSync(out), '--out was not created');
  assert.ok(!existsSync(db), 'no store (so no failed run) was created');
  const val = await runTuneloom(
    [
      'train',
      '--model',
      tiny(),
      '--data',
      writeLearningData(join(root, 'typo-ok.jsonl')),
      '--val-data',
      join(root, 'nope-val.jsonl'),
      '--out',
      out,
      '--db',
      db,
    ],
    { env },
  );
  assert.equal(val.code, 1);
  assert.match(val.stderr, /validation data file not found — check the --val-data path/);
  assert.ok(!existsSync(out) && !existsSync(db));
});

test("--out over a non-empty folder that is not this run's is refused unless --force, which replaces it", async () => {
  const out = join(root, 'older-run');
  mkdirSync(join(out, 'checkpoint-5'), { recursive: true });
  writeFileSync(join(out, 'adapter_model.safetensors'), 'older weights');
  writeFileSync(join(out, 'checkpoint-5', 'trainer_state.json'), '{}');
  const args = [
    'train',
    '--model',
    tiny(),
    '--data',
    writeLearningData(join(root, 'over.jsonl')),
    '--out',
    out,
    '--max-steps',
    '1',
    '--val-split',
    '0',
    '--backend',
    'auto',
  ];
  const refused = await runTuneloom(args, { env });
  assert.equal(refused.code, 1, refused.stderr);
  assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
  assert.match(refused.stderr, /older-run: the --out folder already exists and is not empty — choose a new --out folder, or pass --force to replace it/);
  assert.equal(readFileSync(join(out, 'adapter_model.safetensors'), 'utf8'), 'older weights', 'the older adapter is untouched');

  const forced = await runTuneloom([...args, '--force'], { env });
  assert.equal(forced.code, 0, forced.stderr);
  // eslint-disable-next-line no-control-regex -- the test looks for the terminal's escape character
  assert.doesNotMatch(forced.stderr, /[\r\x1b]/, 'stderr is a pipe: no \\r progress redraws, no escape codes');
  assert.match(forced.stderr, /^\[#+\] step 1\/1 loss /m);
  assert.doesNotMatch(forced.stderr, /artificially reduced/, "Dawn's native limit warnings (lavapipe) do not reach the user");
  assert.ok(!existsSync(join(out, 'checkpoint-5')), 'the older checkpoints do not stay mixed in');
  assert.notEqual(readFileSync(join(out, 'adapter_model.safetensors'), 'utf8'), 'older weights');
  assert.ok(existsSync(join(out, 'adapter_config.json')));
});

test('GRPO flags as CLI.md spells them: --group-size, --kl-beta, and --reward format,exact,FILE.js', async () => {
  const model = writeTinyModel(join(root, 'grpo-tiny'));
  const data = join(root, 'grpo.jsonl');
  writeFileSync(data, JSON.stringify({ question: 'What is 2 + 2?', answer: 'Four. #### 4' }) + '\n');
  const rewardFile = join(root, 'mine.js');
  writeFileSync(rewardFile, 'function reward(prompt, completion) { return completion.length > 0 ? 1 : 0; }\n');
  const db = join(root, 'grpo.db');
  const base = ['train', '--method', 'grpo', '--model', model, '--data', data, '--format', 'gsm8k', '--backend', 'cpu', '--db', db];
  const r = await runTuneloom(
    [
      ...base,
      '--out',
      join(root, 'grpo-out'),
      '--group-size',
      '2',
      '--kl-beta',
      '0.1',
      '--reward',
      `format,exact,${rewardFile}`,
      '--max-new-tokens',
      '2',
      '--max-steps',
      '1',
      '--json',
    ],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
  const start = jsonLines(r.stdout).find((e) => e.type === 'start')!;
  const store = openStore(db);
  try {
    const grpo = getRun(store, start.run_id as number)!.config.grpo as Record<string, unknown>;
    assert.equal(grpo.numGenerations, 2);
    assert.equal(grpo.beta, 0.1);
    assert.deepEqual(grpo.rewards, ['format', 'correct']);
    assert.equal(grpo.rewardFile, rewardFile);
  } finally {
    store.close();
  }
  const both = await runTuneloom([...base, '--out', join(root, 'grpo-both'), '--group-size', '2', '--num-generations', '2'], { env });
  assert.equal(both.code, 1);
  assert.match(both.stderr.trim(), /^tuneloom train: --num-generations and --group-size are one setting/);
  const twoFiles = await runTuneloom([...base, '--out', join(root, 'grpo-two'), '--reward', `${rewardFile},${rewardFile}`], { env });
  assert.equal(twoFiles.code, 1);
  assert.match(twoFiles.stderr, /one reward file per run/);
});
