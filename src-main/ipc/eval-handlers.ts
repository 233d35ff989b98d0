/**
 * evals.* channels: the run dashboard's Evaluate tab. An eval job runs `tuneloom eval --events` in a
 * child process (cli-job.ts, speaking jobs/job-events.ts), first on the base model ("before", when
 * asked) and then with the run's adapter ("after"), on the same examples; the CLI stores every
 * prediction, this handler links the base row to the run, and progress / completion reach the
 * renderer as eval.* events.
 */
import type { EvalJob, EvalStartRequest, EvalTarget } from '../../src-shared/dto/evals';
import type { RunDetail } from '../../src-shared/dto/runs';
import { readAppSettings } from '../app-settings';
import { UserError } from '../errors';
import { TRAIN_DEFAULTS } from '../engine/train/train-config';
import { startCliJob, type CliJob } from '../workers/jobs/cli-job';
import { attachEvalToRun, evalPredictions, evalRunRows } from '../store/queries/eval-runs';
import { getRun } from '../store/queries/runs';
import type { HandlerContext } from './context';
import type { HandlerTable } from './router';

type EvalChannels = 'evals.start' | 'evals.cancel' | 'evals.list' | 'evals.predictions' | 'evals.active';

/**
 * The `tuneloom eval` arguments of one target of a request (CLI.md flags plus --split/--val-split/--seed).
 * The run's own data also goes by `--run ID`, so the CLI reads it as the run's training did (every file
 * of its import, its encoding and column map). The split is the run's stored ratio and seed, whichever
 * file is evaluated: a run trained without validation (--val-split 0) has an empty validation split.
 */
export function evalArgs(run: RunDetail, req: EvalStartRequest, target: EvalTarget, dbPath: string, backend: string): string[] {
  const cfg = run.config;
  const data = req.dataPath ?? (typeof cfg.data === 'string' ? cfg.data : run.datasetPath);
  if (!data) throw new UserError(`run #${run.id} has no dataset to evaluate on`, { hint: 'choose a dataset file in the Evaluate tab' });
  const args = ['eval', '--model', run.modelPath, '--data', data, '--metrics', req.metrics.join(','), '--mode', req.mode, '--lang', req.lang];
  args.push('--max-new-tokens', String(req.maxNewTokens), '--split', req.split, '--seed', String(run.seed), '--db', dbPath);
  if (!req.dataPath) args.push('--run', String(run.id));
  if (req.split !== 'all') args.push('--val-split', String(typeof cfg.valSplit === 'number' ? cfg.valSplit : TRAIN_DEFAULTS.valSplit));
  // The run's own dataset is read with the format it trained with; another file is detected.
  if (!req.dataPath && typeof cfg.format === 'string' && cfg.format !== 'auto') args.push('--format', cfg.format);
  if (req.limit !== undefined) args.push('--limit', String(req.limit));
  // The same seed for base and adapter, so "before" and "after" differ by the adapter, not the draws.
  if (req.temperature) args.push('--temperature', String(req.temperature), '--sample-seed', String(run.seed));
  // Budget forcing applies to both targets alike, so before and after think under the same rules.
  if (req.thinkBudget) args.push('--think-budget', String(req.thinkBudget));
  if (req.thinkWait) args.push('--think-wait', String(req.thinkWait));
  if (target === 'adapter') args.push('--adapter', run.adapterPath!);
  if (backend !== 'auto') args.push('--backend', backend);
  return args;
}

export function evalHandlers(ctx: HandlerContext): Pick<HandlerTable, EvalChannels> {
  let nextJob = 1;
  const jobs = new Map<number, { job: EvalJob; child: CliJob<unknown> | null; cancelled: boolean }>();

  async function runJob(entry: { job: EvalJob; child: CliJob<unknown> | null; cancelled: boolean }, run: RunDetail, req: EvalStartRequest): Promise<void> {
    const { job } = entry;
    const backend = readAppSettings(ctx.db).defaultBackend;
    const targets: EvalTarget[] = req.base ? ['base', 'adapter'] : ['adapter'];
    let error: string | null = null;
    try {
      for (const target of targets) {
        if (entry.cancelled) throw new Error('stopped');
        Object.assign(job, { target, done: 0, total: req.limit ?? 0 });
        ctx.publish?.({ type: 'eval.progress', job: { ...job } });
        const child = startCliJob<{ eval_id: number }>(evalArgs(run, req, target, ctx.dbPath, backend), {
          isResult: (r): r is { eval_id: number } => typeof r.eval_id === 'number',
          onEvent: (e) => {
            if (e.type !== 'progress' || e.stage !== 'eval') return;
            Object.assign(job, { done: e.done, total: e.total });
            ctx.publish?.({ type: 'eval.progress', job: { ...job } });
          },
        });
        entry.child = child;
        const out = await child.result;
        // The CLI links an adapter eval to its run by the adapter path; the base eval is linked here.
        attachEvalToRun(ctx.db, out.eval_id, run.id);
      }
    } catch (err) {
      error = (err as Error).message;
    } finally {
      jobs.delete(job.jobId);
      ctx.publish?.({ type: 'eval.done', jobId: job.jobId, runId: run.id, error });
    }
  }

  return {
    'evals.start': (req) => {
      const run = getRun(ctx.db, req.runId);
      if (!run) throw new UserError(`run #${req.runId} does not exist`, { hint: 'reload the runs list' });
      if (!run.adapterPath) throw new UserError(`run #${run.id} has no finished adapter yet`, { hint: 'evaluate after the run completes (or resume it)' });
      if ([...jobs.values()].some((j) => j.job.runId === run.id))
        throw new UserError(`an eval of run #${run.id} is already running`, { hint: 'wait for it or stop it first' });
      evalArgs(run, req, 'adapter', ctx.dbPath, 'auto'); // fails now, in one line, if there is no dataset
      const job: EvalJob = { jobId: nextJob++, runId: run.id, target: req.base ? 'base' : 'adapter', done: 0, total: req.limit ?? 0 };
      const entry = { job, child: null, cancelled: false };
      jobs.set(job.jobId, entry);
      void runJob(entry, run, req);
      return { ...job };
    },
    'evals.cancel': ({ id }) => {
      const entry = jobs.get(id);
      if (!entry) return { cancelled: false };
      entry.cancelled = true;
      entry.child?.cancel();
      return { cancelled: true };
    },
    'evals.active': ({ id }) => {
      const entry = [...jobs.values()].find((j) => j.job.runId === id);
      return entry ? { ...entry.job } : null;
    },
    'evals.list': ({ id }) => evalRunRows(ctx.db, id),
    'evals.predictions': ({ evalId, sortBy }) => evalPredictions(ctx.db, evalId, sortBy),
  };
}
