/**
 * The wizard's launch request -> the trainer's full TrainConfig and the supervisor's RunLaunch. Every
 * field the wizard does not set keeps the CLI's default (TRAIN_DEFAULTS), so `tuneloom train` with the
 * same flags and the app train the same run. The output folder is $TUNELOOM_HOME/runs/<name>-<time>.
 */
import { mappingToRecord } from '../../src-shared/column-mapping';
import { join } from 'node:path';
import type { LaunchRequest } from '../../src-shared/ipc-contract';
import { UserError } from '../errors';
import type { Db } from '../store/db';
import { datasetForRun, getDataset, type DatasetForRun } from '../store/queries/library';
import { TRAIN_DEFAULTS, type TrainConfig } from '../engine/train/train-config';
import { LAUNCH_KEYS, type LaunchKey } from '../engine/train/train-settings';
import type { RunLaunch } from '../runs/run-spec';

/** The library dataset a launch names, as a run reads it; one line when it is gone. */
export function datasetOfLaunch(db: Db, req: LaunchRequest): DatasetForRun {
  const row = getDataset(db, req.datasetId);
  if (!row) throw new UserError(`dataset ${req.datasetId} is not in the library`, { where: 'runs.launch', hint: 'pick a dataset on the Datasets page, or import it again' });
  return datasetForRun(row);
}

/**
 * `dataset`: the library dataset req.datasetId names (datasetOfLaunch): the run reads its files, in its
 * encoding, with its format and column map unless the request overrides them ('auto' re-detects).
 * `samplePromptsFile`: where the caller wrote req.samplePrompts (a JSON array), if any.
 */
export function launchFromRequest(req: LaunchRequest, dataset: DatasetForRun, home: string, now = new Date(), samplePromptsFile?: string): RunLaunch<TrainConfig> {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const name = req.name.trim() || `${req.preset ?? 'run'}-${stamp}`;
  const safe = name.replace(/[^\p{L}\p{N}._-]+/gu, '-').slice(0, 80) || 'run';
  const out = join(home, 'runs', `${safe}-${stamp}`);
  const config: TrainConfig = {
    ...TRAIN_DEFAULTS,
    model: req.modelPath,
    data: dataset.input,
    dataset: dataset.spec,
    out,
    name,
    ...settingsOfRequest(req),
    ...formatOf(req, dataset),
    ...(samplePromptsFile ? { samplePrompts: samplePromptsFile } : {}),
  };
  return {
    name,
    method: req.method,
    modelPath: req.modelPath,
    dataPath: dataset.input,
    outDir: out,
    seed: req.seed,
    backend: req.backend && req.backend !== 'auto' ? req.backend : null,
    totalSteps: req.maxSteps || null,
    preset: req.preset ?? null,
    config,
    dataset: dataset.spec,
  };
}

/** Every training setting the request carries (LAUNCH_KEYS of the settings table); absent ones keep the CLI default. */
function settingsOfRequest(req: LaunchRequest): Partial<TrainConfig> {
  const picked: Partial<Record<LaunchKey, unknown>> = {};
  for (const key of LAUNCH_KEYS) {
    const value = req[key];
    if (value !== undefined) picked[key] = Array.isArray(value) ? [...value] : value;
  }
  // The wizard's max steps 0 means "by epochs": no maxSteps in the config.
  if (picked.maxSteps === 0) delete picked.maxSteps;
  // Each value passed the runs.launch validator, which checks it as the table declares its setting.
  return picked as Partial<TrainConfig>;
}

function formatOf(req: LaunchRequest, dataset: DatasetForRun): Pick<TrainConfig, 'format' | 'map'> {
  if (req.map?.length) return { format: 'csv', map: mappingToRecord(req.map) };
  if (req.format) return req.format === 'auto' ? {} : { format: req.format };
  // A dataset imported with the user's column mapping trains with the same mapping.
  return dataset.map ? { format: 'csv', map: { ...dataset.map } } : { format: dataset.format };
}
