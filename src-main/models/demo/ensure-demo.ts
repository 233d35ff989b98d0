/**
 * Demo mode for a fresh install: makes sure `<home>/demo/` holds the demo model (generated on first
 * start, see demo-model.ts) and a copy of the handbook sample dataset, and that both are registered in
 * the store as demo rows (`isDemo`, names saying 演示 / Demo), so the whole flow — import, train, watch,
 * compare, chat — works offline. Safe to call on every start: an existing, complete folder is kept.
 * The model is built in a temp folder and renamed into place, so an interrupted first start never
 * leaves half a model behind.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetRecord, ModelRecord } from '../../../src-shared/dto/library';
import { UserError } from '../../errors';
import { makeDirs } from '../../safe-dirs';
import { openStore, type Db } from '../../store/db';
import { getDataset, insertDataset, listDatasets } from '../../store/queries/library';
import { importDataset } from '../../data/import-dataset';
import { storedStats } from '../../data/register';
import { registerModel } from '../register-model';
import { DEMO_MODEL_VERSION, writeDemoModel } from './demo-model';

export const DEMO_MODEL_NAME = '演示模型 Tiny Qwen2 (Demo, random weights)';
export const DEMO_DATASET_NAME = '演示数据：学生手册问答 (Demo handbook sample)';
export const DEMO_DATASET_FILE = 'handbook-sample.jsonl';
const MARKER = '.tuneloom-demo.json';
const REQUIRED = ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', MARKER];

export interface DemoAssets {
  modelDir: string;
  datasetPath: string;
  model: ModelRecord;
  dataset: DatasetRecord;
  /** True when this call generated the model folder. */
  createdModel: boolean;
}

export interface EnsureDemoOptions {
  /** The store to register in; `<home>/tuneloom.db` when absent. */
  db?: Db;
  /** Folder holding handbook-sample.jsonl; found beside the app when absent. */
  resourcesDir?: string;
}

/** resources/demo from the source tree, the built bundle, or an Electron package's resources. */
export function findDemoResources(): string {
  const candidates: string[] = [];
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    candidates.push(join(dir, 'resources', 'demo'));
    dir = dirname(dir);
  }
  const electronResources = (process as { resourcesPath?: string }).resourcesPath;
  if (electronResources) candidates.push(join(electronResources, 'demo'), join(electronResources, 'resources', 'demo'));
  const hit = candidates.find((c) => existsSync(join(c, DEMO_DATASET_FILE)));
  if (!hit)
    throw new UserError(`the demo dataset ${DEMO_DATASET_FILE} is not installed`, {
      where: candidates[0],
      hint: 'reinstall Tuneloom, or pass the resources folder explicitly',
    });
  return hit;
}

function modelIsComplete(dir: string): boolean {
  if (!REQUIRED.every((f) => existsSync(join(dir, f)))) return false;
  try {
    return (JSON.parse(readFileSync(join(dir, MARKER), 'utf8')) as { version?: number }).version === DEMO_MODEL_VERSION;
  } catch {
    return false;
  }
}

export async function ensureDemoAssets(home: string, opts: EnsureDemoOptions = {}): Promise<DemoAssets> {
  const demoDir = join(resolve(home), 'demo');
  const modelDir = join(demoDir, 'model');
  makeDirs(demoDir, { what: 'the demo folder', hint: 'set TUNELOOM_HOME to a writable folder' });

  let createdModel = false;
  if (!modelIsComplete(modelDir)) {
    const tmp = join(demoDir, `model.tmp-${process.pid}`);
    try {
      rmSync(tmp, { recursive: true, force: true });
      const params = writeDemoModel(tmp);
      // The marker goes last: its presence means every other file was written.
      writeFileSync(join(tmp, MARKER), JSON.stringify({ version: DEMO_MODEL_VERSION, params, createdAt: new Date().toISOString() }) + '\n');
      rmSync(modelDir, { recursive: true, force: true });
      renameSync(tmp, modelDir);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      if (err instanceof UserError) throw err;
      throw new UserError(`cannot write the demo model (${(err as { code?: string }).code ?? (err as Error).message})`, {
        where: modelDir,
        hint: 'free some disk space (about 31 MB) or set TUNELOOM_HOME to a writable folder',
      });
    }
    createdModel = true;
  }

  const datasetPath = join(demoDir, DEMO_DATASET_FILE);
  const source = join(opts.resourcesDir ?? findDemoResources(), DEMO_DATASET_FILE);
  if (!existsSync(datasetPath) || !readFileSync(datasetPath).equals(readFileSync(source))) copyFileSync(source, datasetPath);
  const db = opts.db ?? openStore(join(resolve(home), 'tuneloom.db'));
  try {
    const model = await registerModel(db, modelDir, { source: 'demo', isDemo: true, name: DEMO_MODEL_NAME });
    // Imported like any dataset (same stats and field mapping in the row), once: later starts find the row.
    const sha256 = createHash('sha256').update(readFileSync(datasetPath)).digest('hex');
    const known = listDatasets(db).find((d) => d.isDemo && d.sha256 === sha256);
    let datasetId = known?.id;
    if (datasetId === undefined) {
      const result = await importDataset(datasetPath, { format: 'conversations' });
      datasetId = insertDataset(db, {
        name: DEMO_DATASET_NAME,
        sourcePaths: [datasetPath],
        sha256: result.sha256,
        format: result.format,
        encoding: result.encoding,
        mapping: result.fields,
        examples: result.examples,
        skipped: result.skippedTotal,
        stats: storedStats(result),
        isDemo: true,
      });
    }
    const dataset = getDataset(db, datasetId);
    if (!dataset) throw new Error(`ensureDemoAssets: dataset row ${datasetId} vanished`);
    return { modelDir, datasetPath, model, dataset, createdModel };
  } finally {
    if (!opts.db) db.close();
  }
}
