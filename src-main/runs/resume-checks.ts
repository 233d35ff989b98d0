/**
 * Whether a run can be resumed, as one clear line when it cannot: a completed run has nothing left; a
 * live run belongs to whoever runs it; a base model folder or data file that moved or changed would not
 * continue the same run. Otherwise: the stored config and the newest checkpoint whose files still match
 * the sizes and hashes recorded when it was written (a damaged newer one is skipped, and said so).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors';
import type { Db } from '../store/db';
import { checkpointsWithFiles } from '../store/queries/checkpoints';
import { checkpointDamage } from '../engine-node/checkpoint-manifest';
import { runOwner } from '../store/queries/run-lifecycle';
import { getRun } from '../store/queries/runs';
import type { AnyConfig } from '../workers/protocol';
import type { DatasetSpec, TrainConfig } from '../engine/train/train-config';
import { ownerAlive } from './ownership';
import { sha256File } from './run-spec';

export interface ResumePlan {
  /** As stored with the run; the worker checks it again before training. */
  config: AnyConfig;
  /** The backend the run actually used: bit-identical continuation needs the same kernels. */
  backend: string | null;
  resumeFrom: string | null;
  fromStep: number;
  /** One line per newer checkpoint skipped because it no longer matches what was written. */
  notes: string[];
}

/**
 * The newest kept checkpoint whose files still match the sizes and hashes recorded when it was
 * written; each damaged one passed over is said in a line.
 */
export function newestGoodCheckpoint(db: Db, runId: number): { ckpt: { step: number; path: string } | null; notes: string[] } {
  const notes: string[] = [];
  for (const c of checkpointsWithFiles(db, runId)) {
    const damage = checkpointDamage(c.path, c.files);
    if (damage === null) {
      if (notes.length) notes[notes.length - 1] += `; resuming from step ${c.step} instead`;
      return { ckpt: c, notes };
    }
    notes.push(`checkpoint step ${c.step} (${c.path}) is not usable: ${damage}`);
  }
  if (notes.length) notes[notes.length - 1] += '; no good checkpoint is left, resuming from the start';
  return { ckpt: null, notes };
}

/**
 * The data is not hashed here: a GB file would block the main process, and a folder import's hash is of
 * its files' hashes. The worker's read checks the import's sha256 as it streams the files (readExamples
 * with the spec), as at launch. A config stored before launches by dataset id carries no spec: it gets one
 * of the run's recorded file and hash, so the same streamed check covers it.
 */
function dataCheckedByWorker(config: AnyConfig, datasetPath: string | null, sha256: string | null, id: number | null): AnyConfig {
  if (!isTrainConfigLike(config) || config.dataset || !datasetPath || !sha256 || !existsSync(datasetPath) || !statSync(datasetPath).isFile()) return config;
  const dataset: DatasetSpec = { id, files: [datasetPath], encoding: 'auto', sha256 };
  return { ...config, dataset };
}

/** The files a resumed run reads: its spec's, or the recorded data path. */
function dataFilesOf(config: AnyConfig, datasetPath: string | null): string[] {
  if (isTrainConfigLike(config) && config.dataset) return config.dataset.files;
  return datasetPath ? [datasetPath] : [];
}

/** A trainer's config (a test double's config has no `data`): the part of TrainConfig resume reads. */
function isTrainConfigLike(config: AnyConfig): config is Pick<TrainConfig, 'data' | 'dataset'> {
  return typeof (config as { data?: unknown }).data === 'string';
}

export function checkResumable(db: Db, runId: number, isMine: (id: number) => boolean): ResumePlan {
  const run = getRun(db, runId);
  if (!run) throw new UserError(`no run with id ${runId} in this store`, { hint: 'list runs with `tuneloom runs list` (or pass the right --db)' });
  if (run.status === 'completed') {
    throw new UserError(`run ${runId} already completed at step ${run.lastStep}; there is nothing to resume`, {
      hint: `its adapter is in ${run.adapterPath ?? run.outDir}; start a new run with \`tuneloom train\` to train further`,
    });
  }
  if (run.status === 'queued' || run.status === 'running' || run.status === 'paused') {
    const owner = runOwner(db, runId);
    if (isMine(runId) || (owner && ownerAlive(owner))) {
      throw new UserError(`run ${runId} is ${run.status}${owner?.ownerPid ? ` in process ${owner.ownerPid}` : ''}; it cannot be resumed twice`, {
        hint: 'wait for it to end, or stop it first',
      });
    }
  }
  const configFile = join(run.modelPath, 'config.json');
  if (!existsSync(configFile)) {
    throw new UserError(`run ${runId}'s base model is no longer there (no config.json)`, {
      where: run.modelPath,
      hint: 'move the model folder back to that path, then resume',
    });
  }
  if (run.modelConfigHash && sha256File(configFile) !== run.modelConfigHash) {
    throw new UserError(`run ${runId}'s base model changed since the run started (config.json sha256 differs)`, {
      where: configFile,
      hint: 'restore the original model folder at that path, then resume',
    });
  }
  const config = dataCheckedByWorker(run.config, run.datasetPath, run.datasetSha256, run.datasetId);
  for (const file of dataFilesOf(config, run.datasetPath)) {
    if (!existsSync(file)) {
      throw new UserError(`run ${runId}'s training data is no longer there`, { where: file, hint: 'put the data file back at that path, then resume' });
    }
  }
  const { ckpt, notes } = newestGoodCheckpoint(db, runId);
  return { config, backend: run.backend, resumeFrom: ckpt?.path ?? null, fromStep: ckpt?.step ?? 0, notes };
}
