/**
 * A run trained elsewhere enters the store whole or not at all: the row (completed, with its adapter),
 * its loss curve and its validation losses in one durable transaction, so a bad log never leaves a
 * half-imported run behind.
 */
import type { MetricPoint } from '../../../src-shared/dto/runs';
import type { Db } from '../db';
import { durably } from '../db';
import { recordTrainEval } from './evals';
import { insertMetrics } from './metrics';
import { writeRun, writeRunStatus, type NewRun } from './runs';

export interface ImportedRunRows {
  run: NewRun;
  adapterPath: string;
  points: readonly MetricPoint[];
  evals: readonly { step: number; loss: number }[];
  /** Where it ran, e.g. {"importedFrom": DIR, "tool": "llamafactory"} (shown with the run's machine facts). */
  origin: Record<string, unknown>;
}

export function insertImportedRun(db: Db, rows: ImportedRunRows): number {
  return durably(db, () => {
    const id = writeRun(db, { ...rows.run, status: 'queued', owner: null });
    const lastStep = rows.points.reduce((m, p) => Math.max(m, p.step), 0);
    db.prepare('UPDATE runs SET adapter_path = ?, last_step = ?, gpu_json = ?, started_at = created_at WHERE id = ?').run(
      rows.adapterPath,
      lastStep,
      JSON.stringify(rows.origin),
      id,
    );
    insertMetrics(db, id, rows.points);
    for (const e of rows.evals) recordTrainEval(db, id, { step: e.step, loss: e.loss, metrics: null });
    writeRunStatus(db, id, 'completed', null);
    return id;
  });
}
