/**
 * Downloads one file so that an interruption costs nothing already received: bytes go to `<file>.part`,
 * a later attempt asks for the rest with `Range: bytes=<part size>-` (HTTP 206; a server that ignores
 * Range and answers 200 gets a fresh start), and only a complete file whose size and sha256 (where the
 * hub publishes it) check out is renamed into place. A wrong digest deletes the .part: resuming
 * corrupt bytes would never converge.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UserError } from '../../errors';
import { makeDirs } from '../../safe-dirs';
import { InterruptedDownloadError, networkError, RequestGuard, statusError, type StatusContext } from './http';

export interface FileProgress {
  /** Path inside the repo. */
  path: string;
  /** Bytes of this file on disk so far (including what an earlier attempt left). */
  bytes: number;
  total?: number;
  /** Bytes per second over the last few seconds of this attempt. */
  rate: number;
  done: boolean;
}

export interface FetchFileOptions {
  url: string;
  headers: Record<string, string>;
  /** Final location; the transfer writes `${dest}.part`. */
  dest: string;
  /** Path inside the repo, for progress and messages. */
  repoPath: string;
  expectedSize?: number;
  sha256?: string;
  signal?: AbortSignal;
  /** Abort when no byte arrives for this long. */
  idleTimeoutMs: number;
  onProgress?: (p: FileProgress) => void;
  /** Minimum interval between progress calls (the first and the last always come). */
  progressIntervalMs?: number;
  status: Omit<StatusContext, 'what'>;
}

export interface FetchFileResult {
  bytes: number;
  /** Bytes already in the .part file when this attempt started (0 = fresh). */
  resumedFrom: number;
  /** True when a sha256 was published and matched. */
  verified: boolean;
}

const DISK_CODES = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOTDIR']);

/** Bytes per second over a sliding window of recent samples. */
class RateMeter {
  private samples: { t: number; bytes: number }[] = [];
  constructor(private readonly windowMs = 3000) {}
  add(bytes: number): number {
    const t = performance.now();
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[0].t > this.windowMs) this.samples.shift();
    const first = this.samples[0];
    const dt = (t - first.t) / 1000;
    return dt > 0 ? (bytes - first.bytes) / dt : 0;
  }
}

async function hashExisting(file: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

/** The first byte a 206 answer covers, from `Content-Range: bytes START-END/TOTAL`. */
function rangeStart(res: Response): number | undefined {
  const m = /^bytes\s+(\d+)-\d+\/(?:\d+|\*)$/i.exec(res.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : undefined;
}

type Reporter = (bytes: number, done: boolean, force?: boolean) => void;

/** What the steps of one fetch share: the options, the .part file, and where the transfer stands. */
interface Transfer {
  o: FetchFileOptions;
  part: string;
  /** Bytes of the .part this attempt builds on; 0 once the server sends the whole file. */
  offset: number;
  /** Running sha256 over the .part's bytes, when the hub publishes one. */
  hash?: Hash;
  report: Reporter;
}

/** Progress calls at most every `progressIntervalMs`, except the forced ones and the last. */
function progressReporter(o: FetchFileOptions): Reporter {
  const meter = new RateMeter();
  const interval = o.progressIntervalMs ?? 200;
  let lastReport = -Infinity;
  return (bytes, done, force = false) => {
    const rate = meter.add(bytes);
    const now = performance.now();
    if (!o.onProgress || (!force && !done && now - lastReport < interval)) return;
    lastReport = now;
    o.onProgress({ path: o.repoPath, bytes, total: o.expectedSize, rate, done });
  };
}

/** Resume step: what an earlier attempt left in the .part (dropped if too long), hashed so far. */
async function startTransfer(o: FetchFileOptions): Promise<Transfer> {
  const part = `${o.dest}.part`;
  // makeDirs, not mkdir -p: a read-only disk is then EROFS rather than ENOENT, and /proc cannot hang it.
  makeDirs(dirname(o.dest), { what: 'the download folder', hint: 'pick a writable folder (--out)' });
  let offset = existsSync(part) ? statSync(part).size : 0;
  if (o.expectedSize !== undefined && offset > o.expectedSize) {
    rmSync(part, { force: true }); // longer than the file can be: not ours to resume
    offset = 0;
  }
  const hash = o.sha256 ? createHash('sha256') : undefined;
  if (hash && offset > 0) await hashExisting(part, hash);
  return { o, part, offset, hash, report: progressReporter(o) };
}

/** Range step: asks for the bytes after the .part; a server that sends the whole file restarts it. */
async function requestRest(t: Transfer, guard: RequestGuard): Promise<Response> {
  const { o } = t;
  const headers: Record<string, string> = { ...o.headers };
  if (t.offset > 0) headers.range = `bytes=${t.offset}-`;
  const res = await fetch(o.url, { headers, signal: guard.signal });
  guard.kick();
  if (res.status === 416 && t.offset > 0) {
    // The .part is not a prefix the server recognises (the file changed); start over.
    await res.body?.cancel().catch(() => undefined);
    rmSync(t.part, { force: true });
    throw new InterruptedDownloadError(`the hub refused to resume ${o.repoPath} (HTTP 416)`, {
      where: o.url,
      hint: 'the partial file was deleted; run the download again',
    });
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw statusError(res, o.url, { ...o.status, what: o.repoPath });
  }
  if (t.offset > 0 && (res.status !== 206 || rangeStart(res) !== t.offset)) {
    t.offset = 0; // the server sent the whole file: start the .part again
    t.hash = o.sha256 ? createHash('sha256') : undefined;
  }
  return res;
}

/** Appends the body to the .part (hashing and reporting as it goes); returns the .part's size. */
async function appendBody(t: Transfer, res: Response, guard: RequestGuard): Promise<number> {
  const fh = await open(t.part, t.offset > 0 ? 'a' : 'w');
  let bytes = t.offset;
  try {
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        guard.kick();
        await fh.write(chunk);
        t.hash?.update(chunk);
        bytes += chunk.byteLength;
        t.report(bytes, false);
      }
    }
    await fh.datasync();
  } finally {
    await fh.close();
  }
  return bytes;
}

/** Retry step: an error here leaves the .part for the next attempt, as a disk error or a network error. */
function transferError(t: Transfer, err: unknown, guard: RequestGuard): Error {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && DISK_CODES.has(code)) {
    return new UserError(`cannot write ${t.o.repoPath} (${code})`, {
      where: t.part,
      hint: code === 'ENOSPC' || code === 'EDQUOT' ? 'free some disk space, then run the download again to resume' : 'pick a writable folder (--out)',
    });
  }
  return networkError(err, t.o.url, guard, t.o.repoPath, true);
}

/** One request for the rest of the file, written to the .part; an early end is an interruption to resume. */
async function transferRest(t: Transfer): Promise<void> {
  const { o } = t;
  const guard = new RequestGuard(o.signal, o.idleTimeoutMs);
  try {
    const res = await requestRest(t, guard);
    const bytes = await appendBody(t, res, guard);
    if (o.expectedSize !== undefined && bytes < o.expectedSize) {
      throw new InterruptedDownloadError(`the transfer of ${o.repoPath} ended early (${bytes} of ${o.expectedSize} bytes)`, {
        where: o.url,
        hint: 'run the same download again to resume',
      });
    }
  } catch (err) {
    throw transferError(t, err, guard);
  } finally {
    guard.dispose();
  }
}

/** Verify step: size and sha256 of the finished .part; a mismatch deletes it. Returns size and verified. */
function verifyPart(t: Transfer): { size: number; verified: boolean } {
  const { o, part, hash } = t;
  const size = statSync(part).size;
  if (o.expectedSize !== undefined && size !== o.expectedSize) {
    rmSync(part, { force: true });
    throw new UserError(`${o.repoPath} has ${size} bytes, the hub said ${o.expectedSize}`, {
      where: part,
      hint: 'the partial file was deleted; run the download again',
    });
  }
  let verified = false;
  if (o.sha256 && hash) {
    const got = hash.digest('hex');
    if (got !== o.sha256) {
      rmSync(part, { force: true });
      throw new UserError(`sha256 mismatch for ${o.repoPath}: expected ${o.sha256}, got ${got}`, {
        where: part,
        hint: 'the corrupt partial file was deleted; run the download again (or try another endpoint)',
      });
    }
    verified = true;
  }
  return { size, verified };
}

export async function fetchFile(o: FetchFileOptions): Promise<FetchFileResult> {
  const t = await startTransfer(o);
  const resumedFrom = t.offset;
  t.report(t.offset, false, true);
  // A .part already holding every byte (cut right at the end) needs no request; an empty file still does.
  const complete = o.expectedSize !== undefined && t.offset === o.expectedSize && existsSync(t.part);
  if (!complete) await transferRest(t);
  const { size, verified } = verifyPart(t);
  renameSync(t.part, o.dest);
  t.report(size, true, true);
  return { bytes: size, resumedFrom, verified };
}
