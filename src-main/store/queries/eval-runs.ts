/**
 * Eval runs (kind 'eval') with every prediction, and exports with their self-check: what
 * `tuneloom eval` / `tuneloom export` and the app's Evaluate tab and export buttons store. An eval or
 * export is linked to the run whose finished adapter it used (matched by adapter path); an eval
 * without an adapter is the base model ("before").
 */
import type { EvalRunRow, ExportKind, ExportRow, MetricModeChoice, SelfCheckView } from '../../../src-shared/dto/evals';
import type { Db } from '../db';
import { parseJsonColumn } from './json';
import type { ThinkingUsage } from '../../engine/generate/thinking-budget';
import type { ThinkingSummary } from '../../eval/eval-runner';

export interface EvalRunRecord {
  modelPath: string;
  adapterPath: string | null;
  split: string;
  metricMode: string;
  loss: number | null;
  metrics: Record<string, number>;
  examples: number;
  /** Budget forcing over the run (null: none). */
  thinking?: ThinkingSummary | null;
  predictions: { prompt: string; prediction: string; reference: string | null; scores: Record<string, number> | null; thinking?: ThinkingUsage | null }[];
}

/** The run whose finished adapter is at `adapterPath`, if any. */
export function runIdOfAdapter(db: Db, adapterPath: string | null): number | null {
  if (!adapterPath) return null;
  const row = db.prepare('SELECT id FROM runs WHERE adapter_path = ? ORDER BY id DESC LIMIT 1').get(adapterPath) as { id: number } | undefined;
  return row?.id ?? null;
}

export function recordEvalRun(db: Db, e: EvalRunRecord): { evalId: number; runId: number | null } {
  const runId = runIdOfAdapter(db, e.adapterPath);
  const evalId = db.transaction(() => {
    const info = db
      .prepare(
        `INSERT INTO evals (run_id, step, kind, model_path, adapter_path, split, metric_mode, loss, metrics_json, examples, thinking_json)
         VALUES (?, NULL, 'eval', ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        runId,
        e.modelPath,
        e.adapterPath,
        e.split,
        e.metricMode,
        e.loss,
        JSON.stringify(e.metrics),
        e.examples,
        e.thinking ? JSON.stringify(e.thinking) : null,
      );
    const id = Number(info.lastInsertRowid);
    const insert = db.prepare(
      'INSERT INTO eval_predictions (eval_id, idx, prompt, prediction, reference, scores_json, thinking_json) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    e.predictions.forEach((p, i) =>
      insert.run(id, i, p.prompt, p.prediction, p.reference, p.scores ? JSON.stringify(p.scores) : null, p.thinking ? JSON.stringify(p.thinking) : null),
    );
    return id;
  })();
  return { evalId, runId };
}

export interface StoredEval {
  id: number;
  runId: number | null;
  adapterPath: string | null;
  metricMode: string | null;
  loss: number | null;
  metrics: Record<string, number>;
  examples: number | null;
  thinking: ThinkingSummary | null;
}

/** Eval runs of a run (or of base models when runId is null), oldest first. */
export function evalRunsOf(db: Db, runId: number | null): StoredEval[] {
  const rows = db
    .prepare(
      `SELECT id, run_id, adapter_path, metric_mode, loss, metrics_json, examples, thinking_json FROM evals WHERE kind = 'eval' AND run_id IS ? ORDER BY id`,
    )
    .all(runId) as {
    id: number;
    run_id: number | null;
    adapter_path: string | null;
    metric_mode: string | null;
    loss: number | null;
    metrics_json: string | null;
    examples: number | null;
    thinking_json: string | null;
  }[];
  return rows.map((r) => ({
    id: r.id,
    runId: r.run_id,
    adapterPath: r.adapter_path,
    metricMode: r.metric_mode,
    loss: r.loss,
    metrics: r.metrics_json ? (JSON.parse(r.metrics_json) as Record<string, number>) : {},
    examples: r.examples,
    thinking: parseJsonColumn<ThinkingSummary | null>(r.thinking_json, null),
  }));
}

/** Predictions of an eval, sorted by one score (worst first), for browsing next to the references. */
export function evalPredictions(
  db: Db,
  evalId: number,
  sortBy?: string,
): { idx: number; prompt: string; prediction: string; reference: string | null; scores: Record<string, number> | null; thinking: ThinkingUsage | null }[] {
  const rows = db
    .prepare('SELECT idx, prompt, prediction, reference, scores_json, thinking_json FROM eval_predictions WHERE eval_id = ? ORDER BY idx')
    .all(evalId) as {
    idx: number;
    prompt: string;
    prediction: string;
    reference: string | null;
    scores_json: string | null;
    thinking_json: string | null;
  }[];
  const out = rows.map((r) => ({
    idx: r.idx,
    prompt: r.prompt,
    prediction: r.prediction,
    reference: r.reference,
    scores: r.scores_json ? (JSON.parse(r.scores_json) as Record<string, number>) : null,
    thinking: parseJsonColumn<ThinkingUsage | null>(r.thinking_json, null),
  }));
  if (sortBy) out.sort((a, b) => (a.scores?.[sortBy] ?? 0) - (b.scores?.[sortBy] ?? 0));
  return out;
}

export interface ExportRecord {
  adapterPath: string;
  modelPath: string;
  kind: ExportKind;
  ggufType: string | null;
  outPath: string;
  bytes: number;
  selfCheck: unknown;
}

export function recordExport(db: Db, e: ExportRecord): { exportId: number; runId: number | null } {
  const runId = runIdOfAdapter(db, e.adapterPath);
  const info = db
    .prepare('INSERT INTO exports (run_id, adapter_path, model_path, kind, gguf_type, out_path, bytes, self_check_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(runId, e.adapterPath, e.modelPath, e.kind, e.ggufType, e.outPath, e.bytes, JSON.stringify(e.selfCheck));
  return { exportId: Number(info.lastInsertRowid), runId };
}

/**
 * Links an eval to a run explicitly: the app's "before" eval (base model, no adapter) belongs to the run
 * whose Evaluate tab started it, so its numbers sit next to the adapter's.
 */
export function attachEvalToRun(db: Db, evalId: number, runId: number): void {
  db.prepare("UPDATE evals SET run_id = ? WHERE id = ? AND kind = 'eval'").run(runId, evalId);
}

interface EvalDbRow {
  id: number;
  model_path: string | null;
  adapter_path: string | null;
  split: string | null;
  metric_mode: string | null;
  loss: number | null;
  metrics_json: string | null;
  examples: number | null;
  created_at: string;
  thinking_json: string | null;
}

/** The eval runs of a run (base "before" rows and adapter "after" rows), oldest first. */
export function evalRunRows(db: Db, runId: number): EvalRunRow[] {
  const rows = db
    .prepare(
      "SELECT id, model_path, adapter_path, split, metric_mode, loss, metrics_json, examples, created_at, thinking_json FROM evals WHERE kind = 'eval' AND run_id = ? ORDER BY id",
    )
    .all(runId) as EvalDbRow[];
  return rows.map((r) => ({
    id: r.id,
    target: r.adapter_path ? 'adapter' : 'base',
    modelPath: r.model_path,
    adapterPath: r.adapter_path,
    split: r.split,
    metricMode: r.metric_mode === 'sacrebleu' || r.metric_mode === 'jieba' ? (r.metric_mode as MetricModeChoice) : null,
    loss: r.loss,
    metrics: parseJsonColumn<Record<string, number>>(r.metrics_json, {}),
    examples: r.examples,
    createdAt: r.created_at,
    thinking: parseJsonColumn<ThinkingSummary | null>(r.thinking_json, null),
  }));
}

/** The exports of a run, newest first, with their self-check as stored. */
export function exportsOfRun(db: Db, runId: number): ExportRow[] {
  const rows = db
    .prepare('SELECT id, kind, gguf_type, out_path, bytes, self_check_json, created_at FROM exports WHERE run_id = ? ORDER BY id DESC')
    .all(runId) as {
    id: number;
    kind: ExportKind;
    gguf_type: string | null;
    out_path: string;
    bytes: number | null;
    self_check_json: string | null;
    created_at: string;
  }[];
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    ggufType: r.gguf_type,
    outPath: r.out_path,
    bytes: r.bytes,
    selfCheck: selfCheckView(parseJsonColumn<unknown>(r.self_check_json, null)),
    createdAt: r.created_at,
  }));
}

/** The part of a stored self-check the UI shows (the per-prompt tokens stay in the store). */
export function selfCheckView(raw: unknown): SelfCheckView | null {
  if (!raw || typeof raw !== 'object') return null;
  const o = raw as Record<string, unknown>;
  return {
    ok: o.ok === true,
    ...(typeof o.summary === 'string' ? { summary: o.summary } : {}),
    ...(typeof o.skipped === 'string' ? { skipped: o.skipped } : {}),
  };
}

/** Links an export to the run whose dashboard started it (when its adapter path did not match). */
export function attachExportToRun(db: Db, exportId: number, runId: number): void {
  db.prepare('UPDATE exports SET run_id = ? WHERE id = ? AND run_id IS NULL').run(runId, exportId);
}
