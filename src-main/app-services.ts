/**
 * The long-lived services behind the IPC handlers, built the same way for the desktop app and for
 * `tuneloom serve`: start-up recovery of runs a crash left live, the run supervisor and the model
 * downloader, both publishing into the app's event stream.
 */
import type { AppEvent } from '../src-shared/ipc-contract';
import { readAppSettings } from './app-settings';
import type { HandlerContext } from './ipc/context';
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
  return {
    ...opts,
    supervisor,
    downloads,
    async close() {
      await Promise.all([supervisor.close(), downloads.close()]);
    },
  };
}
