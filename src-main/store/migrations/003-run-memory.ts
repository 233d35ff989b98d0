/**
 * Schema v3: the planner's memory estimate for a run (computed by the trainer for its worst micro-batch)
 * and the peak the run measured, so the dashboard shows both and the estimator is checked on every run.
 */
import type { Migration } from '../migration';

export const migration003: Migration = {
  version: 3,
  name: 'run memory estimate and measured peak',
  sql: `
ALTER TABLE runs ADD COLUMN memory_estimate_json TEXT;  -- {"bytes":N,"batch":B,"seqLen":T}
ALTER TABLE runs ADD COLUMN peak_memory_bytes INTEGER;  -- tensor-memory high-water mark of the run
`,
};
