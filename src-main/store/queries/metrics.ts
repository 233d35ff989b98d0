/**
 * Metric writes and chart reads. Step rows arrive in batches and go in as one transaction at
 * synchronous=NORMAL; (run_id, step) is the key and a resumed run that repeats a step replaces the row
 * instead of adding one.
 */
import type { MetricPoint } from '../../../src-shared/dto/runs';
import type { Db } from '../db';

/** A metrics row as the MetricPoint DTO. */
const METRIC_COLUMNS = 'step, loss, lr, grad_norm AS gradNorm, tokens_per_s AS tokensPerS, epoch, tokens_seen AS tokensSeen, ts';

/** Every point after `afterStep` (the live stream's catch-up and the dashboard's incremental reads). */
export function listMetrics(db: Db, runId: number, afterStep = -1): MetricPoint[] {
  return db.prepare(`SELECT ${METRIC_COLUMNS} FROM metrics WHERE run_id = ? AND step > ? ORDER BY step`).all(runId, afterStep) as MetricPoint[];
}

export function insertMetrics(db: Db, runId: number, points: readonly MetricPoint[]): void {
  if (points.length === 0) return;
  const stmt = db.prepare(
    `INSERT INTO metrics (run_id, step, loss, lr, grad_norm, tokens_per_s, epoch, tokens_seen, ts)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(run_id, step) DO UPDATE SET loss = excluded.loss, lr = excluded.lr, grad_norm = excluded.grad_norm,
       tokens_per_s = excluded.tokens_per_s, epoch = excluded.epoch, tokens_seen = excluded.tokens_seen, ts = excluded.ts`,
  );
  db.transaction(() => {
    for (const p of points) stmt.run(runId, p.step, p.loss, p.lr, p.gradNorm, p.tokensPerS, p.epoch, p.tokensSeen, p.ts);
  })();
}

/**
 * At most `maxPoints` points for a chart: steps are split into equal buckets, each reported as the mean of
 * its values at its last step (means keep the trend of a noisy loss; the last step keeps the x-axis honest).
 * The final step always appears as its own point, so the chart ends where the run is.
 */
export function downsampleMetrics(db: Db, runId: number, maxPoints: number): MetricPoint[] {
  const range = db.prepare('SELECT min(step) AS lo, max(step) AS hi, count(*) AS n FROM metrics WHERE run_id = ?').get(runId) as {
    lo: number | null;
    hi: number | null;
    n: number;
  };
  if (range.n === 0 || range.lo === null || range.hi === null) return [];
  const cols = `max(step) AS step, avg(loss) AS loss, avg(lr) AS lr, avg(grad_norm) AS gradNorm, avg(tokens_per_s) AS tokensPerS,
    max(epoch) AS epoch, max(tokens_seen) AS tokensSeen, max(ts) AS ts`;
  if (range.n <= maxPoints) {
    return listMetrics(db, runId);
  }
  const buckets = Math.max(1, maxPoints - 1);
  const span = range.hi - range.lo; // last step excluded below, so buckets cover [lo, hi)
  const rows = db
    .prepare(
      `SELECT ${cols} FROM metrics WHERE run_id = @runId AND step < @hi
       GROUP BY CAST(((step - @lo) * @buckets) / @span AS INTEGER) ORDER BY step`, // JS numbers bind as REAL: truncate explicitly
    )
    .all({ runId, lo: range.lo, hi: range.hi, buckets, span }) as MetricPoint[];
  const last = db
    .prepare(
      `SELECT step, loss, lr, grad_norm AS gradNorm, tokens_per_s AS tokensPerS, epoch, tokens_seen AS tokensSeen, ts FROM metrics WHERE run_id = ? AND step = ?`,
    )
    .get(runId, range.hi) as MetricPoint;
  return [...rows, last];
}

export interface MetricsSummary {
  steps: number;
  firstStep: number | null;
  lastStep: number | null;
  firstLoss: number | null;
  lastLoss: number | null;
  minLoss: number | null;
  minLossStep: number | null;
  lastLr: number | null;
  lastEpoch: number | null;
  meanTokensPerS: number | null;
  tokensSeen: number | null;
}

export function metricsSummary(db: Db, runId: number): MetricsSummary {
  const agg = db
    .prepare('SELECT count(*) AS steps, min(step) AS firstStep, max(step) AS lastStep, avg(tokens_per_s) AS meanTokensPerS FROM metrics WHERE run_id = ?')
    .get(runId) as { steps: number; firstStep: number | null; lastStep: number | null; meanTokensPerS: number | null };
  const at = (order: string) =>
    db.prepare(`SELECT step, loss, lr, epoch, tokens_seen AS tokensSeen FROM metrics WHERE run_id = ? ${order} LIMIT 1`).get(runId) as
      { step: number; loss: number | null; lr: number | null; epoch: number | null; tokensSeen: number | null } | undefined;
  const first = at('ORDER BY step ASC');
  const last = at('ORDER BY step DESC');
  const min = at('AND loss IS NOT NULL ORDER BY loss ASC, step ASC');
  return {
    ...agg,
    firstLoss: first?.loss ?? null,
    lastLoss: last?.loss ?? null,
    minLoss: min?.loss ?? null,
    minLossStep: min?.step ?? null,
    lastLr: last?.lr ?? null,
    lastEpoch: last?.epoch ?? null,
    tokensSeen: last?.tokensSeen ?? null,
  };
}

/** Steps recorded more than once would be a bug; the primary key already forbids it, this proves it in tests. */
export function duplicateMetricSteps(db: Db, runId: number): number {
  return (db.prepare('SELECT count(*) - count(DISTINCT step) AS d FROM metrics WHERE run_id = ?').get(runId) as { d: number }).d;
}
