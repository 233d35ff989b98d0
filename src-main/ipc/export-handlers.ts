/**
 * exports.* channels: the run dashboard's export buttons. "adapter" copies the run's PEFT folder
 * (and checks the copy file by file); "merged" and "gguf" run `tuneloom export --json` in a child
 * process (cli-job.ts), whose progress lines and self-check reach the renderer as export.* events.
 * An existing, non-empty target folder is refused in one line before anything starts; the renderer
 * then asks, and only an explicit `overwrite` replaces it.
 */
import { cpSync, existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ExportJob, ExportRow, ExportStartRequest, SelfCheckView } from '../../src-shared/dto/evals';
import type { RunDetail } from '../../src-shared/dto/runs';
import { readAppSettings } from '../app-settings';
import { UserError } from '../errors';
import { startCliJob, type CliJob } from '../jobs/cli-job';
import { attachExportToRun, exportsOfRun, recordExport } from '../store/queries/eval-runs';
import { getRun } from '../store/queries/runs';
import type { HandlerContext } from './context';
import type { HandlerTable } from './router';

type ExportChannels = 'exports.start' | 'exports.cancel' | 'exports.list';

export function defaultExportDir(run: RunDetail, req: Pick<ExportStartRequest, 'to' | 'ggufType'>): string {
  return join(run.outDir, req.to === 'gguf' ? `export-gguf-${req.ggufType ?? 'f16'}` : `export-${req.to}`);
}

/** Refuses an existing non-empty folder (or a file) unless the user confirmed overwriting it. */
export function checkExportTarget(out: string, overwrite: boolean): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new UserError('the export path exists and is a file', { where: out, hint: 'choose another folder' });
  if (readdirSync(out).length > 0 && !overwrite) {
    throw new UserError('the export folder already exists and is not empty', { where: out, hint: 'choose another folder, or confirm to overwrite it' });
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dir, f)).isFile());
}

/**
 * Copies the PEFT adapter folder through a hidden staging folder (renamed into place at the end), then
 * compares every file's size with the source: the adapter's "self-check".
 */
export function copyAdapter(adapterDir: string, out: string): { files: string[]; bytes: number; selfCheck: SelfCheckView } {
  const staging = join(dirname(out), `.${basename(out)}.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    cpSync(adapterDir, staging, { recursive: true });
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UserError(`cannot copy the adapter (${code})`, { where: out, hint: code === 'ENOSPC' ? 'free some disk space' : 'choose a folder you can write to' });
  }
  const source = filesUnder(adapterDir);
  const mismatched = source.filter((f) => !existsSync(join(staging, f)) || statSync(join(staging, f)).size !== statSync(join(adapterDir, f)).size);
  if (existsSync(out)) rmSync(out, { recursive: true, force: true });
  renameSync(staging, out);
  const bytes = source.reduce((n, f) => n + statSync(join(adapterDir, f)).size, 0);
  const selfCheck: SelfCheckView =
    mismatched.length === 0
      ? { ok: true, summary: `${source.length} files copied, every size matches the run's adapter` }
      : { ok: false, summary: `${mismatched.length} of ${source.length} files differ from the run's adapter: ${mismatched.join(', ')}` };
  return { files: source.map((f) => join(out, f)), bytes, selfCheck };
}

export function exportHandlers(ctx: HandlerContext): Pick<HandlerTable, ExportChannels> {
  let nextJob = 1;
  const jobs = new Map<number, { job: ExportJob; child: CliJob<unknown> | null }>();
  const progress = (job: ExportJob) => ctx.publish?.({ type: 'export.progress', job: { ...job } });

  async function runCliExport(job: ExportJob, run: RunDetail, req: ExportStartRequest, entry: { child: CliJob<unknown> | null }): Promise<number> {
    const backend = readAppSettings(ctx.db).defaultBackend;
    const args = ['export', '--model', run.modelPath, '--adapter', run.adapterPath!, '--to', job.to, '--out', job.out, '--db', ctx.dbPath, '--json'];
    if (job.to === 'gguf') args.push('--gguf-type', req.ggufType ?? 'f16');
    if (req.overwrite) args.push('--force');
    if (backend !== 'auto') args.push('--backend', backend);
    const child = startCliJob<{ export_id: number }>(args, {
      onLine: (line) => {
        const w = /^writing: (\d+)%/.exec(line);
        if (w) Object.assign(job, { stage: 'write', pct: Number(w[1]) });
        else if (line.startsWith('self-check:')) Object.assign(job, { stage: 'check', pct: 0 });
        else return;
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
        const r = copyAdapter(run.adapterPath!, job.out);
        exportId = recordExport(ctx.db, { adapterPath: run.adapterPath!, modelPath: run.modelPath, kind: 'adapter', ggufType: null, outPath: job.out, bytes: r.bytes, selfCheck: r.selfCheck }).exportId;
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
      if (!run.adapterPath || !existsSync(run.adapterPath)) throw new UserError(`run #${run.id} has no finished adapter to export`, { hint: 'export after the run completes' });
      const out = resolve(req.out ?? defaultExportDir(run, req));
      if (!existsSync(dirname(out))) throw new UserError('the parent folder of the export does not exist', { where: dirname(out), hint: 'create it first or choose another folder' });
      checkExportTarget(out, req.overwrite === true);
      if ([...jobs.values()].some((j) => j.job.out === out)) throw new UserError('an export to this folder is already running', { where: out, hint: 'wait for it to finish' });
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
