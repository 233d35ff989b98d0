/**
 * One run as the dashboard sees it: detail + per-step rows, kept current by the events main pushes
 * (the supervisor's one outlet: metrics, samples, evals, checkpoints, logs, status). No poll: after a
 * dropped WebSocket, whose events are lost, one incremental catch-up (rows after the last step/seq seen).
 */
import { connection } from './connection.svelte';
import { errorText } from '../error-text';
import type { CheckpointRow, EvalRow, RunLogLine } from '../../../src-shared/dto/run-series';
import type { MetricPoint, RunDetail, SampleRow } from '../../../src-shared/dto/runs';
import { api } from '../api/index';

const ACTIVE = new Set(['queued', 'running', 'paused']);
const CHART_POINTS = 4000;

export class RunLive {
  readonly id: number;
  run = $state<RunDetail | null | undefined>(undefined);
  metrics = $state.raw<MetricPoint[]>([]);
  samples = $state.raw<SampleRow[]>([]);
  logs = $state.raw<RunLogLine[]>([]);
  checkpoints = $state.raw<CheckpointRow[]>([]);
  evals = $state.raw<EvalRow[]>([]);
  error = $state<string | null>(null);
  #offs: (() => void)[] = [];

  constructor(id: number) {
    this.id = id;
  }

  get active(): boolean {
    return !!this.run && ACTIVE.has(this.run.status);
  }

  async start(): Promise<void> {
    if (!api) return;
    const a = api;
    this.#offs.push(
      a.on('run.metrics', (e) => e.runId === this.id && this.#appendMetrics(e.points)),
      a.on('run.samples', (e) => e.runId === this.id && void this.#refreshSamples()),
      a.on('run.log', (e) => e.runId === this.id && (this.logs = [...this.logs, e.line])),
      a.on('run.status', (e) => e.runId === this.id && void this.refresh()),
      // An eval changes the run's best loss; a checkpoint adds a row (and may prune older ones).
      a.on('run.eval', (e) => e.runId === this.id && void this.#refreshEvals()),
      a.on('run.checkpoint', (e) => e.runId === this.id && void this.#refreshCheckpoints()),
      connection.onReconnect(() => void this.poll()),
    );
    await this.refresh();
  }

  stop(): void {
    this.#offs.forEach((off) => off());
  }

  async refresh(): Promise<void> {
    if (!api) return;
    try {
      const id = this.id;
      const [run, metrics, samples, logs, checkpoints, evals] = await Promise.all([
        api.call('runs.get', { id }),
        // History is bucketed to what a chart can show; live steps are appended one by one after it.
        api.call('runs.metrics', { id, maxPoints: CHART_POINTS }),
        api.call('runs.samples', { id }),
        api.call('runs.logs', { id }),
        api.call('runs.checkpoints', { id }),
        api.call('runs.evals', { id }),
      ]);
      Object.assign(this, { run, metrics, samples, logs, checkpoints, evals });
      this.error = null;
    } catch (err) {
      this.error = errorText(err);
    }
  }

  async poll(): Promise<void> {
    if (!api) return;
    const id = this.id;
    const lastStep = this.metrics.at(-1)?.step;
    const lastSeq = this.logs.at(-1)?.seq;
    const [run, points, logs, evals] = await Promise.all([
      api.call('runs.get', { id }),
      api.call('runs.metrics', lastStep === undefined ? { id } : { id, afterStep: lastStep }),
      api.call('runs.logs', lastSeq === undefined ? { id } : { id, afterSeq: lastSeq }),
      api.call('runs.evals', { id }),
    ]);
    this.run = run;
    if (evals.length !== this.evals.length) this.evals = evals;
    this.#appendMetrics(points);
    if (logs.length) this.logs = [...this.logs, ...logs];
    if (run && run.lastStep > (this.samples.at(-1)?.step ?? -1)) await this.#refreshSamples();
  }

  #appendMetrics(points: MetricPoint[]): void {
    const last = this.metrics.at(-1)?.step ?? -1;
    const fresh = points.filter((p) => p.step > last);
    if (!fresh.length) return;
    this.metrics = this.metrics.concat(fresh);
    // The detail's step counter follows the pushed steps, so progress moves without refetching the run.
    const step = fresh.at(-1)!.step;
    if (this.run && step > this.run.lastStep) this.run = { ...this.run, lastStep: step };
  }

  async #refreshEvals(): Promise<void> {
    if (!api) return;
    const [run, evals] = await Promise.all([api.call('runs.get', { id: this.id }), api.call('runs.evals', { id: this.id })]);
    Object.assign(this, { run, evals });
  }

  async #refreshCheckpoints(): Promise<void> {
    if (api) this.checkpoints = await api.call('runs.checkpoints', { id: this.id });
  }

  async #refreshSamples(): Promise<void> {
    if (api) this.samples = await api.call('runs.samples', { id: this.id });
  }
}
