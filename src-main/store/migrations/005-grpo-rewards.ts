/**
 * Schema v5: the rewards of each GRPO step (mean, each reward function, KL, completion length, the
 * fraction correct per group) and the step's completions with their rewards, for the dashboard's
 * reward charts and completions table. Keyed by (run_id, step) like metrics, so a step is never
 * written twice.
 */
import type { Migration } from '../migration';

export const migration005: Migration = {
  version: 5,
  name: 'GRPO rewards per step',
  sql: `
CREATE TABLE grpo_steps (
  run_id            INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step              INTEGER NOT NULL,
  mean_reward       REAL NOT NULL,
  reward_std        REAL NOT NULL,
  rewards_json      TEXT NOT NULL,   -- {"format": 0.5, "correct": 0.25, ...}: each function's mean
  kl                REAL NOT NULL,
  completion_length REAL NOT NULL,
  correct_fraction  REAL,            -- NULL without a correctness reward
  completions_json  TEXT NOT NULL,   -- [{prompt, completion, reward, parts, advantage}, ...]
  ts                REAL NOT NULL,
  PRIMARY KEY (run_id, step)
) WITHOUT ROWID;
`,
};
