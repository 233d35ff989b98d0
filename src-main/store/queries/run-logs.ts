/** Appends to a run's log (seq continues across resumes). */
import type { Db } from '../db';

export function appendRunLog(db: Db, runId: number, level: string, message: string, ts = Date.now()): number {
  const row = db
    .prepare(
      `INSERT INTO run_logs (run_id, seq, ts, level, message)
       VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM run_logs WHERE run_id = ?), ?, ?, ?) RETURNING seq`,
    )
    .get(runId, runId, ts, level, message) as { seq: number };
  return row.seq;
}
