/** Checkpoint rows: written with synchronous=FULL (a resume depends on them), pruned rows kept with kept=0. */
import type { CheckpointRow } from '../../../src-shared/dto/run-series';
import type { Db } from '../db';
import { durably } from '../db';
import { isManifest, type CheckpointManifest } from '../../engine-node/checkpoint-manifest';
import { parseJsonColumn } from './json';

export function recordCheckpoint(db: Db, runId: number, c: { step: number; path: string; bytes: number | null; files?: CheckpointManifest | null }): void {
  durably(db, () => {
    const evalLoss = db.prepare("SELECT loss FROM evals WHERE run_id = ? AND kind = 'train-eval' AND step = ? ORDER BY id DESC LIMIT 1").get(runId, c.step) as
      { loss: number | null } | undefined;
    db.prepare(
      `INSERT INTO checkpoints (run_id, step, path, bytes, eval_loss, kept, files_json) VALUES (?, ?, ?, ?, ?, 1, ?)
       ON CONFLICT(run_id, step) DO UPDATE SET path = excluded.path, bytes = excluded.bytes, kept = 1, files_json = excluded.files_json,
         eval_loss = coalesce(excluded.eval_loss, checkpoints.eval_loss)`,
    ).run(runId, c.step, c.path, c.bytes, evalLoss?.loss ?? null, c.files ? JSON.stringify(c.files) : null);
    db.prepare('UPDATE runs SET last_step = max(last_step, ?), updated_at = ? WHERE id = ?').run(c.step, new Date().toISOString(), runId);
  });
}

/** An eval that lands after its step's checkpoint row still marks that checkpoint. */
export function setCheckpointEvalLoss(db: Db, runId: number, step: number, loss: number): void {
  db.prepare('UPDATE checkpoints SET eval_loss = ? WHERE run_id = ? AND step = ?').run(loss, runId, step);
}

export function markCheckpointPruned(db: Db, runId: number, step: number): void {
  db.prepare('UPDATE checkpoints SET kept = 0 WHERE run_id = ? AND step = ?').run(runId, step);
}

interface CheckpointDbRow {
  step: number;
  path: string;
  bytes: number | null;
  eval_loss: number | null;
  kept: number;
  created_at: string;
}

export function listCheckpoints(db: Db, runId: number): CheckpointRow[] {
  return (db.prepare('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY step').all(runId) as CheckpointDbRow[]).map((r) => ({
    step: r.step,
    path: r.path,
    bytes: r.bytes,
    evalLoss: r.eval_loss,
    kept: r.kept === 1,
    createdAt: r.created_at,
  }));
}

export function keptCheckpoints(db: Db, runId: number): CheckpointRow[] {
  return listCheckpoints(db, runId).filter((c) => c.kept);
}

export function latestCheckpoint(db: Db, runId: number): CheckpointRow | undefined {
  return keptCheckpoints(db, runId).at(-1);
}

/** The kept checkpoints, newest first, with the files each held when written (null before schema v4). */
export function checkpointsWithFiles(db: Db, runId: number): { step: number; path: string; files: CheckpointManifest | null }[] {
  const rows = db.prepare('SELECT step, path, files_json FROM checkpoints WHERE run_id = ? AND kept = 1 ORDER BY step DESC').all(runId) as {
    step: number;
    path: string;
    files_json: string | null;
  }[];
  return rows.map((r) => {
    const files = parseJsonColumn<unknown>(r.files_json, null);
    return { step: r.step, path: r.path, files: isManifest(files) ? files : null };
  });
}
