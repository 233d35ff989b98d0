/**
 * A local stand-in for the Hugging Face Hub and ModelScope file APIs, so download tests (unit and e2e)
 * never reach the network. It serves folders as repos on 127.0.0.1 (random port):
 *   HF:  GET /api/models/{repo}[/revision/{rev}][?blobs=true]  → {id, sha, siblings: [{rfilename, size, lfs?}]}
 *        GET /{repo}/resolve/{rev}/{path}  (LFS files answer 302 to /cdn/..., as the real hub does)
 *   MS:  GET /api/v1/models/{repo}/repo/files?Revision=&Recursive=  → {Code, Success, Data: {Files}}
 *        GET /api/v1/models/{repo}/repo?Revision=&FilePath=
 * File bodies honour `Range: bytes=N-` / `N-M` (206 + Content-Range, 416 past the end). Faults on demand:
 * cut the connection after N bytes of a file, stall (send N bytes then go silent), advertise a wrong
 * sha256, answer 401 (gated) for a repo, ignore Range, or slow every chunk down. Every request is logged.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, sep } from 'node:path';

export interface FakeHubRequest {
  method: string;
  url: string;
  range?: string;
  /** Repo path of the file served, for file requests. */
  file?: string;
  status: number;
  /** Whether the request carried an Authorization header (the token must not reach a mirror). */
  authorized: boolean;
}

export interface FakeHubOptions {
  /** repo id → folder whose files (recursively) are the repo's files. */
  repos: Record<string, string>;
  /** Files at or above this size are LFS files on the HF side (sha256 published); default 1024. */
  lfsThreshold?: number;
}

interface RepoFile {
  path: string;
  abs: string;
  size: number;
  sha256: string;
}

export interface FakeHub {
  /** Base URL, e.g. http://127.0.0.1:41234 — use as the endpoint of either hub. */
  url: string;
  requests: FakeHubRequest[];
  /** Cut the connection once `atByte` bytes of `file` (absolute offset) are sent; `times` requests (default 1). */
  cutAfter(file: string, atByte: number, times?: number): void;
  /** Send `atByte` bytes of `file` then stop sending without closing, `times` requests (default 1). */
  stallAfter(file: string, atByte: number, times?: number): void;
  /** Publish a wrong sha256 for `file` in both hubs' listings. */
  wrongSha(file: string): void;
  /** Answer 401 (HF: X-Error-Code GatedRepo) for everything under this repo. */
  gate(repoId: string): void;
  /** Answer file requests with the whole file (200) whatever Range says. */
  ignoreRange(on?: boolean): void;
  /** Wait this long between 64 KiB chunks (to watch progress, or cancel mid-file). */
  throttle(msPerChunk: number): void;
  /** Forget every fault set above (cuts, stalls, wrong digests, gates, ignored Range, throttle). */
  clearFaults(): void;
  /** The listed files of a repo, as served. */
  files(repoId: string): RepoFile[];
  close(): Promise<void>;
}

const CHUNK = 64 * 1024;

function walk(dir: string, root = dir): RepoFile[] {
  const out: RepoFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    const abs = join(dir, name);
    const st = statSync(abs);
    if (st.isDirectory()) out.push(...walk(abs, root));
    else if (!name.endsWith('.part')) {
      out.push({ path: relative(root, abs).split(sep).join('/'), abs, size: st.size, sha256: createHash('sha256').update(readFileSync(abs)).digest('hex') });
    }
  }
  return out;
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!m) return 'invalid';
  const start = Number(m[1]);
  const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  if (start >= size || end < start) return 'invalid';
  return { start, end };
}

export async function startFakeHub(opts: FakeHubOptions): Promise<FakeHub> {
  const lfsThreshold = opts.lfsThreshold ?? 1024;
  const repos = new Map(Object.entries(opts.repos).map(([id, dir]) => [id, walk(dir)]));
  const requests: FakeHubRequest[] = [];
  const cuts = new Map<string, { at: number; times: number; stall: boolean }>();
  const wrong = new Set<string>();
  const gated = new Set<string>();
  let ignoreRange = false;
  let msPerChunk = 0;
  const openSockets = new Set<import('node:net').Socket>();

  const shaOf = (f: RepoFile): string => (wrong.has(f.path) ? createHash('sha256').update(`not ${f.path}`).digest('hex') : f.sha256);

  function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
    return status;
  }

  /** Longest registered repo id that prefixes `rest` (ids have one or two segments). */
  function splitRepo(rest: string): { repoId: string; tail: string } | undefined {
    const parts = rest.split('/');
    for (const n of [2, 1]) {
      const id = parts.slice(0, n).join('/');
      if (repos.has(id)) return { repoId: id, tail: parts.slice(n).join('/') };
    }
    return undefined;
  }

  async function sendFile(req: IncomingMessage, res: ServerResponse, f: RepoFile, log: FakeHubRequest): Promise<number> {
    const data = readFileSync(f.abs);
    const range = ignoreRange ? undefined : parseRange(req.headers.range, f.size);
    if (range === 'invalid') {
      res.writeHead(416, { 'content-range': `bytes */${f.size}` });
      res.end();
      return 416;
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? f.size - 1;
    const status = range ? 206 : 200;
    const headers: Record<string, string | number> = {
      'content-type': 'application/octet-stream',
      'content-length': end - start + 1,
      'accept-ranges': 'bytes',
      etag: `"${f.sha256}"`,
    };
    if (range) headers['content-range'] = `bytes ${start}-${end}/${f.size}`;
    res.writeHead(status, headers);
    log.status = status;
    const fault = cuts.get(f.path);
    const stopAt = fault && fault.times > 0 && fault.at > start && fault.at <= end ? fault.at : undefined;
    if (fault && stopAt !== undefined) fault.times--;
    let at = start;
    const limit = stopAt ?? end + 1;
    while (at < limit) {
      const next = Math.min(at + CHUNK, limit);
      const ok = res.write(data.subarray(at, next));
      at = next;
      if (!ok) await new Promise((r) => res.once('drain', r));
      if (msPerChunk) await new Promise((r) => setTimeout(r, msPerChunk));
      if (res.destroyed) return status;
    }
    if (stopAt !== undefined) {
      if (fault!.stall) return status; // headers and some bytes sent; the rest never comes
      await new Promise<void>((r) => res.write('', () => r()));
      res.socket?.destroy();
      return status;
    }
    res.end();
    return status;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, log: FakeHubRequest): Promise<number> {
    const u = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(u.pathname);
    let m: RegExpExecArray | null;

    if ((m = /^\/api\/v1\/models\/(.+)\/repo\/files$/.exec(path))) {
      const hit = splitRepo(m[1]);
      if (!hit || hit.tail) return json(res, 200, { Code: 10010205001, Success: false, Message: `model ${m[1]} not found`, Data: null });
      if (gated.has(hit.repoId)) return json(res, 401, { Code: 401, Success: false, Message: 'unauthorized' });
      const Files = repos
        .get(hit.repoId)!
        .map((f) => ({ Name: f.path.split('/').pop(), Path: f.path, Type: 'blob', Size: f.size, Sha256: shaOf(f), Revision: 'fake' }));
      return json(res, 200, { Code: 200, Success: true, Message: 'success', Data: { Files } });
    }
    if ((m = /^\/api\/v1\/models\/(.+)\/repo$/.exec(path))) {
      const hit = splitRepo(m[1]);
      const f = hit && !hit.tail ? repos.get(hit.repoId)!.find((x) => x.path === u.searchParams.get('FilePath')) : undefined;
      if (hit && gated.has(hit.repoId)) return json(res, 401, { Code: 401, Success: false });
      if (!f) return json(res, 404, { Code: 404, Success: false, Message: 'file not found' });
      log.file = f.path;
      return sendFile(req, res, f, log);
    }
    if ((m = /^\/api\/models\/(.+)$/.exec(path))) {
      const rest = m[1].replace(/\/revision\/[^/]+$/, '');
      const hit = splitRepo(rest);
      if (!hit || hit.tail) return json(res, 401, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' });
      if (gated.has(hit.repoId)) return json(res, 401, { error: 'Access to this model is restricted' }, { 'x-error-code': 'GatedRepo' });
      const siblings = repos
        .get(hit.repoId)!
        .map((f) =>
          f.size >= lfsThreshold
            ? { rfilename: f.path, size: f.size, lfs: { sha256: shaOf(f), size: f.size, pointerSize: 134 } }
            : { rfilename: f.path, size: f.size },
        );
      return json(res, 200, { id: hit.repoId, sha: '0'.repeat(40), siblings });
    }
    if ((m = /^\/cdn\/(.+)$/.exec(path)) || (m = /^\/(.+?)\/resolve\/[^/]+\/(.+)$/.exec(path))) {
      const viaCdn = path.startsWith('/cdn/');
      const full = viaCdn ? m[1] : `${m[1]}/${m[2]}`;
      const hit = splitRepo(full);
      if (!hit) return json(res, 404, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' });
      if (gated.has(hit.repoId)) return json(res, 401, { error: 'gated' }, { 'x-error-code': 'GatedRepo' });
      const f = repos.get(hit.repoId)!.find((x) => x.path === hit.tail);
      if (!f) return json(res, 404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound' });
      log.file = f.path;
      if (!viaCdn && f.size >= lfsThreshold) {
        res.writeHead(302, { location: `/cdn/${hit.repoId}/${f.path.split('/').map(encodeURIComponent).join('/')}` });
        res.end();
        return 302;
      }
      return sendFile(req, res, f, log);
    }
    return json(res, 404, { error: 'not found' });
  }

  const server: Server = createServer((req, res) => {
    const log: FakeHubRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '',
      range: req.headers.range,
      status: 0,
      authorized: req.headers.authorization !== undefined,
    };
    requests.push(log);
    handle(req, res, log).then(
      (status) => (log.status ||= status),
      (err: unknown) => {
        log.status = 500;
        if (!res.headersSent) json(res, 500, { error: String(err) });
        else res.destroy();
      },
    );
  });
  server.on('connection', (s) => {
    openSockets.add(s);
    s.on('close', () => openSockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    cutAfter: (file, atByte, times = 1) => void cuts.set(file, { at: atByte, times, stall: false }),
    stallAfter: (file, atByte, times = 1) => void cuts.set(file, { at: atByte, times, stall: true }),
    wrongSha: (file) => void wrong.add(file),
    gate: (repoId) => void gated.add(repoId),
    ignoreRange: (on = true) => void (ignoreRange = on),
    throttle: (ms) => void (msPerChunk = ms),
    clearFaults: () => {
      cuts.clear();
      wrong.clear();
      gated.clear();
      ignoreRange = false;
      msPerChunk = 0;
    },
    files: (repoId) => repos.get(repoId) ?? [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of openSockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
