/** Recipes for distributed trainers (LLaMA-Factory, axolotl) and runs imported from them. */

export const RECIPE_TARGETS = ['llamafactory', 'axolotl'] as const;
export type RecipeTargetDto = (typeof RECIPE_TARGETS)[number];
export const RECIPE_DISTRIBUTED = ['zero2', 'zero3', 'fsdp', 'none'] as const;
export type RecipeDistributedDto = (typeof RECIPE_DISTRIBUTED)[number];

import type { LaunchRequest } from '../ipc-contract';

/** Exactly one of runId (a run in the store) and launch (the wizard's settings, before any run). */
export interface RecipeExportRequest {
  runId?: number;
  launch?: LaunchRequest;
  to: RecipeTargetDto;
  gpus: number;
  distributed?: RecipeDistributedDto;
  /** Default: recipe-<to> in the run's folder (or recipes/<name>-<to> in the data folder). */
  out?: string;
  overwrite?: boolean;
}

export interface RecipeExportResult {
  out: string;
  to: RecipeTargetDto;
  yaml: string;
  files: string[];
  examples: { train: number; val: number };
  /** Our settings that are not part of a recipe (monitoring only), one line each (English, as the CLI prints). */
  notes: string[];
  /** The same settings' field names. */
  noteFields: string[];
}

export interface RunImportRequest {
  /** The training's output folder (adapter + logs), on the machine that runs Tuneloom. */
  path: string;
  name?: string;
  /** The base model folder when the adapter's own reference is not a folder here. */
  modelPath?: string;
}

export interface RunImportResult {
  runId: number;
  name: string;
  tool: string;
  steps: number;
}
