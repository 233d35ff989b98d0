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

/** A cut or a stall armed on one file: where it strikes and how many more requests it hits. */
interface FileFault {
  at: number;
  times: number;
  stall: boolean;
}

/** What the route handlers share: the served repos and the faults the test has set on them. */
interface HubState {
  lfsThreshold: number;
  repos: Map<string, RepoFile[]>;
  cuts: Map<string, FileFault>;
  wrong: Set<string>;
  gated: Set<string>;
  ignoreRange: boolean;
  msPerChunk: number;
}

/** One request as a route handler sees it; the handler answers and returns the status it sent. */
interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  log: FakeHubRequest;
  url: URL;
  path: string;
  state: HubState;
}

interface Route {
  match: (path: string) => RegExpExecArray | null;
  handle: (ctx: RouteContext, m: RegExpExecArray) => number | Promise<number>;
}

function shaOf(state: HubState, f: RepoFile): string {
  return state.wrong.has(f.path) ? createHash('sha256').update(`not ${f.path}`).digest('hex') : f.sha256;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
  return status;
}

/** Longest registered repo id that prefixes `rest` (ids have one or two segments). */
function splitRepo(state: HubState, rest: string): { repoId: string; tail: string } | undefined {
  const parts = rest.split('/');
  for (const n of [2, 1]) {
    const id = parts.slice(0, n).join('/');
    if (state.repos.has(id)) return { repoId: id, tail: parts.slice(n).join('/') };
  }
  return undefined;
}

/**
 * Writes bytes [start, limit) in chunks, honouring backpressure and the throttle (read per chunk, so a test
 * may change it mid-file); false if the client left.
 */
async function writeChunks(res: ServerResponse, data: Buffer, start: number, limit: number, state: HubState): Promise<boolean> {
  let at = start;
  while (at < limit) {
    const next = Math.min(at + CHUNK, limit);
    const ok = res.write(data.subarray(at, next));
    at = next;
    if (!ok) await new Promise((r) => res.once('drain', r));
    if (state.msPerChunk) await new Promise((r) => setTimeout(r, state.msPerChunk));
    if (res.destroyed) return false;
  }
  return true;
}

/** Serves a file body, whole or by Range, breaking off where a cut or stall fault says. */
async function sendFile({ req, res, log, state }: RouteContext, f: RepoFile): Promise<number> {
  const data = readFileSync(f.abs);
  const range = state.ignoreRange ? undefined : parseRange(req.headers.range, f.size);
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
  const fault = state.cuts.get(f.path);
  const stopAt = fault && fault.times > 0 && fault.at > start && fault.at <= end ? fault.at : undefined;
  if (fault && stopAt !== undefined) fault.times--;
  if (!(await writeChunks(res, data, start, stopAt ?? end + 1, state))) return status;
  if (stopAt !== undefined) {
    if (fault!.stall) return status; // headers and some bytes sent; the rest never comes
    await new Promise<void>((r) => res.write('', () => r()));
    res.socket?.destroy();
    return status;
  }
  res.end();
  return status;
}

/** ModelScope: GET /api/v1/models/{repo}/repo/files — the file listing. */
function msListFiles({ res, state }: RouteContext, m: RegExpExecArray): number {
  const hit = splitRepo(state, m[1]);
  if (!hit || hit.tail) return json(res, 200, { Code: 10010205001, Success: false, Message: `model ${m[1]} not found`, Data: null });
  if (state.gated.has(hit.repoId)) return json(res, 401, { Code: 401, Success: false, Message: 'unauthorized' });
  const Files = state.repos
    .get(hit.repoId)!
    .map((f) => ({ Name: f.path.split('/').pop(), Path: f.path, Type: 'blob', Size: f.size, Sha256: shaOf(state, f), Revision: 'fake' }));
  return json(res, 200, { Code: 200, Success: true, Message: 'success', Data: { Files } });
}

/** ModelScope: GET /api/v1/models/{repo}/repo?FilePath= — one file's body. */
function msFile(ctx: RouteContext, m: RegExpExecArray): number | Promise<number> {
  const { res, url, state } = ctx;
  const hit = splitRepo(state, m[1]);
  const f = hit && !hit.tail ? state.repos.get(hit.repoId)!.find((x) => x.path === url.searchParams.get('FilePath')) : undefined;
  if (hit && state.gated.has(hit.repoId)) return json(res, 401, { Code: 401, Success: false });
  if (!f) return json(res, 404, { Code: 404, Success: false, Message: 'file not found' });
  ctx.log.file = f.path;
  return sendFile(ctx, f);
}

/** Hugging Face: GET /api/models/{repo}[/revision/{rev}] — the model info with its siblings. */
function hfModelInfo({ res, state }: RouteContext, m: RegExpExecArray): number {
  const rest = m[1].replace(/\/revision\/[^/]+$/, '');
  const hit = splitRepo(state, rest);
  if (!hit || hit.tail) return json(res, 401, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' });
  if (state.gated.has(hit.repoId)) return json(res, 401, { error: 'Access to this model is restricted' }, { 'x-error-code': 'GatedRepo' });
  const siblings = state.repos
    .get(hit.repoId)!
    .map((f) =>
      f.size >= state.lfsThreshold
        ? { rfilename: f.path, size: f.size, lfs: { sha256: shaOf(state, f), size: f.size, pointerSize: 134 } }
        : { rfilename: f.path, size: f.size },
    );
  return json(res, 200, { id: hit.repoId, sha: '0'.repeat(40), siblings });
}

/** Hugging Face: GET /{repo}/resolve/{rev}/{path} (LFS files redirect) and GET /cdn/{repo}/{path}. */
function hfFile(ctx: RouteContext, m: RegExpExecArray): number | Promise<number> {
  const { res, path, state } = ctx;
  const viaCdn = path.startsWith('/cdn/');
  const full = viaCdn ? m[1] : `${m[1]}/${m[2]}`;
  const hit = splitRepo(state, full);
  if (!hit) return json(res, 404, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' });
  if (state.gated.has(hit.repoId)) return json(res, 401, { error: 'gated' }, { 'x-error-code': 'GatedRepo' });
  const f = state.repos.get(hit.repoId)!.find((x) => x.path === hit.tail);
  if (!f) return json(res, 404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound' });
  ctx.log.file = f.path;
  if (!viaCdn && f.size >= state.lfsThreshold) {
    res.writeHead(302, { location: `/cdn/${hit.repoId}/${f.path.split('/').map(encodeURIComponent).join('/')}` });
    res.end();
    return 302;
  }
  return sendFile(ctx, f);
}

/** Tried in order; the first match answers. */
const ROUTES: Route[] = [
  { match: (p) => /^\/api\/v1\/models\/(.+)\/repo\/files$/.exec(p), handle: msListFiles },
  { match: (p) => /^\/api\/v1\/models\/(.+)\/repo$/.exec(p), handle: msFile },
  { match: (p) => /^\/api\/models\/(.+)$/.exec(p), handle: hfModelInfo },
  { match: (p) => /^\/cdn\/(.+)$/.exec(p) || /^\/(.+?)\/resolve\/[^/]+\/(.+)$/.exec(p), handle: hfFile },
];

async function handle(req: IncomingMessage, res: ServerResponse, log: FakeHubRequest, state: HubState): Promise<number> {
  const url = new URL(req.url ?? '/', 'http://x');
  const path = decodeURIComponent(url.pathname);
  for (const route of ROUTES) {
    const m = route.match(path);
    if (m) return route.handle({ req, res, log, url, path, state }, m);
  }
  return json(res, 404, { error: 'not found' });
}

/** The HTTP server: logs every request, routes it, and turns a thrown handler into a 500. */
function createHubServer(state: HubState, requests: FakeHubRequest[]): Server {
  return createServer((req, res) => {
    const log: FakeHubRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '',
      range: req.headers.range,
      status: 0,
      authorized: req.headers.authorization !== undefined,
    };
    requests.push(log);
    handle(req, res, log, state).then(
      (status) => (log.status ||= status),
      (err: unknown) => {
        log.status = 500;
        if (!res.headersSent) json(res, 500, { error: String(err) });
        else res.destroy();
      },
    );
  });
}

export async function startFakeHub(opts: FakeHubOptions): Promise<FakeHub> {
  const state: HubState = {
    lfsThreshold: opts.lfsThreshold ?? 1024,
    repos: new Map(Object.entries(opts.repos).map(([id, dir]) => [id, walk(dir)])),
    cuts: new Map(),
    wrong: new Set(),
    gated: new Set(),
    ignoreRange: false,
    msPerChunk: 0,
  };
  const requests: FakeHubRequest[] = [];
  const openSockets = new Set<import('node:net').Socket>();
  const server = createHubServer(state, requests);
  server.on('connection', (s) => {
    openSockets.add(s);
    s.on('close', () => openSockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    cutAfter: (file, atByte, times = 1) => void state.cuts.set(file, { at: atByte, times, stall: false }),
    stallAfter: (file, atByte, times = 1) => void state.cuts.set(file, { at: atByte, times, stall: true }),
    wrongSha: (file) => void state.wrong.add(file),
    gate: (repoId) => void state.gated.add(repoId),
    ignoreRange: (on = true) => void (state.ignoreRange = on),
    throttle: (ms) => void (state.msPerChunk = ms),
    clearFaults: () => {
      state.cuts.clear();
      state.wrong.clear();
      state.gated.clear();
      state.ignoreRange = false;
      state.msPerChunk = 0;
    },
    files: (repoId) => state.repos.get(repoId) ?? [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of openSockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
