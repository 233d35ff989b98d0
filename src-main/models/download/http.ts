/**
 * HTTP plumbing shared by the hub clients and the file fetcher, on Node's built-in fetch (undici):
 * a watchdog that aborts a request which stays silent too long, the user's cancel signal linked in,
 * and every failure turned into one line a user can act on (offline, timed out, gated, missing).
 */
import { UserError } from '../../errors';

export class DownloadCancelledError extends UserError {
  constructor(what: string) {
    super(`${what} was cancelled`, { hint: 'the partial file is kept; start the same download again to resume' });
  }
}

/** A transfer that stopped part-way (cut, stalled): the .part file is kept and a retry resumes it. */
export class InterruptedDownloadError extends UserError {}

const OFFLINE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'EADDRNOTAVAIL']);
const CUT_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * An AbortController for one request: aborted by the caller's signal, or by the watchdog when
 * `kick()` has not been called for `idleMs` (no response yet, or no body bytes for that long).
 */
export class RequestGuard {
  readonly controller = new AbortController();
  timedOut = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onUserAbort = (): void => this.controller.abort();

  constructor(
    private readonly userSignal: AbortSignal | undefined,
    private readonly idleMs: number,
  ) {
    if (userSignal?.aborted) this.controller.abort();
    userSignal?.addEventListener('abort', this.onUserAbort, { once: true });
    this.kick();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get cancelled(): boolean {
    return this.userSignal?.aborted === true;
  }

  kick(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, this.idleMs);
    this.timer.unref?.();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.userSignal?.removeEventListener('abort', this.onUserAbort);
  }
}

function errorCode(err: unknown): string | undefined {
  // undici wraps the socket error: TypeError('fetch failed', { cause: { code } }), sometimes nested,
  // and happy-eyeballs connects report an AggregateError whose members carry the codes.
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const inner = (e as { errors?: unknown }).errors;
    if (Array.isArray(inner)) {
      const codes = inner.map((x) => (x as { code?: unknown })?.code).filter((c): c is string => typeof c === 'string');
      if (codes.length) return codes[0];
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The innermost message: "fetch failed" says nothing, its cause ("bad port", ...) does. */
function innermostMessage(err: unknown): string {
  let e: unknown = err;
  let msg = String((err as Error)?.message ?? err);
  for (let depth = 0; e && depth < 4; depth++) {
    const m = (e as { message?: unknown }).message;
    if (typeof m === 'string' && m) msg = m;
    e = (e as { cause?: unknown }).cause;
  }
  return msg;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * One line for a failed request. `what` names the thing being fetched ("the file list of Qwen/X",
 * "model.safetensors"); `resumable` says a re-run continues where this one stopped.
 */
export function networkError(err: unknown, url: string, guard: RequestGuard, what: string, resumable = false): UserError {
  if (err instanceof UserError) return err;
  if (guard.cancelled) return new DownloadCancelledError(what);
  const host = hostOf(url);
  const again = resumable ? 'run the same download again to resume' : 'try again';
  if (guard.timedOut) {
    return new InterruptedDownloadError(`${host} stopped answering while fetching ${what} (timed out)`, {
      where: url,
      hint: `check your network connection or use a mirror endpoint, then ${again}`,
    });
  }
  const code = errorCode(err);
  if (code && OFFLINE_CODES.has(code)) {
    return new UserError(`cannot reach ${host} (${code}): you seem to be offline, or the endpoint is wrong`, {
      where: url,
      hint: 'check your network connection and the endpoint URL (for Hugging Face a mirror such as https://hf-mirror.com can help)',
    });
  }
  if (code && TIMEOUT_CODES.has(code)) {
    return new InterruptedDownloadError(`${host} did not answer in time (${code}) while fetching ${what}`, {
      where: url,
      hint: `check your network connection or use a mirror endpoint, then ${again}`,
    });
  }
  if ((code && CUT_CODES.has(code)) || /terminated|other side closed|socket/i.test(String((err as Error)?.message))) {
    return new InterruptedDownloadError(`the connection to ${host} was cut while fetching ${what}`, { where: url, hint: again });
  }
  if (code && /CERT|SSL|TLS/i.test(code)) {
    return new UserError(`TLS error talking to ${host} (${code})`, { where: url, hint: 'check the endpoint URL and your system clock, proxy or certificates' });
  }
  const detail = code ?? innermostMessage(err);
  return new UserError(`request to ${host} failed (${detail}) while fetching ${what}`, { where: url, hint: again });
}

export interface StatusContext {
  repoId: string;
  revision: string;
  /** `repo` for the file list, else the file path. */
  what: string;
  tokenEnv: string;
}

/** One line for an HTTP error status, telling gated/private apart from missing where the hub says. */
export function statusError(res: Response, url: string, ctx: StatusContext): UserError {
  const hfCode = res.headers.get('x-error-code') ?? '';
  const subject = ctx.what === 'repo' ? `repo "${ctx.repoId}"` : `${ctx.what} in "${ctx.repoId}"`;
  if (hfCode === 'GatedRepo' || (res.status === 403 && ctx.what === 'repo')) {
    return new UserError(`${subject} is gated (HTTP ${res.status}): the hub wants you to accept its license first`, {
      where: url,
      hint: `accept the terms on the repo's page, then set ${ctx.tokenEnv} to an access token and try again`,
    });
  }
  if (hfCode === 'RevisionNotFound') {
    return new UserError(`revision "${ctx.revision}" of repo "${ctx.repoId}" not found (HTTP ${res.status})`, {
      where: url,
      hint: 'check the revision (branch, tag or commit)',
    });
  }
  if (hfCode === 'RepoNotFound' && ctx.what === 'repo') {
    return new UserError(`${subject} not found (HTTP ${res.status}), or it is private`, {
      where: url,
      hint: `check the repo id (owner/name) and which hub (--hub) it lives on; for a private repo set ${ctx.tokenEnv}`,
    });
  }
  if (res.status === 401 || res.status === 403) {
    return new UserError(`${subject} was refused (HTTP ${res.status}): it is private or gated, or does not exist`, {
      where: url,
      hint: `check the repo id (owner/name); for a gated or private repo set ${ctx.tokenEnv} to an access token`,
    });
  }
  if (res.status === 404 || hfCode === 'EntryNotFound') {
    return new UserError(`${subject} not found (HTTP ${res.status})`, {
      where: url,
      hint:
        ctx.what === 'repo'
          ? 'check the repo id (owner/name), the revision and which hub (--hub) it lives on'
          : 'the repo listed it but the hub cannot serve it; try again later',
    });
  }
  if (res.status === 429)
    return new UserError(`the hub is rate-limiting us (HTTP 429)`, { where: url, hint: 'wait a minute and try again, or use a mirror endpoint' });
  return new UserError(`the hub answered HTTP ${res.status} ${res.statusText}`.trim(), { where: url, hint: 'try again later, or use a mirror endpoint' });
}

/** GET a JSON document through the guard; errors become one line. */
export async function getJson(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
  timeoutMs: number,
  ctx: StatusContext,
): Promise<unknown> {
  const guard = new RequestGuard(signal, timeoutMs);
  const what = ctx.what === 'repo' ? `the file list of ${ctx.repoId}` : ctx.what;
  try {
    const res = await fetch(url, { headers: { accept: 'application/json', ...headers }, signal: guard.signal });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw statusError(res, url, ctx);
    }
    const text = await res.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new UserError(`the hub's answer for ${what} is not JSON`, {
        where: url,
        hint: 'check that the endpoint is a Hugging Face or ModelScope API (or a mirror of one)',
      });
    }
  } catch (err) {
    throw networkError(err, url, guard, what);
  } finally {
    guard.dispose();
  }
}
