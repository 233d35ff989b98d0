/**
 * ModelScope (modelscope.cn), behind the same interface as the Hugging Face client. As its Python SDK
 * (modelscope/hub/api.py, file_download.py) uses it: the list is
 * `GET {endpoint}/api/v1/models/{repo}/repo/files?Revision={rev}&Recursive=true` →
 * `{Code, Success, Message, Data: {Files: [{Path, Type: 'blob'|'tree', Size, Sha256}]}}`, and a file is
 * `GET {endpoint}/api/v1/models/{repo}/repo?Revision={rev}&FilePath={path}` (Range honoured).
 */
import { UserError } from '../../errors';
import { DEFAULT_ENDPOINTS, trimEndpoint, type HubClient, type HubFile, type HubRequest } from './hub';
import { getJson } from './http';

interface MsFile {
  Path?: unknown;
  Type?: unknown;
  Size?: unknown;
  Sha256?: unknown;
}

interface MsAnswer {
  Code?: unknown;
  Success?: unknown;
  Message?: unknown;
  Data?: { Files?: unknown } | null;
}

export function modelScopeHub(endpoint = DEFAULT_ENDPOINTS.modelscope): HubClient {
  const base = trimEndpoint(endpoint);
  return {
    kind: 'modelscope',
    endpoint: base,
    headers: () => ({}),
    fileUrl: (repoId, revision, path) => `${base}/api/v1/models/${repoId}/repo?Revision=${encodeURIComponent(revision)}&FilePath=${encodeURIComponent(path)}`,
    async listFiles(repoId: string, revision: string, req: HubRequest): Promise<HubFile[]> {
      const url = `${base}/api/v1/models/${repoId}/repo/files?Revision=${encodeURIComponent(revision)}&Recursive=true`;
      const body = (await getJson(url, {}, req.signal, req.timeoutMs, { repoId, revision, what: 'repo', tokenEnv: 'a ModelScope login' })) as MsAnswer;
      // ModelScope reports some failures in the body of an HTTP 200 answer.
      const files = body?.Data?.Files;
      if (!body || body.Success === false || (typeof body.Code === 'number' && body.Code !== 200) || !Array.isArray(files)) {
        const msg = typeof body?.Message === 'string' && body.Message ? body.Message : 'no file list in the answer';
        throw new UserError(`repo "${repoId}" (revision ${revision}) not available on ModelScope: ${msg}`, {
          where: url,
          hint: 'check the repo id (owner/name), the revision (ModelScope uses master) and which hub (--hub) it lives on',
        });
      }
      return (files as MsFile[])
        .filter((f) => typeof f.Path === 'string' && f.Type !== 'tree')
        .map((f) => ({
          path: f.Path as string,
          size: typeof f.Size === 'number' ? f.Size : undefined,
          sha256: typeof f.Sha256 === 'string' && /^[0-9a-fA-F]{64}$/.test(f.Sha256) ? f.Sha256.toLowerCase() : undefined,
        }));
    },
  };
}
