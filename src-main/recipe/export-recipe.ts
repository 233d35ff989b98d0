/**
 * `tuneloom export-recipe RUN --to llamafactory|axolotl --out DIR [--gpus N] [--distributed ...]`:
 * one of our runs as a recipe for a distributed trainer. The folder holds the run's own examples (the
 * same seeded train/validation split the trainer drew) in the target's format, the YAML from the
 * field table (./recipe-fields.ts), a DeepSpeed/FSDP config for N GPUs, a README with the commands,
 * and tuneloom-recipe.json (our config and the export's facts) that `runs import` reads back.
 * A field the target cannot reproduce refuses the export with one line per field; nothing is written.
 */
import { writeFileSync, mkdirSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors';
import type { TrainConfig } from '../engine/train/train-config';
import { splitValidation, withSystem } from '../engine/train/train-data';
import { readModelConfig } from '../engine-node/load-model';
import { readExamples } from '../engine-node/node-train-io';
import { stageOutput } from '../export/output-folder';
import type { Db } from '../store/db';
import { getModelByPath } from '../store/queries/library';
import { isTrainConfig } from '../workers/protocol';
import { getRun } from '../store/queries/runs';
import type { Example } from '../data/types';
import { isChat } from '../data/types';
import { buildRecipe, type Distributed, type RecipeContext, type RecipeTarget } from './recipe-fields';
import { datasetKind, jsonLines, toAxolotl, toLlamaFactory } from './recipe-data';
import { accelerateFsdpConfig, deepspeedConfig, readme } from './launch-files';
import { AXOLOTL_PIN, LLAMAFACTORY_PIN } from './target-schemas';
import { emitYaml, type YamlMap } from './yaml';

export interface ExportRecipeRequest {
  runId: number;
  to: RecipeTarget;
  out: string;
  gpus?: number;
  /** Default: zero2 with more than one GPU, none with one. */
  distributed?: Distributed;
  force?: boolean;
}

export interface ExportRecipeResult {
  out: string;
  to: RecipeTarget;
  yaml: string;
  files: string[];
  examples: { train: number; val: number };
  notes: string[];
  /** The fields of `notes` (language-neutral). */
  noteFields: string[];
}

/** What tuneloom-recipe.json holds (read back by `runs import`). */
export interface RecipeManifest {
  tuneloom: 'recipe';
  version: 1;
  target: RecipeTarget;
  /** null: exported from the wizard before any run existed. */
  runId: number | null;
  runName: string;
  modelPath: string;
  outputDir: string;
  gpus: number;
  split: 'accum' | 'batch';
  totalSteps: number | null;
  config: TrainConfig;
}

export const MANIFEST_FILE = 'tuneloom-recipe.json';

const LAYER_CLASS: Record<string, string> = { qwen2: 'Qwen2DecoderLayer', qwen3: 'Qwen3DecoderLayer', llama: 'LlamaDecoderLayer' };

/** LLaMA-Factory's template for a model: its family, and for Llama which generation the chat template is. */
export function llamaFactoryTemplate(modelDir: string, family: string): string {
  if (family === 'qwen3') return 'qwen3';
  if (family === 'qwen2') return 'qwen';
  let chat = '';
  try {
    chat = String((JSON.parse(readFileSync(join(modelDir, 'tokenizer_config.json'), 'utf8')) as { chat_template?: unknown }).chat_template ?? '');
  } catch {
    /* no tokenizer_config.json: fall through */
  }
  if (chat.includes('<|start_header_id|>')) return 'llama3';
  if (chat.includes('[INST]')) return 'llama2';
  return chat.includes('<|im_start|>') ? 'chatml' : 'default';
}

/** Our global batch over N GPUs: accumulation divided first (same micro-batch memory), else the micro-batch. */
export function splitBatch(batch: number, accum: number, gpus: number): { batch: number; accum: number; split: 'accum' | 'batch' } {
  if (gpus <= 1) return { batch, accum, split: 'accum' };
  if (accum % gpus === 0) return { batch, accum: accum / gpus, split: 'accum' };
  if (batch % gpus === 0) return { batch: batch / gpus, accum, split: 'batch' };
  throw new UserError(`the run's batch ${batch} x grad-accum ${accum} = ${batch * accum} rows per step cannot be split evenly over ${gpus} GPUs`, {
    where: '--gpus',
    hint: `use a GPU count that divides ${accum} or ${batch}, or train again with --grad-accum a multiple of ${gpus}`,
  });
}

async function runExamples(config: TrainConfig): Promise<{ train: Example[]; val: Example[] }> {
  const all = (await readExamples(config.data, config.format, config.map, config.dataset)).examples;
  const split = splitValidation(all, config.valData ? 0 : config.valSplit, config.seed);
  const val = config.valData ? (await readExamples(config.valData, config.format, config.map)).examples : split.val;
  const sys = (list: Example[]) => list.map((e) => (isChat(e) ? { ...e, messages: withSystem(e.messages, config.system) } : e));
  return { train: sys(split.train), val: sys(val) };
}

/** What a recipe is made from: a run in the store, or a run the wizard has not launched (id null). */
export interface RecipeSource {
  id: number | null;
  name: string;
  modelPath: string;
  config: TrainConfig;
  totalSteps: number | null;
}

export async function exportRecipe(db: Db, req: ExportRecipeRequest): Promise<ExportRecipeResult> {
  const run = getRun(db, req.runId);
  if (!run) throw new UserError(`no run with id ${req.runId} in this store`, { hint: 'list runs with `tuneloom runs list` (or pass the right --db)' });
  const config = run.config;
  if (!isTrainConfig(config) || !config.data)
    throw new UserError(`run ${run.id} has no training data file recorded`, {
      hint: 'only runs trained by Tuneloom (or imported with their recipe) can be exported as a recipe',
    });
  return writeRecipe(db, { id: run.id, name: run.name, modelPath: run.modelPath, config, totalSteps: run.totalSteps }, req);
}

/** Everything a recipe is written from, checked: the run, its GPUs and batch split, its examples, the built fields. */
interface RecipePlan {
  src: RecipeSource;
  run: { id: number; name: string; modelPath: string; totalSteps: number | null };
  /** How messages name the source: `run 7`, or the wizard's name in quotes. */
  label: string;
  gpus: number;
  distributed: Distributed;
  per: ReturnType<typeof splitBatch>;
  repo: ReturnType<typeof getModelByPath>;
  train: Example[];
  val: Example[];
  outputDir: string;
  ctx: RecipeContext;
  built: ReturnType<typeof buildRecipe>;
}

/** The recipe of a source; `req.runId` is ignored (the source says which run, if any). */
export async function writeRecipe(db: Db, src: RecipeSource, req: Omit<ExportRecipeRequest, 'runId'>): Promise<ExportRecipeResult> {
  const plan = await planRecipe(db, src, req);
  const { train, val, built } = plan;
  const files: Record<string, string> = {};
  const { doc, format } = addDataFiles(files, req.to, plan);
  const yamlName = addLaunchFiles(files, req.to, plan, doc, format);
  const staged = stageOutput(req.out, { force: !!req.force, neededBytes: Object.values(files).reduce((n, s) => n + Buffer.byteLength(s), 0) });
  try {
    for (const [rel, text] of Object.entries(files)) {
      const path = join(staged.stagingDir, rel);
      mkdirSync(resolve(path, '..'), { recursive: true });
      writeFileSync(path, text);
    }
    staged.commit();
  } catch (e) {
    staged.abort();
    throw e;
  }
  return {
    out: staged.finalDir,
    to: req.to,
    yaml: join(staged.finalDir, yamlName),
    files: Object.keys(files).sort(),
    examples: { train: train.length, val: val.length },
    notes: built.notes,
    noteFields: built.noteFields,
  };
}

/** Checks the source and the request, reads the examples and builds the fields; refusals throw, nothing written. */
async function planRecipe(db: Db, src: RecipeSource, req: Omit<ExportRecipeRequest, 'runId'>): Promise<RecipePlan> {
  const config = src.config;
  const run = { id: src.id ?? 0, name: src.name, modelPath: src.modelPath, totalSteps: src.totalSteps };
  const label = src.id === null ? `"${src.name}"` : `run ${src.id}`;
  if (!existsSync(config.data))
    throw new UserError("the run's data file is gone", { where: config.data, hint: 'put it back where the run read it, then export again' });
  const gpus = req.gpus ?? 1;
  if (!Number.isInteger(gpus) || gpus < 1 || gpus > 4096) throw new UserError(`--gpus must be a whole number from 1, got ${req.gpus}`, { where: '--gpus' });
  const distributed: Distributed = req.distributed ?? (gpus > 1 ? 'zero2' : 'none');
  const per = splitBatch(config.batchSize, config.gradAccum, gpus);
  const modelCfg = readModelConfig(run.modelPath);
  const repo = getModelByPath(db, run.modelPath);
  const { train, val } = await runExamples(config);
  const kind = datasetKind(train);
  const name = (run.name || `run-${run.id}`).replace(/[^\w.-]+/g, '-');
  const outputDir = `saves/${name}`;
  const lfDatasetDir = 'data';
  const ctx: RecipeContext = {
    config,
    model: repo?.repoId ?? run.modelPath,
    lfTemplate: llamaFactoryTemplate(run.modelPath, modelCfg.family),
    kind,
    hasVal: val.length > 0,
    gpus,
    totalSteps: run.totalSteps ?? config.maxSteps ?? null,
    outputDir,
    perDevice: { batch: per.batch, accum: per.accum },
    layerClass: LAYER_CLASS[modelCfg.family] ?? 'LlamaDecoderLayer',
    distributed,
    files: { lfDatasetDir, train: '', val: null, deepspeed: distributed === 'zero2' || distributed === 'zero3' ? 'ds_config.json' : null },
  };
  const built = buildRecipe(req.to, ctx);
  if (built.refusals.length) {
    throw new UserError(`${label} cannot be exported to ${req.to} without changing what it trains: ${built.refusals.join('; ')}`, {
      hint: 'nothing was written; use LoRA for this export',
    });
  }
  return { src, run, label, gpus, distributed, per, repo, train, val, outputDir, ctx, built };
}

/** The examples in the target's format (LLaMA-Factory's dataset_info, or axolotl's datasets in the YAML). */
function addDataFiles(files: Record<string, string>, to: RecipeTarget, plan: RecipePlan): { doc: YamlMap; format: string } {
  const { train, val } = plan;
  let doc: YamlMap = plan.built.doc;
  let format: string;
  if (to === 'llamafactory') {
    const t = toLlamaFactory(train, 'training');
    const v = val.length ? toLlamaFactory(val, 'validation', t.formatting) : null;
    format = t.formatting;
    files['data/tuneloom_train.json'] = JSON.stringify(t.rows, null, 1) + '\n';
    const info: Record<string, unknown> = { tuneloom_train: { file_name: 'tuneloom_train.json', ...t.info } };
    if (v) {
      files['data/tuneloom_val.json'] = JSON.stringify(v.rows, null, 1) + '\n';
      info.tuneloom_val = { file_name: 'tuneloom_val.json', ...v.info };
    }
    files['data/dataset_info.json'] = JSON.stringify(info, null, 2) + '\n';
  } else {
    const lossOn = plan.src.config.lossOn;
    const t = toAxolotl(train, 'training', lossOn);
    const v = val.length ? toAxolotl(val, 'validation', lossOn) : null;
    format = t.type;
    files['data/train.jsonl'] = jsonLines(t.rows);
    const entry = (file: string, e: YamlMap): YamlMap => ({ path: file, ds_type: 'json', split: 'train', ...e });
    doc = { ...doc, datasets: [entry('data/train.jsonl', t.entry)] };
    if (v) {
      files['data/val.jsonl'] = jsonLines(v.rows);
      doc.test_datasets = [entry('data/val.jsonl', v.entry)];
    }
    doc.strict = false;
  }
  return { doc, format };
}

/** The YAML, the DeepSpeed/FSDP config, the manifest and the README; returns the YAML's file name. */
function addLaunchFiles(files: Record<string, string>, to: RecipeTarget, plan: RecipePlan, doc: YamlMap, format: string): string {
  const { src, run, label, gpus, distributed, ctx, built } = plan;
  const yamlName = to === 'llamafactory' ? 'llamafactory_lora_sft.yaml' : 'axolotl_lora.yaml';
  const pin = to === 'llamafactory' ? LLAMAFACTORY_PIN : AXOLOTL_PIN;
  files[yamlName] = emitYaml(doc, {
    header: [
      `Tuneloom ${label} "${run.name}": recipe for ${to} ${pin.version} (checked against ${pin.commit.slice(0, 12)}).`,
      'See README.md for the commands.',
    ],
  });
  if (ctx.files.deepspeed) files['ds_config.json'] = JSON.stringify(deepspeedConfig(distributed === 'zero3' ? 3 : 2), null, 2) + '\n';
  if (distributed === 'fsdp' && to === 'llamafactory') files['fsdp_config.yaml'] = emitYaml(accelerateFsdpConfig(gpus, ctx.layerClass));
  const manifest: RecipeManifest = {
    tuneloom: 'recipe',
    version: 1,
    target: to,
    runId: src.id,
    runName: run.name,
    modelPath: run.modelPath,
    outputDir: plan.outputDir,
    gpus,
    split: plan.per.split,
    totalSteps: ctx.totalSteps,
    config: src.config,
  };
  files[MANIFEST_FILE] = JSON.stringify(manifest, null, 2) + '\n';
  files['README.md'] = readme({
    target: to,
    runName: run.name,
    runId: src.id,
    yaml: yamlName,
    gpus,
    distributed,
    outputDir: plan.outputDir,
    model: ctx.model,
    localModel: !plan.repo?.repoId,
    examples: { train: plan.train.length, val: plan.val.length },
    format,
    notes: built.notes,
    pin,
  });
  return yamlName;
}
