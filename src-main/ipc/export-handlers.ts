/**
 * exports.* channels: the run dashboard's export buttons. "adapter" writes the run's adapter files
 * (export/adapter-export.ts, checked byte for byte); "merged" and "gguf" run `tuneloom export --events`
 * in a child process (cli-job.ts), whose progress events (jobs/job-events.ts) and self-check reach
 * the renderer as export.* events. An existing, non-empty target folder is refused in one line before
 * anything starts; the renderer then asks, and only an explicit `overwrite` replaces it, and only
 * when that folder is a previous export (output-folder.ts); the data folder and the store are never
 * a target.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ExportJob, ExportRow, ExportStartRequest } from '../../src-shared/dto/evals';
import type { RunDetail } from '../../src-shared/dto/runs';
import { readAppSettings } from '../app-settings';
import { UserError } from '../errors';
import { exportAdapter } from '../export/adapter-export';
import { checkExportTarget, protectedPaths } from '../export/output-folder';
import { startCliJob, type CliJob } from '../workers/jobs/cli-job';
import { attachExportToRun, exportsOfRun, recordExport } from '../store/queries/eval-runs';
import { getRun } from '../store/queries/runs';
import type { HandlerContext } from './context';
import type { HandlerTable } from './router';

type ExportChannels = 'exports.start' | 'exports.cancel' | 'exports.list';

export function defaultExportDir(run: RunDetail, req: Pick<ExportStartRequest, 'to' | 'ggufType'>): string {
  return join(run.outDir, req.to === 'gguf' ? `export-gguf-${req.ggufType ?? 'f16'}` : `export-${req.to}`);
}

/** The paths no export of this app may replace: its data folder and its store. */
function guarded(ctx: HandlerContext): string[] {
  return [...protectedPaths(ctx.dbPath), ctx.home];
}

export function exportHandlers(ctx: HandlerContext): Pick<HandlerTable, ExportChannels> {
  let nextJob = 1;
  const jobs = new Map<number, { job: ExportJob; child: CliJob<unknown> | null }>();
  const progress = (job: ExportJob) => ctx.publish?.({ type: 'export.progress', job: { ...job } });

  async function runCliExport(job: ExportJob, run: RunDetail, req: ExportStartRequest, entry: { child: CliJob<unknown> | null }): Promise<number> {
    const backend = readAppSettings(ctx.db).defaultBackend;
    const args = ['export', '--model', run.modelPath, '--adapter', run.adapterPath!, '--to', job.to, '--out', job.out, '--db', ctx.dbPath];
    if (job.to === 'gguf') args.push('--gguf-type', req.ggufType ?? 'f16');
    if (req.overwrite) args.push('--force');
    if (backend !== 'auto') args.push('--backend', backend);
    const child = startCliJob<{ export_id: number }>(args, {
      isResult: (r): r is { export_id: number } => typeof r.export_id === 'number',
      onEvent: (e) => {
        if (e.type !== 'progress' || e.stage === 'eval') return;
        Object.assign(job, e.stage === 'write' ? { stage: 'write', pct: Math.floor((100 * e.done) / Math.max(1, e.total)) } : { stage: 'check', pct: 0 });
        progress(job);
      },
    });
    entry.child = child;
    return (await child.result).export_id;
  }

  async function runJob(job: ExportJob, run: RunDetail, req: ExportStartRequest): Promise<void> {
    const entry = jobs.get(job.jobId)!;
    let error: string | null = null;
    let row: ExportRow | null = null;
    try {
      let exportId: number;
      if (job.to === 'adapter') {
        const r = exportAdapter({ adapter: run.adapterPath!, out: job.out, force: req.overwrite === true, protect: guarded(ctx), model: run.modelPath });
        exportId = recordExport(ctx.db, {
          adapterPath: run.adapterPath!,
          modelPath: run.modelPath,
          kind: 'adapter',
          ggufType: null,
          outPath: job.out,
          bytes: r.bytes,
          selfCheck: r.selfCheck,
        }).exportId;
      } else {
        exportId = await runCliExport(job, run, req, entry);
      }
      attachExportToRun(ctx.db, exportId, run.id);
      row = exportsOfRun(ctx.db, run.id).find((e) => e.id === exportId) ?? null;
    } catch (err) {
      error = (err as Error).message;
    } finally {
      jobs.delete(job.jobId);
      ctx.publish?.({ type: 'export.done', jobId: job.jobId, runId: run.id, error, export: row });
    }
  }

  return {
    'exports.start': (req) => {
      const run = getRun(ctx.db, req.runId);
      if (!run) throw new UserError(`run #${req.runId} does not exist`, { hint: 'reload the runs list' });
      if (!run.adapterPath || !existsSync(run.adapterPath))
        throw new UserError(`run #${run.id} has no finished adapter to export`, { hint: 'export after the run completes' });
      const out = resolve(req.out ?? defaultExportDir(run, req));
      if (!existsSync(dirname(out)))
        throw new UserError('the parent folder of the export does not exist', { where: dirname(out), hint: 'create it first or choose another folder' });
      checkExportTarget(out, { force: req.overwrite === true, protect: guarded(ctx), forceHint: 'choose another folder, or confirm to overwrite it' });
      if ([...jobs.values()].some((j) => j.job.out === out))
        throw new UserError('an export to this folder is already running', { where: out, hint: 'wait for it to finish' });
      const job: ExportJob = { jobId: nextJob++, runId: run.id, to: req.to, out, stage: req.to === 'adapter' ? 'copy' : 'write', pct: 0 };
      jobs.set(job.jobId, { job, child: null });
      // Let the start reply go out before the (synchronous) adapter copy or the child's start.
      setImmediate(() => void runJob(job, run, req));
      return { ...job };
    },
    'exports.cancel': ({ id }) => {
      const entry = jobs.get(id);
      entry?.child?.cancel();
      return { cancelled: !!entry?.child };
    },
    'exports.list': ({ id }) => exportsOfRun(ctx.db, id),
  };
}
