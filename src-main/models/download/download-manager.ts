/**
 * The app's model downloads: starts a download job per request, keeps its per-file progress as a
 * `DownloadJob` view for the renderer, reports changes (throttled) through `onChange`, lets a job be
 * cancelled (the .part files stay, so starting the same repo again resumes), and registers the folder
 * in the store when it completes. The IPC handlers and `serve` wrap this; the CLI calls downloadModel.
 */
import type { DownloadJob, DownloadRequest } from '../../../src-shared/dto/downloads';
import { serializeError, UserError } from '../../errors';
import type { Db } from '../../store/db';
import { registerModel } from '../register-model';
import { getModelByPath } from '../../store/queries/library';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { isValidRepoId } from './hub';
import { defaultDownloadDir, downloadModel, resolveEndpoint, type DownloadEvent, type DownloadOptions } from './download-model';

export interface DownloadManagerDeps {
  db: Db;
  home: string;
  /** The mirror endpoint setting, read when a job starts (Hugging Face only). */
  mirrorEndpoint?: () => string;
  onChange?: (job: DownloadJob) => void;
  /** Minimum interval between progress notifications of one job. */
  notifyIntervalMs?: number;
  /** Passed through to downloadModel (tests shorten retries and timeouts). */
  tuning?: Pick<DownloadOptions, 'retries' | 'retryDelayMs' | 'timeoutMs'>;
}

export class DownloadManager {
  private nextId = 1;
  private readonly jobs = new Map<number, { view: DownloadJob; abort: AbortController; finished: Promise<DownloadJob>; lastNotify: number }>();

  constructor(private readonly deps: DownloadManagerDeps) {}

  list(): DownloadJob[] {
    return [...this.jobs.values()].map((j) => structuredClone(j.view));
  }

  get(id: number): DownloadJob | undefined {
    const j = this.jobs.get(id);
    return j && structuredClone(j.view);
  }

  /** Resolves when the job ends, whatever the outcome. */
  wait(id: number): Promise<DownloadJob> {
    const j = this.jobs.get(id);
    return j ? j.finished : Promise.reject(new Error(`no download job ${id}`));
  }

  /** Starts a job; a running job for the same repo and hub is returned instead of a second one. */
  start(req: DownloadRequest): DownloadJob {
    const running = [...this.jobs.values()].find(
      (j) => j.view.repoId === req.repoId && j.view.hub === req.hub && (j.view.status === 'listing' || j.view.status === 'running'),
    );
    if (running) return structuredClone(running.view);
    if (!isValidRepoId(req.repoId)) {
      throw new UserError(`"${req.repoId}" is not a repo id`, { where: 'repo', hint: 'write it as owner/name, e.g. Qwen/Qwen2.5-0.5B-Instruct' });
    }
    const mirror = req.hub === 'huggingface' ? (this.deps.mirrorEndpoint?.() ?? '') : '';
    const endpoint = resolveEndpoint(req.hub, req.endpoint?.trim() || mirror || undefined);
    const view: DownloadJob = {
      id: this.nextId++,
      hub: req.hub,
      repoId: req.repoId,
      endpoint,
      dir: defaultDownloadDir(this.deps.home, req.repoId),
      status: 'listing',
      files: [],
      bytes: 0,
      totalBytes: 0,
      retries: 0,
      error: null,
      modelId: null,
      startedAt: new Date().toISOString(),
    };
    const abort = new AbortController();
    const entry = { view, abort, finished: Promise.resolve(view), lastNotify: 0 };
    this.jobs.set(view.id, entry);
    entry.finished = this.run(entry, req);
    this.notify(entry, true);
    return structuredClone(view);
  }

  cancel(id: number): boolean {
    const j = this.jobs.get(id);
    if (!j || (j.view.status !== 'listing' && j.view.status !== 'running')) return false;
    j.abort.abort();
    return true;
  }

  /**
   * Removes a failed or interrupted job from the list, with its partial files, unless its folder holds a
   * registered model (a failed re-download over a good copy must not delete the copy). A running job is
   * not removed: stop it first.
   */
  remove(id: number): { removed: boolean; freedFiles: boolean } {
    const j = this.jobs.get(id);
    if (!j) return { removed: false, freedFiles: false };
    if (j.view.status === 'listing' || j.view.status === 'running') {
      throw new UserError(`the download of ${j.view.repoId} is still running`, { where: 'download', hint: 'stop it first, then remove it' });
    }
    // Earlier attempts at the same repo (a resume is a new job) go with it, so none shows up again.
    for (const [k, o] of this.jobs)
      if (o.view.hub === j.view.hub && o.view.repoId === j.view.repoId && o.view.status !== 'listing' && o.view.status !== 'running') this.jobs.delete(k);
    const keep = j.view.status === 'done' || getModelByPath(this.deps.db, resolve(j.view.dir)) !== undefined;
    if (!keep) rmSync(j.view.dir, { recursive: true, force: true });
    return { removed: true, freedFiles: !keep };
  }

  /** Cancels every running job (app shutdown) and waits for them to stop. */
  async close(): Promise<void> {
    for (const j of this.jobs.values()) j.abort.abort();
    await Promise.all([...this.jobs.values()].map((j) => j.finished));
  }

  private notify(entry: { view: DownloadJob; lastNotify: number }, force = false): void {
    const now = performance.now();
    if (!force && now - entry.lastNotify < (this.deps.notifyIntervalMs ?? 250)) return;
    entry.lastNotify = now;
    this.deps.onChange?.(structuredClone(entry.view));
  }

  private apply(entry: { view: DownloadJob; lastNotify: number }, e: DownloadEvent): void {
    const v = entry.view;
    if (e.type === 'listed') {
      v.status = 'running';
      v.totalBytes = e.totalBytes;
      v.files = e.files.map((f) => ({ path: f.path, bytes: 0, total: f.size ?? null, rate: 0, state: 'waiting', verified: false }));
      return this.notify(entry, true);
    }
    const f = v.files.find((x) => x.path === e.path);
    if (!f) return;
    if (e.type === 'skipped') {
      Object.assign(f, { bytes: e.bytes, state: 'skipped', rate: 0 });
    } else if (e.type === 'retry') {
      v.retries++;
    } else {
      Object.assign(f, { bytes: e.bytes, rate: e.done ? 0 : e.rate, state: e.done ? 'done' : 'running' });
    }
    v.bytes = v.files.reduce((a, x) => a + x.bytes, 0);
    this.notify(entry, e.type !== 'progress' || e.done);
  }

  private async run(entry: { view: DownloadJob; abort: AbortController; lastNotify: number }, req: DownloadRequest): Promise<DownloadJob> {
    const v = entry.view;
    try {
      const r = await downloadModel({
        ...this.deps.tuning,
        hub: req.hub,
        repoId: req.repoId,
        revision: req.revision,
        endpoint: v.endpoint,
        outDir: v.dir,
        signal: entry.abort.signal,
        onEvent: (e) => this.apply(entry, e),
        progressIntervalMs: 100,
      });
      for (const f of r.files) {
        const view = v.files.find((x) => x.path === f.path);
        if (view) view.verified = f.verified;
      }
      const model = await registerModel(this.deps.db, r.dir, { source: req.hub, repoId: req.repoId });
      v.modelId = model.id;
      v.status = 'done';
    } catch (err) {
      v.status = entry.abort.signal.aborted ? 'cancelled' : 'failed';
      v.error = serializeError(err).message;
      for (const f of v.files) f.rate = 0;
    }
    this.notify(entry, true);
    return structuredClone(v);
  }
}
