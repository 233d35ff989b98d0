/** Sample writes (one row per prompt per sampled step; a repeated step replaces its rows) and per-step reads. */
import type { SampleRow } from '../../../src-shared/dto/runs';
import type { Db } from '../db';

export function insertSample(db: Db, runId: number, s: SampleRow, ts = Date.now()): void {
  db.prepare(
    `INSERT INTO samples (run_id, step, prompt_idx, prompt, output, ts) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(run_id, step, prompt_idx) DO UPDATE SET prompt = excluded.prompt, output = excluded.output, ts = excluded.ts`,
  ).run(runId, s.step, s.promptIdx, s.prompt, s.output, ts);
}

export function samplesAtStep(db: Db, runId: number, step: number): SampleRow[] {
  return db
    .prepare('SELECT step, prompt_idx AS promptIdx, prompt, output FROM samples WHERE run_id = ? AND step = ? ORDER BY prompt_idx')
    .all(runId, step) as SampleRow[];
}

export function samplesAfter(db: Db, runId: number, afterStep: number): SampleRow[] {
  return db
    .prepare('SELECT step, prompt_idx AS promptIdx, prompt, output FROM samples WHERE run_id = ? AND step > ? ORDER BY step, prompt_idx')
    .all(runId, afterStep) as SampleRow[];
}

/** Every sample of a run, in step and prompt order (the dashboard's timeline). */
export function listSamples(db: Db, runId: number): SampleRow[] {
  return samplesAfter(db, runId, -1);
}

/** The outputs of the last sampled step: what the run produced at the end. */
export function finalSamples(db: Db, runId: number): SampleRow[] {
  const row = db.prepare('SELECT max(step) AS step FROM samples WHERE run_id = ?').get(runId) as { step: number | null };
  return row.step === null ? [] : samplesAtStep(db, runId, row.step);
}
