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
import { sha256File as sha256FileStreamed } from '../data/register';
import type { DatasetSpec } from '../engine/train/train-config';
import type { Db } from '../store/db';
import { datasetIdOfSha256, getModelByPath } from '../store/queries/library';
import type { NewRun } from '../store/queries/runs';
import { appVersion } from '../version';
import type { AnyConfig } from '../workers/protocol';

/** A run as the caller (train command, IPC handler) asks for it; C is the trainer's config (TrainConfig, or a stand-in trainer's in tests). */
export interface RunLaunch<C extends AnyConfig = AnyConfig> {
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
  config: C;
  /** The data the run reads (TrainConfig.dataset), so the row records its library id and import hash. */
  dataset?: DatasetSpec;
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

/**
 * The row to insert for a new run (status queued). The dataset's id and sha256 come from its spec, hashed
 * once at import (or, for `tuneloom train --data` on a file the library lacks, once before the launch).
 * Only a launch with no spec (tests and benchmarks that enqueue a path directly) still hashes here.
 */
export function newRunRecord(db: Db, launch: RunLaunch<AnyConfig>): NewRun {
  const modelPath = resolve(launch.modelPath);
  const dataPath = launch.dataPath ? resolve(launch.dataPath) : null;
  const spec = launch.dataset ?? (dataPath ? datasetSpecOfPath(db, dataPath) : null);
  return {
    name: launch.name,
    method: launch.method,
    modelId: getModelByPath(db, modelPath)?.id ?? null,
    modelPath,
    modelConfigHash: modelConfigHash(modelPath),
    datasetId: spec?.id ?? null,
    datasetPath: dataPath,
    datasetSha256: spec?.sha256 ?? null,
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

/** A path without a spec (direct enqueues only): the file hashed here, and the library row of those bytes. */
function datasetSpecOfPath(db: Db, file: string): DatasetSpec | null {
  if (!existsSync(file) || !statSync(file).isFile()) return null;
  const sha256 = sha256File(file);
  return { id: datasetIdOfSha256(db, sha256), files: [file], encoding: 'auto', sha256 };
}

/**
 * The spec of `tuneloom train --data PATH` on a file: hashed once, streamed, before the launch, and linked
 * to the library row of the same bytes. A folder gets none: it is listed and read as named.
 */
export async function datasetSpecForCli(db: Db, input: string): Promise<DatasetSpec | undefined> {
  const file = resolve(input);
  if (!existsSync(file) || !statSync(file).isFile()) return undefined;
  const sha256 = await sha256FileStreamed(file);
  return { id: datasetIdOfSha256(db, sha256), files: [file], encoding: 'auto', sha256 };
}
