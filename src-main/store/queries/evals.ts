/** In-training eval rows (kind 'train-eval'): one per run and step; a repeated step replaces its row. */
import type { Db } from '../db';

export function recordTrainEval(db: Db, runId: number, e: { step: number; loss: number; metrics: Record<string, number> | null }): void {
  db.transaction(() => {
    db.prepare("DELETE FROM evals WHERE run_id = ? AND kind = 'train-eval' AND step = ?").run(runId, e.step);
    db.prepare("INSERT INTO evals (run_id, step, kind, split, loss, metrics_json) VALUES (?, ?, 'train-eval', 'validation', ?, ?)").run(
      runId,
      e.step,
      e.loss,
      e.metrics ? JSON.stringify(e.metrics) : null,
    );
    db.prepare('UPDATE runs SET best_eval_loss = CASE WHEN best_eval_loss IS NULL OR ? < best_eval_loss THEN ? ELSE best_eval_loss END WHERE id = ?').run(
      e.loss,
      e.loss,
      runId,
    );
  })();
}

export function trainEvalsAfter(db: Db, runId: number, afterStep: number): { step: number; loss: number; metrics: Record<string, number> | null }[] {
  const rows = db
    .prepare("SELECT step, loss, metrics_json FROM evals WHERE run_id = ? AND kind = 'train-eval' AND step > ? ORDER BY step")
    .all(runId, afterStep) as { step: number; loss: number; metrics_json: string | null }[];
  return rows.map((r) => ({ step: r.step, loss: r.loss, metrics: r.metrics_json ? (JSON.parse(r.metrics_json) as Record<string, number>) : null }));
}
