/**
 * The state a checkpoint carries and how a run resumes from one (trainLoop's set-up, nanoGPT's
 * init_from = 'resume'): the settings fingerprint that must match, the trainer state of a fresh run,
 * and loading a checkpoint's parameters and optimiser moments back into the engine.
 */
import { UserError } from '../errors';
import type { ScheduleOptions } from '../optim/schedule';
import { optimizerStateFrom, parseTrainerState, TRAINER_STATE_VERSION, type TrainerState } from './checkpoint-state';
import type { RngState } from './rng';
import type { TrainConfig } from './train-config';
import type { TrainEngine } from './train-engine';
import type { TrainIo } from './train-io';

/** The settings a resumed run must share with the run that wrote the checkpoint. */
export function fingerprint(cfg: TrainConfig): string {
  const keys: (keyof TrainConfig)[] = [
    'method',
    'loraR',
    'loraAlpha',
    'loraTargets',
    'useRslora',
    'prefixLen',
    'prefixProjection',
    'lr',
    'scheduler',
    'warmupSteps',
    'warmupRatio',
    'weightDecay',
    'maxGradNorm',
    'epochs',
    'maxSteps',
    'batchSize',
    'gradAccum',
    'maxLen',
    'packing',
    'lossOn',
    'seed',
    'valSplit',
    'loraDropout',
  ];
  return JSON.stringify(keys.map((k) => cfg[k] ?? null));
}

/** The trainer state the loop advances; the dropout RNG's state is added when a checkpoint is written. */
export type LoopState = Omit<TrainerState, 'dropoutRng'>;

export function freshLoopState(cfg: TrainConfig, firstEpochRng: RngState, schedule: ScheduleOptions): LoopState {
  return {
    version: TRAINER_STATE_VERSION,
    step: 0,
    epoch: 0,
    cursor: 0,
    epochRng: firstEpochRng,
    schedule,
    losses: [],
    tokensSeen: 0,
    fingerprint: fingerprint(cfg),
  };
}

/** Loads checkpoint `dir` into the engine (parameters and optimiser moments) and returns its trainer state. */
export async function restoreCheckpoint(dir: string, io: TrainIo, engine: TrainEngine, expectedFingerprint: string): Promise<TrainerState> {
  const ck = await io.readCheckpoint(dir);
  const saved = parseTrainerState(ck.trainerState, io.join(dir, 'trainer_state.json'));
  if (saved.fingerprint !== expectedFingerprint) {
    throw new UserError('the checkpoint was written by a run with different settings', {
      where: dir,
      hint: 'resume with the same flags the run was started with',
    });
  }
  for (const name of engine.paramShapes.keys()) {
    if (!ck.params.get(name)) throw new UserError(`checkpoint has no tensor ${name}`, { where: dir });
  }
  engine.restore(ck.params, optimizerStateFrom(saved.step, ck.optimizer, [...engine.paramShapes.keys()], dir), dir);
  return saved;
}
