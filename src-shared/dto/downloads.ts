/** Model downloads as the renderer sees them (Models page): one job per repo download, per-file progress. */

export type DownloadHub = 'huggingface' | 'modelscope';
export type DownloadStatus = 'listing' | 'running' | 'done' | 'failed' | 'cancelled';

export interface DownloadRequest {
  hub: DownloadHub;
  /** owner/name */
  repoId: string;
  /** Base URL of the hub or a mirror; empty = the app's mirror setting (Hugging Face) or the hub itself. */
  endpoint?: string;
  revision?: string;
}

export interface DownloadFileView {
  path: string;
  bytes: number;
  total: number | null;
  /** Bytes per second, over the last few seconds. */
  rate: number;
  state: 'waiting' | 'running' | 'done' | 'skipped';
  /** sha256 published by the hub and matched. */
  verified: boolean;
}

export interface DownloadJob {
  id: number;
  hub: DownloadHub;
  repoId: string;
  endpoint: string;
  dir: string;
  status: DownloadStatus;
  files: DownloadFileView[];
  bytes: number;
  totalBytes: number;
  /** Retries after a cut or stalled transfer, each resumed with Range. */
  retries: number;
  /** One line, when failed or cancelled. */
  error: string | null;
  /** The registered model, once done. */
  modelId: number | null;
  startedAt: string;
}
