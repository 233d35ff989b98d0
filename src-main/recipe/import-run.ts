/**
 * `tuneloom runs import DIR`: a PEFT LoRA adapter trained elsewhere (LLaMA-Factory, axolotl, any HF
 * Trainer) becomes a completed run in our store, with its loss curve (./trainer-logs.ts), its config
 * and its adapter, so compare, eval, the playground and export treat it like a local run.
 *
 * The config is, in order of trust: what the adapter itself says (r, alpha, dropout, targets), the
 * target's YAML read back through the field table (what was actually run), the tuneloom-recipe.json the
 * export wrote (our original config, for the fields no YAML carries), our defaults. The adapter files
 * and logs are copied into a folder of the store's own, so deleting the run never touches DIR.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../errors';
import { TRAIN_DEFAULTS, type TrainConfig } from '../engine/train/train-config';
import { parseLoraConfig } from '../engine/adapters/peft-lora-host';
import { readModelConfig } from '../engine-node/load-model';
import { checkAdapterBase } from '../engine-node/adapter-base-check';
import { stageOutput } from '../export/output-folder';
import { modelConfigHash } from '../runs/run-spec';
import type { Db } from '../store/db';
import { getModelByPath, modelPathOfRepo } from '../store/queries/library';
import { insertImportedRun } from '../store/queries/run-import';
import { appVersion } from '../version';
import { checkAdapterShapes } from './adapter-shapes';
import { findCurve } from './trainer-logs';
import { MANIFEST_FILE, type RecipeManifest } from './export-recipe';
import { readRecipe, type RecipeTarget } from './recipe-fields';
import { parseYaml, YamlError, type YamlMap } from './yaml';

export interface ImportRunRequest {
  dir: string;
  name?: string;
  /** The base model folder; default: the recipe's, or the adapter's base_model_name_or_path when it is a folder here. */
  model?: string;
  /** Where the store keeps the copy; default: imports/<name> beside the store file. */
  out?: string;
  /** The store file's path (for the default out). */
  storePath: string;
}

export interface ImportRunResult {
  runId: number;
  name: string;
  tool: RecipeTarget | 'hf-trainer';
  steps: number;
  curve: string | null;
  adapterPath: string;
  modelPath: string;
}

const ADAPTER_FILES = ['adapter_config.json', 'adapter_model.safetensors'] as const;
const KEEP_FILES = ['trainer_log.jsonl', 'trainer_state.json', 'training_args.yaml', 'all_results.json', 'train_results.json', MANIFEST_FILE] as const;

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new UserError('the file is not valid JSON', { where: file, hint: 'copy it back whole' });
  }
}

/** tuneloom-recipe.json in DIR or up to two folders above (the export's saves/NAME layout). */
function findManifest(dir: string): { file: string; manifest: RecipeManifest } | null {
  let at = dir;
  for (let i = 0; i < 3; i++) {
    const file = join(at, MANIFEST_FILE);
    if (existsSync(file)) {
      const m = readJson(file) as RecipeManifest;
      if (m.tuneloom !== 'recipe' || (m.target !== 'llamafactory' && m.target !== 'axolotl'))
        throw new UserError('not a Tuneloom recipe manifest', { where: file });
      return { file, manifest: m };
    }
    at = dirname(at);
  }
  return null;
}

/** The YAML that was run: the recipe's (beside its manifest), else LLaMA-Factory's training_args.yaml. */
function findYaml(dir: string, manifest: { file: string; manifest: RecipeManifest } | null): { file: string; doc: YamlMap } | null {
  const names = manifest
    ? [join(dirname(manifest.file), manifest.manifest.target === 'llamafactory' ? 'llamafactory_lora_sft.yaml' : 'axolotl_lora.yaml')]
    : [];
  names.push(join(dir, 'training_args.yaml'));
  for (const file of names) {
    if (!existsSync(file)) continue;
    try {
      const doc = parseYaml(readFileSync(file, 'utf8'));
      if (doc && typeof doc === 'object' && !Array.isArray(doc)) return { file, doc };
    } catch (e) {
      if (e instanceof YamlError)
        throw new UserError(`the recipe YAML cannot be read: ${e.message}`, {
          where: `${file}:${e.line}`,
          hint: 'fix that line, or remove the file to import without it',
        });
      throw e;
    }
  }
  return null;
}

function isModelDir(p: string | undefined): p is string {
  return !!p && existsSync(join(p, 'config.json')) && statSync(p).isDirectory();
}

/** The output folder itself, or an export folder holding it (saves/NAME named by its manifest). */
function adapterDir(dir: string): string {
  if (existsSync(join(dir, 'adapter_config.json'))) return dir;
  const m = existsSync(join(dir, MANIFEST_FILE)) ? (readJson(join(dir, MANIFEST_FILE)) as RecipeManifest) : null;
  if (m?.outputDir && existsSync(join(dir, m.outputDir, 'adapter_config.json'))) return join(dir, m.outputDir);
  throw new UserError('no adapter_config.json in this folder', {
    where: dir,
    hint: "pass the training's output folder (it holds adapter_config.json and adapter_model.safetensors)",
  });
}

function sameTargets(a: TrainConfig['loraTargets'], b: readonly string[]): boolean {
  if (a === 'all-linear') return true; // peft expands all-linear into the list it saved
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

function uniqueOut(base: string): string {
  let out = base;
  for (let n = 2; existsSync(out) && readdirSync(out).length > 0; n++) out = `${base}-${n}`;
  return out;
}

/** The adapter folder of the import, its adapter_config.json and the LoRA it describes (only LoRA, only safetensors). */
function readAdapter(given: string): { dir: string; cfgFile: string; raw: Record<string, unknown>; lora: ReturnType<typeof parseLoraConfig> } {
  if (!existsSync(given) || !statSync(given).isDirectory())
    throw new UserError('the folder to import does not exist', { where: given, hint: 'pass the output folder of the training run' });
  const dir = adapterDir(given);
  const cfgFile = join(dir, 'adapter_config.json');
  const raw = readJson(cfgFile) as Record<string, unknown>;
  if (raw.peft_type !== undefined && raw.peft_type !== 'LORA')
    throw new UserError(`peft_type "${String(raw.peft_type)}" adapters cannot be imported yet`, {
      where: `${cfgFile} (peft_type)`,
      hint: 'import a LoRA adapter',
    });
  const lora = parseLoraConfig(raw, cfgFile);
  if (!existsSync(join(dir, 'adapter_model.safetensors'))) {
    throw new UserError('no adapter_model.safetensors beside adapter_config.json', {
      where: dir,
      hint: existsSync(join(dir, 'adapter_model.bin'))
        ? 'the adapter is in .bin form: train with save_safetensors: true (the default), or convert it'
        : 'copy the whole output folder back',
    });
  }
  return { dir, cfgFile, raw, lora };
}

/** The base model folder (--model, the recipe's, the adapter's base path, a registered repo), checked against the adapter. */
async function baseModel(db: Db, req: ImportRunRequest, adapter: ReturnType<typeof readAdapter>, manifest: RecipeManifest | null): Promise<string> {
  const { dir, cfgFile, raw } = adapter;
  const baseName = typeof raw.base_model_name_or_path === 'string' ? raw.base_model_name_or_path : undefined;
  const registered = baseName ? modelPathOfRepo(db, baseName) : undefined;
  const modelPath = [req.model, manifest?.modelPath, baseName && resolve(dir, baseName), registered].find((p) => isModelDir(p ? resolve(p) : undefined));
  if (!modelPath) {
    throw new UserError(`the base model "${baseName ?? '?'}" is not a model folder on this machine`, {
      where: `${cfgFile} (base_model_name_or_path)`,
      hint: 'download or copy that model and pass its folder with --model DIR',
    });
  }
  const model = resolve(modelPath);
  const modelCfg = readModelConfig(model);
  checkAdapterBase(dir, model, modelCfg);
  await checkAdapterShapes(join(dir, 'adapter_model.safetensors'), modelCfg, model);
  return model;
}

/** The adapter is what was trained: where it disagrees with a recipe, it wins. */
function applyAdapter(config: TrainConfig, lora: ReturnType<typeof parseLoraConfig>): void {
  if (config.loraR !== lora.r) config.loraR = lora.r;
  if (config.loraAlpha !== lora.alpha) config.loraAlpha = lora.alpha;
  if (config.loraDropout !== lora.dropout) config.loraDropout = lora.dropout;
  if (config.useRslora !== lora.useRslora) config.useRslora = lora.useRslora;
  const targets = typeof lora.targetModules === 'string' ? [lora.targetModules] : lora.targetModules;
  if (!sameTargets(config.loraTargets, targets)) config.loraTargets = targets;
  config.method = 'lora';
}

/** Copies the adapter, the trainer's logs and the recipe into `out` (staged: all or nothing). */
function copyImport(dir: string, found: ReturnType<typeof findManifest>, curve: ReturnType<typeof findCurve>, out: string): void {
  const copies = new Map<string, string>(); // name in the copy -> source file
  for (const f of [...ADAPTER_FILES, ...KEEP_FILES]) if (existsSync(join(dir, f))) copies.set(f, join(dir, f));
  if (found) copies.set(MANIFEST_FILE, found.file);
  if (curve && !copies.has(basename(curve.file))) copies.set(basename(curve.file), curve.file);
  mkdirSync(dirname(out), { recursive: true });
  const staged = stageOutput(out, { force: false, neededBytes: [...copies.values()].reduce((n, f) => n + statSync(f).size, 0) });
  try {
    for (const [name, from] of copies) copyFileSync(from, join(staged.stagingDir, name));
    staged.commit();
  } catch (e) {
    staged.abort();
    throw e;
  }
}

export async function importRun(db: Db, req: ImportRunRequest): Promise<ImportRunResult> {
  const adapter = readAdapter(resolve(req.dir));
  const { dir } = adapter;
  const found = findManifest(dir);
  const manifest = found?.manifest ?? null;
  const yaml = findYaml(dir, found);
  const curve = findCurve(dir);
  const tool: ImportRunResult['tool'] =
    manifest?.target ?? (existsSync(join(dir, 'trainer_log.jsonl')) ? 'llamafactory' : yaml && 'base_model' in yaml.doc ? 'axolotl' : 'hf-trainer');
  const model = await baseModel(db, req, adapter, manifest);

  const readCtx = { gpus: manifest?.gpus ?? 1, split: manifest?.split ?? 'accum', totalSteps: manifest?.totalSteps ?? curve?.totalSteps ?? null } as const;
  const fromYaml = yaml && tool !== 'hf-trainer' ? readRecipe(tool, yaml.doc, readCtx) : {};
  const name = req.name ?? (manifest ? `${manifest.runName} (${tool})` : basename(dir));
  const out = uniqueOut(resolve(req.out ?? join(dirname(req.storePath), 'imports', name.replace(/[^\w.-]+/g, '-'))));
  const base: TrainConfig = manifest?.config ?? { ...TRAIN_DEFAULTS, model, data: '', out };
  const config: TrainConfig = { ...base, ...fromYaml, model, out };
  applyAdapter(config, adapter.lora);

  copyImport(dir, found, curve, out);
  try {
    const runId = insertImportedRun(db, {
      run: {
        name,
        method: 'lora',
        modelPath: model,
        modelConfigHash: modelConfigHash(model),
        modelId: getModelByPath(db, model)?.id ?? null,
        datasetPath: config.data || null,
        valDatasetPath: config.valData ?? null,
        config: { ...config },
        seed: config.seed,
        backend: tool,
        appVersion: appVersion(),
        os: null,
        outDir: out,
        totalSteps: curve?.totalSteps ?? manifest?.totalSteps ?? null,
        preset: 'imported',
      },
      adapterPath: out,
      points: curve?.points ?? [],
      evals: curve?.evals ?? [],
      origin: { importedFrom: dir, tool, ...(curve ? { log: curve.source } : {}), ...(yaml ? { recipe: yaml.file } : {}) },
    });
    return { runId, name, tool, steps: curve?.points.length ?? 0, curve: curve?.source ?? null, adapterPath: out, modelPath: model };
  } catch (e) {
    // The store refused: the copy must not stay behind as an orphan folder.
    rmSync(out, { recursive: true, force: true });
    throw e;
  }
}
