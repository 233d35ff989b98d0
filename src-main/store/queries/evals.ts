/** In-training eval rows (kind 'train-eval'): one per run and step; a repeated step replaces its row. */
import type { EvalRow } from '../../../src-shared/dto/run-series';
import type { Db } from '../db';
import { parseJsonColumn } from './json';

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

interface EvalDbRow {
  id: number;
  step: number | null;
  kind: EvalRow['kind'];
  adapter_path: string | null;
  split: string | null;
  loss: number | null;
  metrics_json: string | null;
  examples: number | null;
  created_at: string;
}

/** Every eval row of a run (in-training and eval runs), in step order; the Compare view and the dashboard read it. */
export function listEvals(db: Db, runId: number): EvalRow[] {
  return (db.prepare('SELECT * FROM evals WHERE run_id = ? ORDER BY coalesce(step, 1e18), id').all(runId) as EvalDbRow[]).map((r) => ({
    id: r.id,
    step: r.step,
    kind: r.kind,
    adapterPath: r.adapter_path,
    split: r.split,
    loss: r.loss,
    metrics: parseJsonColumn<Record<string, number> | null>(r.metrics_json, null),
    examples: r.examples,
    createdAt: r.created_at,
  }));
}
