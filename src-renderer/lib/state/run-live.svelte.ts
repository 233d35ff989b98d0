/**
 * One run as the dashboard sees it: detail + per-step rows, kept current by the events main pushes
 * (the supervisor's one outlet: metrics, samples, GRPO rewards, evals, checkpoints, logs, status). No poll: after a
 * dropped WebSocket, whose events are lost, one incremental catch-up (rows after the last step/seq seen).
 */
import { connection } from './connection.svelte';
import { errorText } from '../error-text';
import type { CheckpointRow, EvalRow, RunLogLine } from '../../../src-shared/dto/run-series';
import type { GrpoStepRow, MetricPoint, RunDetail, SampleRow } from '../../../src-shared/dto/runs';
import { api } from '../api/index';

const ACTIVE = new Set(['queued', 'running', 'paused']);
const CHART_POINTS = 4000;
/** GRPO steps whose completions the dashboard keeps (each step has prompts x G of them). */
export const COMPLETION_STEPS = 3;

/** A GRPO step as the charts keep it: its completions live only in `recentGroups`. */
const forChart = (r: GrpoStepRow): GrpoStepRow => (r.completions.length ? { ...r, completions: [] } : r);

export class RunLive {
  readonly id: number;
  run = $state<RunDetail | null | undefined>(undefined);
  metrics = $state.raw<MetricPoint[]>([]);
  samples = $state.raw<SampleRow[]>([]);
  /** GRPO steps in step order, without completions (the reward charts). */
  rewards = $state.raw<GrpoStepRow[]>([]);
  /** The last COMPLETION_STEPS GRPO steps with their completions, in step order. */
  recentGroups = $state.raw<GrpoStepRow[]>([]);
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
      a.on('run.rewards', (e) => e.runId === this.id && this.#appendRewards(e.steps)),
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
      await this.#loadRewards();
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
    const lastReward = this.rewards.at(-1)?.step;
    this.#appendRewards(await api.call('runs.rewards', lastReward === undefined ? { id } : { id, afterStep: lastReward }));
  }

  /** All GRPO steps for the charts, then the completions of the last few (a GRPO step holds prompts x G of them). */
  async #loadRewards(): Promise<void> {
    if (!api) return;
    const rewards = await api.call('runs.rewards', { id: this.id, completions: false });
    const last = rewards.at(-1)?.step;
    const recent = last === undefined ? [] : await api.call('runs.rewards', { id: this.id, afterStep: Math.max(0, last - COMPLETION_STEPS) });
    // Steps pushed live while these reads were under way are newer than what they returned: kept.
    const newer = (xs: GrpoStepRow[]) => xs.filter((r) => r.step > (last ?? -1));
    this.rewards = rewards.concat(newer(this.rewards));
    this.recentGroups = recent.concat(newer(this.recentGroups)).slice(-COMPLETION_STEPS);
  }

  #appendRewards(steps: GrpoStepRow[]): void {
    const last = this.rewards.at(-1)?.step ?? -1;
    const fresh = steps.filter((r) => r.step > last);
    if (!fresh.length) return;
    this.rewards = this.rewards.concat(fresh.map(forChart));
    this.recentGroups = this.recentGroups.concat(fresh).slice(-COMPLETION_STEPS);
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
