/**
 * Serve mode's session cookie: the launch token arrives once in the URL; the page's response sets it as a
 * cookie (HttpOnly, so page scripts never read it; SameSite=Strict, so no other site's request carries
 * it; no Max-Age, so it ends with the browser session), and the WebSocket upgrade accepts it in place of
 * the token. A reopened tab or a bookmark of the bare address then works until the browser closes or
 * `tuneloom serve` restarts (a new launch has a new token). `GET /session` answers 204 or 401, so the page
 * can tell, without seeing the cookie, whether it has a session.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SESSION_PATH } from '../../src-shared/ipc-contract';
import { tokenMatches } from './token';

export const SESSION_COOKIE = 'tuneloom_session';

/** The session cookie's value in a request's Cookie header, if any. */
export function sessionFrom(req: Pick<IncomingMessage, 'headers'>): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

export function hasSession(req: Pick<IncomingMessage, 'headers'>, token: string): boolean {
  return tokenMatches(token, sessionFrom(req));
}

/** Wraps the static handler: sets the cookie on a visit with the right token, answers GET /session. */
export function withSessionCookie(token: string, next: (req: IncomingMessage, res: ServerResponse) => void) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === SESSION_PATH) {
      res.writeHead(hasSession(req, token) ? 204 : 401, { 'Cache-Control': 'no-store' }).end();
      return;
    }
    if (tokenMatches(token, url.searchParams.get('token'))) {
      res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
    }
    next(req, res);
  };
}
