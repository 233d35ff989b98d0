/**
 * Hugging Face Hub (and mirrors of it such as hf-mirror.com): the file list comes from
 * `GET {endpoint}/api/models/{repo}/revision/{rev}?blobs=true` (`siblings[]` with `rfilename`, `size`,
 * and `lfs.sha256` for LFS files); files from `{endpoint}/{repo}/resolve/{rev}/{path}`, which honours
 * Range (after a redirect to the CDN for LFS files, which fetch follows keeping the Range header).
 */
import { UserError } from '../../errors';
import { DEFAULT_ENDPOINTS, encodePath, trimEndpoint, type HubClient, type HubFile, type HubRequest } from './hub';
import { getJson } from './http';
import { mayCarryToken, trustedEndpoints } from './token-policy';

interface Sibling {
  rfilename?: unknown;
  size?: unknown;
  lfs?: { sha256?: unknown; size?: unknown } | null;
}

export const HF_TOKEN_ENV = 'HF_TOKEN';

export function huggingFaceHub(endpoint = DEFAULT_ENDPOINTS.huggingface, token?: string, trusted: string[] = trustedEndpoints()): HubClient {
  const base = trimEndpoint(endpoint);
  // Decided once for the endpoint: its file URLs share its origin (the CDN redirect drops the header).
  const sendToken = token !== undefined && mayCarryToken(base, trusted).send;
  return {
    kind: 'huggingface',
    endpoint: base,
    headers: (): Record<string, string> => (sendToken ? { authorization: `Bearer ${token}` } : {}),
    fileUrl: (repoId, revision, path) => `${base}/${repoId}/resolve/${encodeURIComponent(revision)}/${encodePath(path)}`,
    async listFiles(repoId: string, revision: string, req: HubRequest): Promise<HubFile[]> {
      const url = `${base}/api/models/${repoId}/revision/${encodeURIComponent(revision)}?blobs=true`;
      const body = (await getJson(url, this.headers(), req.signal, req.timeoutMs, { repoId, revision, what: 'repo', tokenEnv: HF_TOKEN_ENV })) as {
        siblings?: unknown;
      };
      if (!body || !Array.isArray(body.siblings)) {
        throw new UserError(`the hub's answer for "${repoId}" has no file list (siblings)`, {
          where: url,
          hint: 'check that the endpoint is the Hugging Face API or a mirror of it',
        });
      }
      return (body.siblings as Sibling[])
        .filter((s) => typeof s.rfilename === 'string')
        .map((s) => {
          const lfs = s.lfs && typeof s.lfs === 'object' ? s.lfs : undefined;
          const size = typeof s.size === 'number' ? s.size : typeof lfs?.size === 'number' ? lfs.size : undefined;
          const sha256 = typeof lfs?.sha256 === 'string' ? lfs.sha256.toLowerCase() : undefined;
          return { path: s.rfilename as string, size, sha256 };
        });
    },
  };
}
