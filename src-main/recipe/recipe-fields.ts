/**
 * THE table: how every field of our TrainConfig becomes LLaMA-Factory's and axolotl's config, and how
 * an imported recipe's YAML reads back into our fields. One row per field of ours; a cell is either a
 * mapping (what it writes, and how to read it back) or `none` with the one line the export prints.
 * A `none` that changes what is trained refuses the export (never a silently different recipe); one
 * that only concerns this app's monitoring (sample prompts) is listed in the README and written nowhere.
 * Names and spellings: ./target-schemas.ts (pinned commits there). The cell types are in ./recipe-cells.ts,
 * the rows in ./recipe-fields-training.ts (what is trained) and ./recipe-fields-run.ts (all around it).
 */
import type { TrainConfig } from '../engine/train/train-config';
import { isRefusal, type FieldRow, type ReadContext, type RecipeContext, type RecipeTarget } from './recipe-cells';
import { RUN_FIELDS } from './recipe-fields-run';
import { TRAINING_FIELDS } from './recipe-fields-training';
import type { YamlMap } from './yaml';

export {
  DISTRIBUTED,
  RECIPE_TARGETS,
  isRefusal,
  type Cell,
  type Distributed,
  type Emitted,
  type FieldRow,
  type Mapped,
  type ReadContext,
  type RecipeContext,
  type RecipeTarget,
  type Refusal,
  type Unmapped,
} from './recipe-cells';

/** Every row, in the order the YAML is written. */
export const RECIPE_FIELDS: readonly FieldRow[] = [...TRAINING_FIELDS, ...RUN_FIELDS];

export interface BuiltRecipe {
  doc: YamlMap;
  /** The fields the target cannot reproduce that change what is trained: the export is refused. */
  refusals: string[];
  /** Our fields that are not part of a recipe (monitoring only), one line each. */
  notes: string[];
  /** The same, as field names (language-neutral, for the app). */
  noteFields: string[];
}

/** Runs every row of the table for a target. */
export function buildRecipe(target: RecipeTarget, c: RecipeContext): BuiltRecipe {
  const doc: YamlMap = {};
  const refusals: string[] = [];
  const notes: string[] = [];
  const noteFields: string[] = [];
  for (const row of RECIPE_FIELDS) {
    const cell = row[target];
    if ('none' in cell) {
      if (!(cell.applies?.(c.config) ?? true)) continue;
      (cell.affects === 'training' ? refusals : notes).push(`${row.ours}: ${cell.none}`);
      if (cell.affects === 'monitoring') noteFields.push(row.ours);
      continue;
    }
    const out = cell.emit(c);
    if (isRefusal(out)) refusals.push(`${row.ours}: ${out.refuse}`);
    else for (const [k, v] of Object.entries(out)) if (v !== undefined) doc[k] = v;
  }
  return { doc, refusals: [...new Set(refusals)], notes, noteFields };
}

/** Our fields back from a target's YAML, through the same table. */
export function readRecipe(target: RecipeTarget, doc: YamlMap, c: ReadContext): Partial<TrainConfig> {
  const out: Partial<TrainConfig> = {};
  for (const row of RECIPE_FIELDS) {
    const cell = row[target];
    if ('read' in cell && cell.read) Object.assign(out, cell.read(doc, c));
  }
  return out;
}
