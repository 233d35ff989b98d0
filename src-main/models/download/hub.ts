/**
 * The one interface both model hubs sit behind: list a repo's files (with sizes and, where the hub has
 * them, sha256 digests), and give the URL a file is fetched from with HTTP Range support.
 * A mirror is the same API at another base URL (hf-mirror.com style), so it is just `endpoint`.
 */

export type HubKind = 'huggingface' | 'modelscope';

export interface HubFile {
  /** Path inside the repo, `/`-separated. */
  path: string;
  size?: number;
  /** Lower-case hex sha256 of the content, when the hub publishes it (HF: LFS files; ModelScope: all). */
  sha256?: string;
}

export interface HubRequest {
  signal?: AbortSignal;
  /** Milliseconds before a request that has not answered is given up. */
  timeoutMs: number;
}

export interface HubClient {
  readonly kind: HubKind;
  readonly endpoint: string;
  listFiles(repoId: string, revision: string, req: HubRequest): Promise<HubFile[]>;
  fileUrl(repoId: string, revision: string, path: string): string;
  /** Headers every request carries (an access token when one is configured). */
  headers(): Record<string, string>;
}

export const DEFAULT_ENDPOINTS: Record<HubKind, string> = {
  huggingface: 'https://huggingface.co',
  modelscope: 'https://www.modelscope.cn',
};

export const DEFAULT_REVISION: Record<HubKind, string> = { huggingface: 'main', modelscope: 'master' };

/** `owner/name` (HF also has a few legacy ids without an owner, e.g. `gpt2`). */
const REPO_ID = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/;

export function isValidRepoId(repoId: string): boolean {
  return REPO_ID.test(repoId) && !repoId.includes('..');
}

/** Encodes each path segment but keeps the `/` separators, as both hubs expect. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export function trimEndpoint(endpoint: string): string {
  return endpoint.replace(/\/+$/, '');
}
