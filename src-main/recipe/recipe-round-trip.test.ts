/**
 * export-recipe and runs import through the real CLI on the project's tiny model: a run trained by our
 * own trainer is exported for LLaMA-Factory and axolotl (YAML checked against the schema transcribed
 * from their sources; datasets converted back by their documented rules give the run's own chats),
 * then a folder laid out like LLaMA-Factory's output (our adapter, their trainer_log.jsonl) and one
 * like axolotl's (HF trainer_state.json in checkpoint-N) are imported: curve, config and adapter equal
 * the original run's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../store/db';
import { listMetrics } from '../store/queries/metrics';
import { getRun } from '../store/queries/runs';
import { listEvals } from '../store/queries/evals';
import { runTuneloom } from '../test-support/cli';
import { tempDir } from '../test-support/paths';
import { writeTinyModel } from '../test-support/tiny-model';
import { readExamples } from '../engine-node/node-train-io';
import { splitValidation } from '../engine/train/train-data';
import type { Example } from '../data/types';
import { checkDatasetInfo, checkRecipe } from './target-schemas';
import { fromAxolotl, fromLlamaFactory, type LlamaFactoryDataset } from './recipe-data';
import { parseYaml, type YamlMap } from './yaml';

const dir = tempDir('tuneloom-recipe-');
const model = writeTinyModel(join(dir, 'model'));
const db = join(dir, 'store.db');
const data = join(dir, 'chats.jsonl');
// Single-turn, with a system prompt, multi-turn and a CoT answer: sharegpt for LLaMA-Factory.
const chats = [
  ...Array.from({ length: 6 }, (_, i) => ({
    messages: [
      { role: 'user', content: `q${i}` },
      { role: 'assistant', content: `answer ${i}` },
    ],
  })),
  {
    messages: [
      { role: 'system', content: '你是助手。' },
      { role: 'user', content: '你好' },
      { role: 'assistant', content: '你好！' },
    ],
  },
  {
    messages: [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
      { role: 'user', content: 'c\nd' },
      { role: 'assistant', content: 'e' },
    ],
  },
  {
    messages: [
      { role: 'user', content: '2+2?' },
      { role: 'assistant', content: '<think>\n2 and 2\n</think>\n\n4' },
    ],
  },
  {
    messages: [
      { role: 'user', content: 'tabs\tand "quotes"' },
      { role: 'assistant', content: ' leading space' },
    ],
  },
];
writeFileSync(data, chats.map((c) => JSON.stringify(c)).join('\n') + '\n');

const ok = (r: { code: number; stderr: string; stdout: string }) => {
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
};

async function trainOriginal(): Promise<number> {
  const out = ok(
    await runTuneloom([
      'train',
      '--model',
      model,
      '--data',
      data,
      '--out',
      join(dir, 'run'),
      '--max-steps',
      '4',
      '--lr',
      '5e-3',
      '--val-split',
      '0.2',
      '--eval-every',
      '2',
      '--lora-targets',
      'q_proj,k_proj,v_proj',
      '--warmup-steps',
      '1',
      '--scheduler',
      'cosine',
      '--grad-accum',
      '2',
      '--seed',
      '7',
      '--backend',
      'cpu',
      '--db',
      db,
      '--json',
      '--name',
      'original',
    ]),
  );
  const done = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; run_id?: number })
    .find((e) => e.type === 'done');
  return done!.run_id!;
}

async function runChats(): Promise<{ train: Example[]; val: Example[] }> {
  const all = (await readExamples(data, undefined)).examples;
  return splitValidation(all, 0.2, 7);
}

const runIdP = trainOriginal();

test("LLaMA-Factory export: YAML and dataset_info.json match the transcribed schema, the data converts back to the run's chats, and the import equals the run", async () => {
  const runId = await runIdP;
  const exp = join(dir, 'lf');
  const r = JSON.parse(ok(await runTuneloom(['export-recipe', String(runId), '--to', 'llamafactory', '--out', exp, '--db', db, '--json'])));
  assert.deepEqual(r.examples, { train: 8, val: 2 });
  const yaml = parseYaml(readFileSync(join(exp, 'llamafactory_lora_sft.yaml'), 'utf8')) as YamlMap;
  assert.deepEqual(checkRecipe('llamafactory', yaml), []);
  assert.equal(yaml.model_name_or_path, model);
  assert.equal(yaml.finetuning_type, 'lora');
  assert.equal(yaml.lora_target, 'q_proj,k_proj,v_proj');
  assert.equal(yaml.lr_scheduler_type, 'cosine');
  assert.equal(yaml.warmup_steps, 1);
  assert.equal(yaml.max_steps, 4);
  assert.equal(yaml.gradient_accumulation_steps, 2);
  assert.equal(yaml.template, 'qwen');
  assert.equal(yaml.eval_dataset, 'tuneloom_val');
  const info = JSON.parse(readFileSync(join(exp, 'data/dataset_info.json'), 'utf8')) as Record<string, LlamaFactoryDataset['info'] & { file_name: string }>;
  for (const e of Object.values(info)) assert.deepEqual(checkDatasetInfo(e as unknown as Record<string, unknown>), []);
  assert.equal(info.tuneloom_train.formatting, 'sharegpt', 'a multi-turn chat makes the whole set sharegpt');
  const back = (name: 'tuneloom_train' | 'tuneloom_val') =>
    (JSON.parse(readFileSync(join(exp, 'data', info[name].file_name), 'utf8')) as Record<string, unknown>[]).map((row) => fromLlamaFactory(row, info[name]));
  const { train, val } = await runChats();
  assert.deepEqual(back('tuneloom_train'), train);
  assert.deepEqual(back('tuneloom_val'), val);
  assert.match(readFileSync(join(exp, 'README.md'), 'utf8'), /llamafactory-cli train llamafactory_lora_sft\.yaml/);

  // What LLaMA-Factory leaves in output_dir: the adapter (here written by our trainer) and trainer_log.jsonl.
  const store = openStore(db);
  const original = getRun(store, runId)!;
  const curve = listMetrics(store, runId);
  const evals = listEvals(store, runId).filter((e) => e.kind === 'train-eval');
  store.close();
  const outDir = join(exp, String(yaml.output_dir));
  mkdirSync(outDir, { recursive: true });
  for (const f of ['adapter_config.json', 'adapter_model.safetensors']) copyFileSync(join(original.adapterPath!, f), join(outDir, f));
  const lines = [
    ...curve.map((p) => ({
      current_steps: p.step,
      total_steps: 4,
      loss: p.loss,
      lr: p.lr,
      epoch: p.epoch,
      percentage: p.step * 25,
      elapsed_time: '0:00:01',
      remaining_time: '0:00:01',
    })),
    ...evals.map((e) => ({
      current_steps: e.step,
      total_steps: 4,
      eval_loss: e.loss,
      epoch: 1,
      percentage: 50,
      elapsed_time: '0:00:01',
      remaining_time: '0:00:01',
    })),
  ];
  writeFileSync(join(outDir, 'trainer_log.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');

  const imp = JSON.parse(ok(await runTuneloom(['runs', 'import', outDir, '--db', db, '--json'])));
  assert.equal(imp.tool, 'llamafactory');
  const s = openStore(db);
  const got = getRun(s, imp.runId)!;
  assert.equal(got.status, 'completed');
  assert.deepEqual(
    listMetrics(s, imp.runId).map((p) => [p.step, p.loss, p.lr, p.epoch]),
    curve.map((p) => [p.step, p.loss, p.lr, p.epoch]),
  );
  assert.deepEqual(
    listEvals(s, imp.runId)
      .filter((e) => e.kind === 'train-eval')
      .map((e) => [e.step, e.loss]),
    evals.map((e) => [e.step, e.loss]),
  );
  assert.equal(got.bestEvalLoss, original.bestEvalLoss);
  const { out: _o1, ...gotCfg } = got.config;
  const { out: _o2, ...origCfg } = original.config;
  assert.deepEqual(gotCfg, origCfg, 'every hyper-parameter equals the original (only the folder differs)');
  assert.equal(got.modelPath, original.modelPath);
  for (const f of ['adapter_config.json', 'adapter_model.safetensors'])
    assert.ok(readFileSync(join(got.adapterPath!, f)).equals(readFileSync(join(original.adapterPath!, f))), f);
  assert.notEqual(got.adapterPath, outDir, 'the store keeps its own copy');
  s.close();

  const cmp = JSON.parse(ok(await runTuneloom(['runs', 'compare', String(runId), String(imp.runId), '--db', db, '--json'])));
  assert.deepEqual(
    Object.keys(cmp.differences).filter((k) => k.startsWith('config.') && k !== 'config.out'),
    [],
    'compare shows no hyper-parameter difference',
  );

  // Usable like any run: eval through the imported adapter gives the original's loss.
  const evalLoss = async (adapter: string) =>
    (
      JSON.parse(
        ok(
          await runTuneloom([
            'eval',
            '--model',
            model,
            '--adapter',
            adapter,
            '--data',
            data,
            '--metrics',
            'loss',
            '--limit',
            '3',
            '--backend',
            'cpu',
            '--json',
          ]),
        ),
      ) as { loss: number }
    ).loss;
  assert.equal(await evalLoss(got.adapterPath!), await evalLoss(original.adapterPath!));
});

test('axolotl export: YAML matches the schema, chat_template rows convert back, and a trainer_state.json in checkpoint-N imports', async () => {
  const runId = await runIdP;
  const exp = join(dir, 'ax');
  ok(await runTuneloom(['export-recipe', String(runId), '--to', 'axolotl', '--gpus', '2', '--distributed', 'fsdp', '--out', exp, '--db', db]));
  const yaml = parseYaml(readFileSync(join(exp, 'axolotl_lora.yaml'), 'utf8')) as YamlMap;
  assert.deepEqual(checkRecipe('axolotl', yaml), []);
  assert.deepEqual(yaml.lora_target_modules, ['q_proj', 'k_proj', 'v_proj']);
  assert.equal(yaml.chat_template, 'tokenizer_default');
  assert.equal(yaml.gradient_accumulation_steps, 1, 'grad-accum 2 over 2 GPUs keeps the global batch');
  assert.equal(yaml.fsdp_version, 2);
  assert.equal((yaml.fsdp_config as YamlMap).transformer_layer_cls_to_wrap, 'Qwen2DecoderLayer');
  const entry = (yaml.datasets as YamlMap[])[0];
  const rows = readFileSync(join(exp, 'data/train.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    rows.map((row) => fromAxolotl(row, entry)),
    (await runChats()).train,
  );
  assert.match(readFileSync(join(exp, 'README.md'), 'utf8'), /accelerate launch --num_processes 2 -m axolotl\.cli\.train axolotl_lora\.yaml/);

  const store = openStore(db);
  const original = getRun(store, runId)!;
  const curve = listMetrics(store, runId);
  store.close();
  const outDir = join(exp, String(yaml.output_dir));
  mkdirSync(join(outDir, 'checkpoint-4'), { recursive: true });
  for (const f of ['adapter_config.json', 'adapter_model.safetensors']) copyFileSync(join(original.adapterPath!, f), join(outDir, f));
  const logHistory = curve.map((p) => ({ step: p.step, loss: p.loss, learning_rate: p.lr, grad_norm: p.gradNorm, epoch: p.epoch }));
  writeFileSync(join(outDir, 'checkpoint-4', 'trainer_state.json'), JSON.stringify({ global_step: 4, max_steps: 4, log_history: logHistory }));
  // The export folder itself (the whole folder copied back) finds its output through the manifest.
  const imp = JSON.parse(ok(await runTuneloom(['runs', 'import', exp, '--db', db, '--name', 'from axolotl', '--json'])));
  assert.equal(imp.tool, 'axolotl');
  assert.equal(imp.curve, 'trainer_state.json');
  const s = openStore(db);
  const got = getRun(s, imp.runId)!;
  assert.deepEqual(
    listMetrics(s, imp.runId).map((p) => [p.step, p.loss, p.lr, p.gradNorm]),
    curve.map((p) => [p.step, p.loss, p.lr, p.gradNorm]),
  );
  const { out: _o1, ...gotCfg } = got.config;
  const { out: _o2, ...origCfg } = original.config;
  assert.deepEqual(gotCfg, origCfg, 'the 2-GPU YAML reads back to the same global batch');
  s.close();
});

test('one clear line, nothing written: P-Tuning v2 export, uneven GPU split, an import folder without an adapter, a cut-off log', async () => {
  const runId = await runIdP;
  const uneven = await runTuneloom(['export-recipe', String(runId), '--to', 'llamafactory', '--gpus', '3', '--out', join(dir, 'x3'), '--db', db]);
  assert.equal(uneven.code, 1);
  assert.match(uneven.stderr, /batch 1 x grad-accum 2 = 2 rows per step cannot be split evenly over 3 GPUs/);
  assert.equal(existsSync(join(dir, 'x3')), false);
  const pt = ok(
    await runTuneloom([
      'train',
      '--model',
      model,
      '--data',
      data,
      '--out',
      join(dir, 'pt'),
      '--method',
      'ptuning',
      '--prefix-len',
      '4',
      '--max-steps',
      '1',
      '--backend',
      'cpu',
      '--db',
      db,
      '--json',
    ]),
  );
  const ptId = pt
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; run_id?: number })
    .find((e) => e.type === 'done')!.run_id!;
  for (const to of ['llamafactory', 'axolotl']) {
    const r = await runTuneloom(['export-recipe', String(ptId), '--to', to, '--out', join(dir, `pt-${to}`), '--db', db]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /P-Tuning v2 \(prefix tuning\) has no equivalent in (LLaMA-Factory|axolotl)/);
    assert.equal(existsSync(join(dir, `pt-${to}`)), false);
  }
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const noAdapter = await runTuneloom(['runs', 'import', empty, '--db', db]);
  assert.equal(noAdapter.code, 1);
  assert.match(noAdapter.stderr, /no adapter_config\.json in this folder/);
  const cut = join(dir, 'cut');
  mkdirSync(cut);
  const store = openStore(db);
  const original = getRun(store, runId)!;
  store.close();
  for (const f of ['adapter_config.json', 'adapter_model.safetensors']) copyFileSync(join(original.adapterPath!, f), join(cut, f));
  writeFileSync(join(cut, 'trainer_log.jsonl'), '{"current_steps": 1, "loss": 2.5}\n{"current_steps": 2, "lo');
  const bad = await runTuneloom(['runs', 'import', cut, '--model', model, '--db', db]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /trainer_log\.jsonl:2: a line of trainer_log\.jsonl is not JSON/);
  writeFileSync(join(cut, 'trainer_log.jsonl'), '{"current_steps": 1, "loss": 2.5}\n');
  const other = writeTinyModel(join(dir, 'other-model'), { hidden: 32, heads: 2, kvHeads: 1 });
  const wrongBase = await runTuneloom(['runs', 'import', cut, '--model', other, '--db', db]);
  assert.equal(wrongBase.code, 1);
  assert.match(wrongBase.stderr, /the adapter was trained on .*\(hiddenSize 64\), but --model is .*\(hiddenSize 32\)/);
  // A hub id in the adapter (a cluster's) cannot be checked by folder: the tensor shapes are.
  const cfgFile = join(cut, 'adapter_config.json');
  writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(readFileSync(cfgFile, 'utf8')), base_model_name_or_path: 'Qwen/Qwen2.5-14B-Instruct' }));
  const noBase = await runTuneloom(['runs', 'import', cut, '--db', db]);
  assert.equal(noBase.code, 1);
  assert.match(noBase.stderr, /the base model "Qwen\/Qwen2\.5-14B-Instruct" is not a model folder on this machine .* pass its folder with --model DIR/);
  const wrongShapes = await runTuneloom(['runs', 'import', cut, '--model', other, '--db', db]);
  assert.equal(wrongShapes.code, 1);
  assert.match(
    wrongShapes.stderr,
    /the adapter does not fit this base model: .*layers\.0\.self_attn\.\w+_proj\.lora_A\.weight has shape \[8, 64\] where \[r, 32\] fits/,
  );
  const runs = JSON.parse(ok(await runTuneloom(['runs', 'list', '--db', db, '--json']))).runs as { name: string }[];
  assert.equal(runs.filter((r) => r.name === 'cut').length, 0, 'a refused import adds no run');
  assert.equal(existsSync(join(dir, 'imports', 'cut')), false, 'and leaves no copy behind');
});
