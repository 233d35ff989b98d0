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
import { GRPO_DEFAULTS, type GrpoConfig } from '../engine/train/grpo/grpo-config';
import { validateTrainConfig } from '../engine/train/validate-config';
import { statSync } from 'node:fs';
import { checkReadable } from './readable-roots';
import { LAUNCH_KEYS, type LaunchKey } from '../engine/train/train-settings';
import type { RunLaunch } from '../runs/run-spec';

/** The library dataset a launch names, as a run reads it; one line when it is gone. */
export function datasetOfLaunch(db: Db, req: LaunchRequest): DatasetForRun {
  const row = getDataset(db, req.datasetId);
  if (!row)
    throw new UserError(`dataset ${req.datasetId} is not in the library`, {
      where: 'runs.launch',
      hint: 'pick a dataset on the Datasets page, or import it again',
    });
  return datasetForRun(row);
}

/**
 * `dataset`: the library dataset req.datasetId names (datasetOfLaunch): the run reads its files, in its
 * encoding, with its format and column map unless the request overrides them ('auto' re-detects).
 * `samplePromptsFile`: where the caller wrote req.samplePrompts (a JSON array), if any.
 */
export function launchFromRequest(
  req: LaunchRequest,
  dataset: DatasetForRun,
  home: string,
  now = new Date(),
  samplePromptsFile?: string,
): RunLaunch<TrainConfig> {
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
    ...(req.grpo ? { grpo: grpoOf(req) } : {}),
  };
  // A GRPO run is checked here, so a bad combination (max length within max new tokens) is one line
  // at launch instead of a run that fails in its worker.
  if (config.grpo) validateTrainConfig(config);
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

/** The request's GRPO settings over the CLI's defaults (epsilon, top-p/k, the reward timeout). */
function grpoOf(req: LaunchRequest): GrpoConfig {
  const g = req.grpo!;
  if (req.method !== 'lora')
    throw new UserError('GRPO trains a LoRA adapter; P-Tuning v2 with GRPO is not supported', { where: 'runs.launch', hint: 'choose LoRA on the Method step' });
  if (!g.rewards.length && !g.rewardFile)
    throw new UserError('a GRPO run needs at least one reward', {
      where: 'runs.launch',
      hint: 'tick format, correct or length, or choose your own .js reward file',
    });
  return {
    ...GRPO_DEFAULTS,
    numGenerations: g.numGenerations,
    beta: g.beta,
    maxNewTokens: g.maxNewTokens,
    temperature: g.temperature,
    rewards: [...g.rewards],
    ...(g.rewardFile ? { rewardFile: g.rewardFile } : {}),
  };
}

/**
 * The user's reward file must be a .js file Tuneloom may read (its home, the data folder, the browse
 * folders): a serve token must not point the trainer at any file of the machine.
 */
export function checkRewardFile(file: string, roots: string[]): string {
  const abs = checkReadable(file, roots);
  let isFile: boolean;
  try {
    isFile = statSync(abs).isFile();
  } catch {
    throw new UserError('the reward file does not exist', { where: abs, hint: 'choose the .js file that exports reward(prompt, completion, example)' });
  }
  if (!isFile)
    throw new UserError('the reward file is a folder, not a file', {
      where: abs,
      hint: 'choose the .js file that exports reward(prompt, completion, example)',
    });
  if (!/\.(c|m)?js$/i.test(abs))
    throw new UserError('the reward file must be a JavaScript file (.js)', { where: abs, hint: 'write reward(prompt, completion, example) in a .js file' });
  return abs;
}
