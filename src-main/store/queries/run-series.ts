/** Read queries for a run's per-step rows: metrics, samples, logs, checkpoints, evals (the renderer's view). */
import type { CheckpointRow, EvalRow, RunLogLine } from '../../../src-shared/dto/run-series';
import type { MetricPoint, SampleRow } from '../../../src-shared/dto/runs';
import type { Db } from '../db';
import { parseJsonColumn } from './json';

export function listMetrics(db: Db, runId: number, afterStep = -1): MetricPoint[] {
  return db
    .prepare(
      `SELECT step, loss, lr, grad_norm AS gradNorm, tokens_per_s AS tokensPerS, epoch, tokens_seen AS tokensSeen, ts
       FROM metrics WHERE run_id = ? AND step > ? ORDER BY step`,
    )
    .all(runId, afterStep) as MetricPoint[];
}

export function listSamples(db: Db, runId: number): SampleRow[] {
  return db
    .prepare('SELECT step, prompt_idx AS promptIdx, prompt, output FROM samples WHERE run_id = ? ORDER BY step, prompt_idx')
    .all(runId) as SampleRow[];
}

export function listRunLogs(db: Db, runId: number, afterSeq = -1): RunLogLine[] {
  return db.prepare('SELECT seq, ts, level, message FROM run_logs WHERE run_id = ? AND seq > ? ORDER BY seq').all(runId, afterSeq) as RunLogLine[];
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
