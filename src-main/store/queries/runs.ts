/** SQL for the runs table. Callers get typed functions; no SQL outside store/queries. */
import type { MemoryEstimateDto, RunDetail, RunError, RunFilter, RunStatus, RunSummary, TrainMethod } from '../../../src-shared/dto/runs';
import type { Db } from '../db';
import { durably } from '../db';
import { parseJsonColumn } from './json';

interface RunRow {
  id: number;
  name: string;
  status: RunStatus;
  method: TrainMethod;
  model_path: string;
  dataset_id: number | null;
  dataset_path: string | null;
  last_step: number;
  total_steps: number | null;
  best_eval_loss: number | null;
  last_loss: number | null;
  created_at: string;
  finished_at: string | null;
  preset: string | null;
  config_json: string;
  seed: number;
  backend: string | null;
  app_version: string;
  os: string | null;
  gpu_json: string | null;
  out_dir: string;
  adapter_path: string | null;
  model_config_hash: string | null;
  dataset_sha256: string | null;
  error_json: string | null;
  started_at: string | null;
  memory_estimate_json: string | null;
  /** The registered model's display name (joined; null for a folder not in the registry). */
  model_name: string | null;
  peak_memory_bytes: number | null;
  /** 1 when the stored config has a `grpo` part (computed; a config that is not JSON counts as 0). */
  is_grpo: number;
}

export interface NewRun {
  name: string;
  status?: RunStatus;
  method: TrainMethod;
  modelId?: number | null;
  modelPath: string;
  modelConfigHash?: string | null;
  datasetId?: number | null;
  datasetPath?: string | null;
  datasetSha256?: string | null;
  valDatasetPath?: string | null;
  /** The trainer's config as launched (a JSON object). */
  config: object;
  seed: number;
  backend?: string | null;
  appVersion: string;
  os?: string | null;
  outDir: string;
  totalSteps?: number | null;
  preset?: string | null;
  /** The live process that will run it (schema v2), set in the same transaction so no reader sees it ownerless. */
  owner?: { pid: number; host: string } | null;
}

const SELECT_RUN = `
  SELECT r.*, (SELECT m.loss FROM metrics m WHERE m.run_id = r.id ORDER BY m.step DESC LIMIT 1) AS last_loss,
    (SELECT md.name FROM models md WHERE md.path = r.model_path) AS model_name,
    CASE WHEN json_valid(r.config_json) THEN json_extract(r.config_json, '$.grpo') IS NOT NULL ELSE 0 END AS is_grpo
  FROM runs r`;

function toSummary(r: RunRow): RunSummary {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    method: r.method,
    objective: r.is_grpo ? 'grpo' : 'sft',
    modelPath: r.model_path,
    modelName: r.model_name,
    datasetId: r.dataset_id,
    datasetPath: r.dataset_path,
    lastStep: r.last_step,
    totalSteps: r.total_steps,
    bestEvalLoss: r.best_eval_loss,
    lastLoss: r.last_loss,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    preset: r.preset,
  };
}

function toDetail(r: RunRow): RunDetail {
  return {
    ...toSummary(r),
    config: parseJsonColumn<Record<string, unknown>>(r.config_json, {}),
    seed: r.seed,
    backend: r.backend,
    appVersion: r.app_version,
    os: r.os,
    gpu: parseJsonColumn<Record<string, unknown> | null>(r.gpu_json, null),
    outDir: r.out_dir,
    adapterPath: r.adapter_path,
    modelConfigHash: r.model_config_hash,
    datasetSha256: r.dataset_sha256,
    error: parseJsonColumn(r.error_json, null),
    startedAt: r.started_at,
    memoryEstimate: parseJsonColumn<MemoryEstimateDto | null>(r.memory_estimate_json, null),
    peakMemoryBytes: r.peak_memory_bytes,
  };
}

export function insertRun(db: Db, run: NewRun): number {
  return durably(db, () => writeRun(db, run));
}

/** The insert itself, for callers that run it inside their own durable transaction (run-import.ts). */
export function writeRun(db: Db, run: NewRun): number {
  {
    const info = db
      .prepare(
        `INSERT INTO runs (name, status, method, model_id, model_path, model_config_hash, dataset_id, dataset_path,
           dataset_sha256, val_dataset_path, config_json, seed, backend, app_version, os, out_dir, total_steps, preset,
           owner_pid, owner_host, heartbeat_at)
         VALUES (@name, @status, @method, @modelId, @modelPath, @modelConfigHash, @datasetId, @datasetPath,
           @datasetSha256, @valDatasetPath, @config, @seed, @backend, @appVersion, @os, @outDir, @totalSteps, @preset,
           @ownerPid, @ownerHost, @heartbeatAt)`,
      )
      .run({
        name: run.name,
        status: run.status ?? 'queued',
        method: run.method,
        modelId: run.modelId ?? null,
        modelPath: run.modelPath,
        modelConfigHash: run.modelConfigHash ?? null,
        datasetId: run.datasetId ?? null,
        datasetPath: run.datasetPath ?? null,
        datasetSha256: run.datasetSha256 ?? null,
        valDatasetPath: run.valDatasetPath ?? null,
        config: JSON.stringify(run.config),
        seed: run.seed,
        backend: run.backend ?? null,
        appVersion: run.appVersion,
        os: run.os ?? null,
        outDir: run.outDir,
        totalSteps: run.totalSteps ?? null,
        preset: run.preset ?? null,
        ownerPid: run.owner?.pid ?? null,
        ownerHost: run.owner?.host ?? null,
        heartbeatAt: run.owner ? Date.now() : null,
      });
    return Number(info.lastInsertRowid);
  }
}

export function getRun(db: Db, id: number): RunDetail | undefined {
  const row = db.prepare(`${SELECT_RUN} WHERE r.id = ?`).get(id) as RunRow | undefined;
  return row && toDetail(row);
}

const SORTS: Record<NonNullable<RunFilter['sort']>, string> = {
  newest: 'r.id DESC',
  oldest: 'r.id ASC',
  name: 'r.name COLLATE NOCASE ASC, r.id DESC',
  loss: 'last_loss IS NULL, last_loss ASC',
};

export function listRuns(db: Db, filter: RunFilter = {}): RunSummary[] {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter.status) {
    where.push('r.status = @status');
    params.status = filter.status;
  }
  if (filter.datasetId !== undefined) {
    where.push('r.dataset_id = @datasetId');
    params.datasetId = filter.datasetId;
  }
  if (filter.modelPath) {
    where.push('r.model_path = @modelPath');
    params.modelPath = filter.modelPath;
  }
  const sql = `${SELECT_RUN} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ${SORTS[filter.sort ?? 'newest']}`;
  return (db.prepare(sql).all(params) as RunRow[]).map(toSummary);
}

/**
 * The status write itself, without durably(): run-lifecycle.ts calls it inside its own durable
 * transactions (a nested durably() would drop synchronous back to NORMAL before the outer commit).
 * `error` undefined keeps the stored error; null clears it.
 */
export function writeRunStatus(db: Db, id: number, status: RunStatus, error?: RunError | null): void {
  db.prepare(
    `UPDATE runs SET status = @status,
       started_at = CASE WHEN @status = 'running' AND started_at IS NULL THEN strftime('%Y-%m-%dT%H:%M:%fZ','now') ELSE started_at END,
       finished_at = CASE WHEN @status IN ('completed','failed','stopped') THEN strftime('%Y-%m-%dT%H:%M:%fZ','now') ELSE NULL END,
       error_json = CASE WHEN @hasError THEN @error ELSE error_json END,
       updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
     WHERE id = @id`,
  ).run({ id, status, hasError: error !== undefined ? 1 : 0, error: error ? JSON.stringify(error) : null });
}

export function setRunStatus(db: Db, id: number, status: RunStatus, extra: { error?: RunError | null } = {}): void {
  durably(db, () => writeRunStatus(db, id, status, extra.error));
}
