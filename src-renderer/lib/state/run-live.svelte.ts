/**
 * One run as the dashboard sees it: detail + per-step rows, kept current by the event stream and, while
 * the run is active, by a light incremental poll (only rows after the last step/seq seen).
 */
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
  #timer: ReturnType<typeof setInterval> | undefined;
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
    );
    await this.refresh();
    this.#timer = setInterval(() => this.active && void this.poll(), 2000);
  }

  stop(): void {
    clearInterval(this.#timer);
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
    if (fresh.length) this.metrics = this.metrics.concat(fresh);
  }

  async #refreshSamples(): Promise<void> {
    if (api) this.samples = await api.call('runs.samples', { id: this.id });
  }
}
