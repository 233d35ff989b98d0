/**
 * Supervisor options from the store's settings (shared by the app and the CLI):
 *   runs.maxConcurrent  GPU runs at once (default 1)
 *   runs.keepLast       checkpoints kept per run besides the best (default 3)
 *   runs.keepBest       also keep the best checkpoint by eval loss (default true)
 * and, for development and tests, TUNELOOM_WORKER_ENTRY: the worker script to fork instead of the
 * built-in one (a .ts file runs through tsx).
 */
import type { Db } from '../store/db';
import { getSettings } from '../store/queries/settings';
import { defaultWorkerEntry, tsEntry } from '../workers/worker-client';
import type { WorkerEntry } from '../workers/worker-client';
import { DEFAULT_RETENTION } from './disk';
import type { SupervisorOptions } from './supervisor';

function positiveInt(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 ? n : fallback;
}

export function workerEntryFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerEntry {
  const file = env.TUNELOOM_WORKER_ENTRY;
  if (!file) return defaultWorkerEntry();
  return file.endsWith('.ts') ? tsEntry(file) : { file, execArgv: [] };
}

export function supervisorOptionsFrom(db: Db, extra: SupervisorOptions = {}): SupervisorOptions {
  const s = getSettings(db);
  return {
    maxConcurrent: positiveInt(s['runs.maxConcurrent'], 1),
    retention: {
      keepLast: positiveInt(s['runs.keepLast'], DEFAULT_RETENTION.keepLast),
      keepBest: s['runs.keepBest'] === undefined ? DEFAULT_RETENTION.keepBest : s['runs.keepBest'] !== 'false',
    },
    workerEntry: workerEntryFromEnv(),
    ...extra,
  };
}
