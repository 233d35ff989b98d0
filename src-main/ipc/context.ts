/** What every IPC handler may use: the open store, where things live, the run supervisor. Built once at start-up. */
import type { DownloadManager } from '../models/download/download-manager';
import type { RunSupervisor } from '../runs/supervisor';
import type { Db } from '../store/db';

export interface HandlerContext {
  db: Db;
  dbPath: string;
  home: string;
  /** process.versions.electron inside Electron, null in serve mode. */
  electronVersion: string | null;
  /** Launches and controls training runs; absent where this process cannot train. */
  supervisor?: RunSupervisor;
  /** Model downloads; absent where this process does not download. */
  downloads?: DownloadManager;
  /** Where the app tells its windows/sockets that something changed. */
  publish?: (event: import('../../src-shared/ipc-contract').AppEvent) => void;
}
