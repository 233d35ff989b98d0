/**
 * Buffers step metrics and writes them in one transaction per flush (synchronous=NORMAL): every
 * `flushMs`, when `maxRows` are waiting, and on demand before anything that must be ordered after them
 * (a checkpoint row, a status change). Rows still pending are readable, so a live subscriber joining
 * between flushes misses nothing.
 */
import type { MetricPoint } from '../../src-shared/dto/runs';
import type { Db } from '../store/db';
import { insertMetrics } from '../store/queries/metrics';
import { setLastStep } from '../store/queries/run-lifecycle';

export class MetricBatcher {
  private pendingRows: MetricPoint[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly runId: number,
    private readonly opts: { flushMs?: number; maxRows?: number; onError?: (err: Error) => void } = {},
  ) {}

  add(point: MetricPoint): void {
    this.pendingRows.push(point);
    if (this.pendingRows.length >= (this.opts.maxRows ?? 512)) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.opts.flushMs ?? 100);
    }
  }

  get pending(): readonly MetricPoint[] {
    return this.pendingRows;
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pendingRows.length === 0) return;
    const rows = this.pendingRows;
    try {
      this.db.transaction(() => {
        insertMetrics(this.db, this.runId, rows);
        setLastStep(
          this.db,
          this.runId,
          rows.reduce((m, r) => Math.max(m, r.step), 0),
        );
      })();
      this.pendingRows = [];
    } catch (err) {
      // Keep the rows for the next flush (a busy lock clears); report, never throw into the worker handler.
      this.opts.onError?.(err as Error);
    }
  }
}
