/** A run's log: appended by the supervisor (seq continues across resumes), read by the dashboard. */
import type { RunLogLine } from '../../../src-shared/dto/run-series';
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

export function listRunLogs(db: Db, runId: number, afterSeq = -1): RunLogLine[] {
  return db.prepare('SELECT seq, ts, level, message FROM run_logs WHERE run_id = ? AND seq > ? ORDER BY seq').all(runId, afterSeq) as RunLogLine[];
}
