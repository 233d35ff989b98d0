/**
 * What a checkpoint folder holds besides the adapter, so a resumed run continues bit for bit:
 * optimiser moments (optimizer.safetensors, `m.<param>` / `v.<param>`), and trainer_state.json with
 * the step, the data-order position (epoch, micro-batch cursor, the data RNG state at the start of
 * that epoch), the dropout RNG state, the scheduler and the loss history.
 */
import { UserError } from '../errors';
import type { TensorToWrite } from '../io/safetensors';
import type { AdamWState } from '../optim/adamw-state';
import type { ScheduleOptions } from '../optim/schedule';
import type { RngState } from './rng';
import type { StoredTensor } from './train-io';

export const TRAINER_STATE_VERSION = 1;

export interface TrainerState {
  version: number;
  step: number;
  epoch: number;
  /** Next micro-batch within `epoch`. */
  cursor: number;
  epochRng: RngState;
  dropoutRng: RngState;
  schedule: ScheduleOptions;
  losses: number[];
  tokensSeen: number;
  /** Fingerprint of the settings that must not change across a resume. */
  fingerprint: string;
}

export function optimizerTensors(state: AdamWState, shapes: Map<string, number[]>): TensorToWrite[] {
  const out: TensorToWrite[] = [];
  for (const [name, shape] of shapes) {
    out.push({ name: `m.${name}`, shape, data: state.m[name] });
    out.push({ name: `v.${name}`, shape, data: state.v[name] });
  }
  return out;
}

export function optimizerStateFrom(step: number, tensors: Map<string, StoredTensor>, names: string[], where: string): AdamWState {
  const m: Record<string, Float32Array> = {};
  const v: Record<string, Float32Array> = {};
  for (const name of names) {
    const mt = tensors.get(`m.${name}`);
    const vt = tensors.get(`v.${name}`);
    if (!mt || !vt) throw new UserError(`checkpoint has no optimiser state for ${name}`, { where, hint: 'resume from a checkpoint written by the same run' });
    m[name] = mt.data;
    v[name] = vt.data;
  }
  return { step, m, v };
}

export function parseTrainerState(raw: unknown, where: string): TrainerState {
  const s = raw as Partial<TrainerState>;
  if (!s || s.version !== TRAINER_STATE_VERSION || typeof s.step !== 'number' || !Array.isArray(s.epochRng) || !Array.isArray(s.dropoutRng)) {
    throw new UserError('trainer_state.json is not a Tuneloom checkpoint state this version can read', {
      where,
      hint: 'resume from a checkpoint-N folder written by `tuneloom train`',
    });
  }
  return s as TrainerState;
}
