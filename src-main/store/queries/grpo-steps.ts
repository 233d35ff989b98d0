/** GRPO step rows: one per (run, step), a repeated step replaces its row; reads in step order. */
import type { GrpoStepRow } from '../../../src-shared/dto/runs';
import type { Db } from '../db';

export function insertGrpoStep(db: Db, runId: number, r: GrpoStepRow, ts = Date.now()): void {
  db.prepare(
    `INSERT INTO grpo_steps (run_id, step, mean_reward, reward_std, rewards_json, kl, completion_length, correct_fraction, completions_json, ts)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(run_id, step) DO UPDATE SET mean_reward = excluded.mean_reward, reward_std = excluded.reward_std, rewards_json = excluded.rewards_json,
       kl = excluded.kl, completion_length = excluded.completion_length, correct_fraction = excluded.correct_fraction,
       completions_json = excluded.completions_json, ts = excluded.ts`,
  ).run(runId, r.step, r.meanReward, r.rewardStd, JSON.stringify(r.rewards), r.kl, r.completionLength, r.correctFraction, JSON.stringify(r.completions), ts);
}

interface Raw {
  step: number;
  mean_reward: number;
  reward_std: number;
  rewards_json: string;
  kl: number;
  completion_length: number;
  correct_fraction: number | null;
  completions_json: string;
}

const rowOf = (r: Raw): GrpoStepRow => ({
  step: r.step,
  meanReward: r.mean_reward,
  rewardStd: r.reward_std,
  rewards: JSON.parse(r.rewards_json) as Record<string, number>,
  kl: r.kl,
  completionLength: r.completion_length,
  correctFraction: r.correct_fraction,
  completions: JSON.parse(r.completions_json) as GrpoStepRow['completions'],
});

/** Steps after `afterStep`, in order; `withCompletions: false` leaves the completions out (charts only). */
export function grpoStepsAfter(db: Db, runId: number, afterStep: number, withCompletions = true): GrpoStepRow[] {
  const cols = `step, mean_reward, reward_std, rewards_json, kl, completion_length, correct_fraction, ${withCompletions ? 'completions_json' : "'[]' AS completions_json"}`;
  return (db.prepare(`SELECT ${cols} FROM grpo_steps WHERE run_id = ? AND step > ? ORDER BY step`).all(runId, afterStep) as Raw[]).map(rowOf);
}
