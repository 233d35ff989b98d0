/**
 * Per-run live subscriptions with history: `subscribe(runId, afterStep, listener)` replays from the
 * store (plus rows still waiting in the metric batcher) everything after `afterStep`, then attaches the
 * listener to the live tail. Both happen in one synchronous turn of the event loop, and better-sqlite3
 * reads are synchronous, so no event can slip between the replay and the attach: no gap. Each subscriber
 * keeps high-water marks, so a step replayed from history and repeated live (or re-emitted by a resumed
 * run) is delivered once: no duplicate.
 */
import type { RunStreamEvent, RunStreamListener } from '../../src-shared/dto/run-stream';
import type { MetricPoint } from '../../src-shared/dto/runs';
import type { Db } from '../store/db';
import { trainEvalsAfter } from '../store/queries/evals';
import { listCheckpoints } from '../store/queries/checkpoints';
import { listMetrics } from '../store/queries/metrics';
import { getRun } from '../store/queries/runs';
import { grpoStepsAfter } from '../store/queries/grpo-steps';
import { samplesAfter } from '../store/queries/samples';

interface Marks {
  step: number;
  eval: number;
  sample: [number, number];
  rewards: number;
  checkpoint: number;
}

/** True when the event is past the marks (and advances them). */
function isNew(marks: Marks, e: RunStreamEvent): boolean {
  switch (e.type) {
    case 'step':
      if (e.point.step <= marks.step) return false;
      marks.step = e.point.step;
      return true;
    case 'eval':
      if (e.step <= marks.eval) return false;
      marks.eval = e.step;
      return true;
    case 'sample': {
      const [s, i] = marks.sample;
      if (e.sample.step < s || (e.sample.step === s && e.sample.promptIdx <= i)) return false;
      marks.sample = [e.sample.step, e.sample.promptIdx];
      return true;
    }
    case 'rewards':
      if (e.row.step <= marks.rewards) return false;
      marks.rewards = e.row.step;
      return true;
    case 'checkpoint':
      if (e.step <= marks.checkpoint) return false;
      marks.checkpoint = e.step;
      return true;
    default:
      return true;
  }
}

const stepOf = (e: RunStreamEvent): number =>
  e.type === 'step'
    ? e.point.step
    : e.type === 'sample'
      ? e.sample.step
      : e.type === 'rewards'
        ? e.row.step
        : e.type === 'eval' || e.type === 'checkpoint'
          ? e.step
          : -1;
// A GRPO step's rewards follow its step event, as the trainer emits them.
const ORDER: Record<RunStreamEvent['type'], number> = { status: 0, step: 1, rewards: 2, eval: 3, sample: 4, checkpoint: 5, log: 6 };

export class LiveStream {
  private readonly subs = new Map<number, Set<(e: RunStreamEvent) => void>>();

  constructor(
    private readonly db: Db,
    /** Metric rows received but not yet flushed, per run. */
    private readonly pendingMetrics: (runId: number) => readonly MetricPoint[],
  ) {}

  publish(event: RunStreamEvent): void {
    for (const deliver of this.subs.get(event.runId) ?? []) deliver(event);
  }

  subscribe(runId: number, afterStep: number, listener: RunStreamListener): () => void {
    const marks: Marks = { step: afterStep, eval: afterStep, sample: [afterStep, Number.MAX_SAFE_INTEGER], rewards: afterStep, checkpoint: afterStep };
    const deliver = (e: RunStreamEvent): void => {
      if (!isNew(marks, e)) return;
      try {
        listener(e);
      } catch (err) {
        process.stderr.write(`tuneloom: a run subscriber failed on ${e.type}: ${(err as Error).message}\n`);
      }
    };
    for (const e of this.history(runId, afterStep)) deliver(e);
    let set = this.subs.get(runId);
    if (!set) this.subs.set(runId, (set = new Set()));
    set.add(deliver);
    return () => {
      set.delete(deliver);
      // Only our own set: after the last subscriber left, a newer subscriber may have a new one there,
      // and a repeated (stale) unsubscribe must not cut it off.
      if (set.size === 0 && this.subs.get(runId) === set) this.subs.delete(runId);
    };
  }

  private history(runId: number, afterStep: number): RunStreamEvent[] {
    const run = getRun(this.db, runId);
    if (!run) return [];
    const events: RunStreamEvent[] = [];
    const points = new Map<number, MetricPoint>();
    for (const p of listMetrics(this.db, runId, afterStep)) points.set(p.step, p);
    for (const p of this.pendingMetrics(runId)) if (p.step > afterStep) points.set(p.step, p);
    for (const point of points.values()) events.push({ type: 'step', runId, point });
    for (const e of trainEvalsAfter(this.db, runId, afterStep)) events.push({ type: 'eval', runId, ...e });
    for (const sample of samplesAfter(this.db, runId, afterStep)) events.push({ type: 'sample', runId, sample });
    for (const row of grpoStepsAfter(this.db, runId, afterStep)) events.push({ type: 'rewards', runId, row });
    for (const c of listCheckpoints(this.db, runId)) if (c.step > afterStep) events.push({ type: 'checkpoint', runId, step: c.step, path: c.path });
    events.sort((a, b) => stepOf(a) - stepOf(b) || ORDER[a.type] - ORDER[b.type]);
    return [{ type: 'status', runId, status: run.status, error: run.error }, ...events];
  }
}
