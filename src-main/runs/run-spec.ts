/**
 * What a run records so it can be reproduced months later: the base model's path and config hash, the
 * dataset's path, id and sha256, the full hyper-parameters as launched, seed, requested backend, app
 * version and OS (the worker adds the backend it really used and the GPU adapter at start).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { arch, platform, release } from 'node:os';
import { join, resolve } from 'node:path';
import type { TrainMethod } from '../../src-shared/dto/runs';
import { UserError } from '../errors';
import type { Db } from '../store/db';
import type { NewRun } from '../store/queries/runs';
import { appVersion } from '../version';
import type { WorkerTrainConfig } from '../workers/protocol';

/** A run as the caller (train command, IPC handler) asks for it. */
export interface RunLaunch {
  name: string;
  method: TrainMethod;
  modelPath: string;
  dataPath: string | null;
  valDataPath?: string | null;
  outDir: string;
  seed: number;
  backend?: string | null;
  totalSteps?: number | null;
  preset?: string | null;
  /** Every hyper-parameter, exactly as the worker receives it. */
  config: WorkerTrainConfig;
}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export function modelConfigHash(modelPath: string): string {
  const file = join(modelPath, 'config.json');
  if (!existsSync(file)) {
    throw new UserError('no config.json in the model folder', { where: modelPath, hint: 'pass --model with a Hugging Face model folder' });
  }
  return sha256File(file);
}

export function osDescription(): string {
  return `${platform()} ${release()} ${arch()}`;
}

/** The row to insert for a new run (status queued). */
export function newRunRecord(db: Db, launch: RunLaunch): NewRun {
  const modelPath = resolve(launch.modelPath);
  const dataPath = launch.dataPath ? resolve(launch.dataPath) : null;
  const datasetSha256 = dataPath && existsSync(dataPath) && statSync(dataPath).isFile() ? sha256File(dataPath) : null;
  const datasetRow = datasetSha256
    ? (db.prepare('SELECT id FROM datasets WHERE sha256 = ? ORDER BY id LIMIT 1').get(datasetSha256) as { id: number } | undefined)
    : undefined;
  const modelRow = db.prepare('SELECT id FROM models WHERE path = ?').get(modelPath) as { id: number } | undefined;
  return {
    name: launch.name,
    method: launch.method,
    modelId: modelRow?.id ?? null,
    modelPath,
    modelConfigHash: modelConfigHash(modelPath),
    datasetId: datasetRow?.id ?? null,
    datasetPath: dataPath,
    datasetSha256,
    valDatasetPath: launch.valDataPath ? resolve(launch.valDataPath) : null,
    config: launch.config,
    seed: launch.seed,
    backend: launch.backend ?? null,
    appVersion: appVersion(),
    os: osDescription(),
    outDir: resolve(launch.outDir),
    totalSteps: launch.totalSteps ?? null,
    preset: launch.preset ?? null,
  };
}
