/**
 * What a cell of the recipe field table (./recipe-fields.ts) is: a mapping to a target's YAML keys (and
 * back), or `none` with the line the export prints; the context a row emits from and reads back with;
 * and the small readers every row module shares. Apart from the rows so that both row modules and the
 * table's runner import one definition.
 */
import type { TrainConfig } from '../engine/train/train-config';
import type { YamlMap, YamlValue } from './yaml';

export type RecipeTarget = 'llamafactory' | 'axolotl';
export const DISTRIBUTED = ['zero2', 'zero3', 'fsdp', 'none'] as const;
export type Distributed = (typeof DISTRIBUTED)[number];
export const RECIPE_TARGETS: readonly RecipeTarget[] = ['llamafactory', 'axolotl'];

/** What a row needs besides the config: facts about the run and the export. */
export interface RecipeContext {
  config: TrainConfig;
  /** The base model as the target should load it: a hub repo id when we know it, else the local folder. */
  model: string;
  /** LLaMA-Factory's template name for the model's family. */
  lfTemplate: string;
  kind: 'chat' | 'text';
  hasVal: boolean;
  gpus: number;
  /** Optimiser steps of our run (for "evaluate once at the end"). */
  totalSteps: number | null;
  outputDir: string;
  /** How our global batch is split over the GPUs: rows per device and micro-batches per step. */
  perDevice: { batch: number; accum: number };
  /** transformers' decoder layer class (FSDP wraps one per layer). */
  layerClass: string;
  distributed: Distributed;
  /** The files the export wrote, relative to the YAML. */
  files: { lfDatasetDir: string; train: string; val: string | null; deepspeed: string | null };
}

export interface Refusal {
  refuse: string;
}
/** Keys whose value is undefined are left out (TypeScript widens a ternary of two literals to that). */
export type Emitted = { [key: string]: YamlValue | undefined } | Refusal;

/** How one of our fields appears in a target's YAML. */
export interface Mapped {
  keys: readonly string[];
  emit(c: RecipeContext): Emitted;
  /** Our value(s) back from a YAML the target ran (undefined keys: not in that YAML). */
  read?(doc: YamlMap, c: ReadContext): Partial<TrainConfig>;
}
export interface Unmapped {
  none: string;
  /** `training`: the export is refused when the run uses it (see `applies`); `monitoring`: README note only. */
  affects: 'training' | 'monitoring';
  /** Whether the run uses the field at all (default: always). */
  applies?(c: TrainConfig): boolean;
}
export type Cell = Mapped | Unmapped;

export interface FieldRow {
  /** Our TrainConfig field, or `--gpus` (an export option, not a training setting). */
  ours: keyof TrainConfig | '--gpus';
  llamafactory: Cell;
  axolotl: Cell;
}

export interface ReadContext {
  gpus: number;
  /** Which of our two numbers the export divided by the GPU count. */
  split: 'accum' | 'batch';
  totalSteps: number | null;
}

export const isRefusal = (e: Emitted): e is Refusal => typeof (e as Refusal).refuse === 'string';
export const num = (v: YamlValue | undefined): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
export const bool = (v: YamlValue | undefined): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
/** Drops undefined values so a partial read never overwrites with undefined. */
export function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
export const same = (key: string, pick: (c: TrainConfig) => YamlValue, back?: (v: YamlValue | undefined) => unknown, ours?: keyof TrainConfig): Mapped => ({
  keys: [key],
  emit: (c) => ({ [key]: pick(c.config) }),
  read: back && ours ? (doc) => defined({ [ours]: back(doc[key]) } as Partial<TrainConfig>) : undefined,
});
