/**
 * Downloads a model repo from Hugging Face or ModelScope (or a mirror of either) into a folder:
 * lists the repo, picks the files fine-tuning needs, fetches them one after another with per-file
 * progress, resumes .part files left by an earlier attempt, retries a transfer that was cut or stalled
 * (each retry resumes with Range), and verifies sha256 where the hub publishes it. Files already in
 * place with the listed size are skipped, so running the same download again finishes an interrupted one.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../errors';
import { fetchFile, type FileProgress } from './fetch-file';
import { DEFAULT_ENDPOINTS, DEFAULT_REVISION, isValidRepoId, type HubClient, type HubFile, type HubKind } from './hub';
import { HF_TOKEN_ENV, huggingFaceHub } from './huggingface';
import { DownloadCancelledError, InterruptedDownloadError } from './http';
import { modelScopeHub } from './modelscope';
import { selectFiles } from './select-files';
import { mayCarryToken, trustedEndpoints } from './token-policy';

export type DownloadEvent =
  | { type: 'listed'; files: HubFile[]; totalBytes: number }
  | ({ type: 'progress'; index: number; count: number } & FileProgress)
  | { type: 'skipped'; path: string; bytes: number }
  | { type: 'retry'; path: string; attempt: number; message: string };

export interface DownloadOptions {
  hub: HubKind;
  repoId: string;
  outDir: string;
  revision?: string;
  /** Base URL of the hub or a mirror of it; the hub's own site when absent. */
  endpoint?: string;
  /** Glob patterns replacing the default file selection. */
  include?: string[];
  /** Hugging Face access token for gated or private repos (sent only where token-policy.ts allows). */
  token?: string;
  /** Endpoints the user trusts with the token, besides huggingface.co. */
  trustedEndpoints?: string[];
  /** Told once when a token is set but withheld from this endpoint. */
  onNotice?: (line: string) => void;
  signal?: AbortSignal;
  onEvent?: (e: DownloadEvent) => void;
  /** Automatic resumes of a cut or stalled transfer, per file (default 3). */
  retries?: number;
  retryDelayMs?: number;
  /** A request with no answer or no bytes for this long is given up (default 30 s). */
  timeoutMs?: number;
  progressIntervalMs?: number;
}

export interface DownloadedFile {
  path: string;
  bytes: number;
  verified: boolean;
  /** Bytes a previous attempt had left in the .part file. */
  resumedFrom: number;
  skipped: boolean;
}

export interface DownloadResult {
  dir: string;
  hub: HubKind;
  repoId: string;
  revision: string;
  endpoint: string;
  files: DownloadedFile[];
}

/** The endpoint to use: an explicit one (flag or setting), else HF_ENDPOINT / MODELSCOPE_ENDPOINT, else the hub. */
export function resolveEndpoint(hub: HubKind, explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = hub === 'huggingface' ? env.HF_ENDPOINT : env.MODELSCOPE_ENDPOINT;
  const endpoint = explicit?.trim() || fromEnv?.trim() || DEFAULT_ENDPOINTS[hub];
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UserError(`endpoint "${endpoint}" is not a URL`, { where: 'endpoint', hint: 'give a base URL such as https://hf-mirror.com' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError(`endpoint "${endpoint}" must be http or https`, { where: 'endpoint', hint: 'give a base URL such as https://hf-mirror.com' });
  }
  return endpoint;
}

export function makeHub(hub: HubKind, endpoint: string, token?: string, trusted: string[] = trustedEndpoints()): HubClient {
  return hub === 'huggingface' ? huggingFaceHub(endpoint, token, trusted) : modelScopeHub(endpoint);
}

/** Default folder for a download: <home>/models/<owner>/<name>. */
export function defaultDownloadDir(home: string, repoId: string): string {
  return join(home, 'models', ...repoId.split('/'));
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

export async function downloadModel(o: DownloadOptions): Promise<DownloadResult> {
  if (!isValidRepoId(o.repoId)) {
    throw new UserError(`"${o.repoId}" is not a repo id`, { where: 'repo', hint: 'write it as owner/name, e.g. Qwen/Qwen2.5-0.5B-Instruct' });
  }
  const revision = o.revision ?? DEFAULT_REVISION[o.hub];
  const endpoint = resolveEndpoint(o.hub, o.endpoint);
  const token = o.token ?? (o.hub === 'huggingface' ? process.env[HF_TOKEN_ENV] : undefined);
  const trusted = trustedEndpoints(o.trustedEndpoints);
  if (token && o.hub === 'huggingface') {
    const d = mayCarryToken(endpoint, trusted);
    if (!d.send) o.onNotice?.(`${HF_TOKEN_ENV} is not sent: ${d.why}`);
  }
  const hub = makeHub(o.hub, endpoint, token || undefined, trusted);
  const timeoutMs = o.timeoutMs ?? 30_000;
  const retries = o.retries ?? 3;

  const listed = await hub.listFiles(o.repoId, revision, { signal: o.signal, timeoutMs });
  const files = selectFiles(listed, o.repoId, o.include);
  o.onEvent?.({ type: 'listed', files, totalBytes: files.reduce((a, f) => a + (f.size ?? 0), 0) });

  const done: DownloadedFile[] = [];
  for (const [index, f] of files.entries()) {
    if (o.signal?.aborted) throw new DownloadCancelledError(`the download of ${o.repoId}`);
    const dest = join(o.outDir, ...f.path.split('/'));
    if (existsSync(dest) && (f.size === undefined || statSync(dest).size === f.size)) {
      // Only ever renamed into place after its checks passed.
      const bytes = statSync(dest).size;
      o.onEvent?.({ type: 'skipped', path: f.path, bytes });
      done.push({ path: f.path, bytes, verified: false, resumedFrom: 0, skipped: true });
      continue;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await fetchFile({
          url: hub.fileUrl(o.repoId, revision, f.path),
          headers: hub.headers(),
          dest,
          repoPath: f.path,
          expectedSize: f.size,
          sha256: f.sha256,
          signal: o.signal,
          idleTimeoutMs: timeoutMs,
          progressIntervalMs: o.progressIntervalMs,
          onProgress: (p) => o.onEvent?.({ type: 'progress', index, count: files.length, ...p }),
          status: { repoId: o.repoId, revision, tokenEnv: HF_TOKEN_ENV },
        });
        done.push({ path: f.path, bytes: r.bytes, verified: r.verified, resumedFrom: r.resumedFrom, skipped: false });
        break;
      } catch (err) {
        if (!(err instanceof InterruptedDownloadError) || attempt >= retries) throw err;
        o.onEvent?.({ type: 'retry', path: f.path, attempt: attempt + 1, message: err.message });
        await sleep((o.retryDelayMs ?? 1000) * 2 ** attempt, o.signal);
      }
    }
  }
  return { dir: o.outDir, hub: o.hub, repoId: o.repoId, revision, endpoint, files: done };
}
