/**
 * Schema v6: what s1 budget forcing did in an eval run (issue 17: "the run records what was used"):
 * on the eval row, the budget and "Wait" extensions asked for with what they did over the run; on
 * each prediction, its own thinking tokens, Waits used and whether the budget closed its thinking.
 * NULL when the eval ran without budget forcing (and on rows written before v6).
 */
import type { Migration } from '../migration';

export const migration006: Migration = {
  version: 6,
  name: 'eval budget forcing',
  sql: `
ALTER TABLE evals ADD COLUMN thinking_json TEXT;             -- {"budget":N|null,"maxWaits":W,"meanTokens":T,"waits":U,"forcedCloses":C}
ALTER TABLE eval_predictions ADD COLUMN thinking_json TEXT;  -- {"budget":N|null,"maxWaits":W,"tokens":T,"waits":U,"forcedClose":bool}
`,
};
