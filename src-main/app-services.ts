/**
 * The long-lived services behind the IPC handlers, built the same way for the desktop app and for
 * `tuneloom serve`: start-up recovery of runs a crash left live, the run supervisor and the model
 * downloader, both publishing into the app's event stream, and demo mode: on start the demo model and
 * the handbook sample are made and registered (once; later starts find them) in the background, so a
 * fresh install can run the whole flow offline. TUNELOOM_DEMO=off skips it.
 */
import type { AppEvent } from '../src-shared/ipc-contract';
import { readAppSettings } from './app-settings';
import type { HandlerContext } from './ipc/context';
import { ensureDemoAssets } from './models/demo/ensure-demo';
import { DownloadManager } from './models/download/download-manager';
import { recoverInterruptedRuns } from './runs/recovery';
import { RunSupervisor } from './runs/supervisor';
import type { Db } from './store/db';

export interface AppServices extends HandlerContext {
  close(): Promise<void>;
}

export function createAppServices(opts: { db: Db; dbPath: string; home: string; electronVersion: string | null; publish: (e: AppEvent) => void }): AppServices {
  const { db, publish } = opts;
  recoverInterruptedRuns(db);
  const supervisor = new RunSupervisor(db, { whenBusy: 'queue', publish });
  const downloads = new DownloadManager({
    db,
    home: opts.home,
    mirrorEndpoint: () => readAppSettings(db).mirrorEndpoint,
    onChange: (job) => {
      publish({ type: 'download.progress', job });
      if (job.status === 'done') publish({ type: 'library.changed', what: 'models' });
    },
  });
  const demo = startDemo(opts.home, db, publish);
  return {
    ...opts,
    supervisor,
    downloads,
    async close() {
      await Promise.all([supervisor.close(), downloads.close(), demo]);
    },
  };
}

/** Demo assets off the start-up path: the UI is up at once and lists them when they are ready. */
async function startDemo(home: string, db: Db, publish: (e: AppEvent) => void): Promise<void> {
  if (process.env.TUNELOOM_DEMO === 'off') return;
  try {
    const demo = await ensureDemoAssets(home, { db });
    publish({ type: 'library.changed', what: 'models' });
    publish({ type: 'library.changed', what: 'datasets' });
    if (demo.createdModel) process.stderr.write(`tuneloom: demo model written to ${demo.modelDir}\n`);
  } catch (err) {
    process.stderr.write(`tuneloom: demo mode unavailable: ${(err as Error).message}\n`);
  }
}
