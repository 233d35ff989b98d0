/**
 * The contract over a WebSocket, for `tuneloom serve`. The upgrade is refused unless its Host is one of
 * the names serve is bound to (host-check.ts), the request carries this launch's token
 * (`/ws?token=...`) and, when a browser sends an Origin, that origin is the page's own host (so
 * another site open in the same browser cannot drive the API even if it guessed the port).
 * Frames: client `{id, channel, payload}` -> server `{id, result}`; server pushes `{event}` to every socket.
 * One bad socket never ends the process: every socket has an 'error' listener (ws closes it with the
 * fitting code: 1007 invalid UTF-8, 1009 a frame beyond WS_MAX_FRAME_BYTES), a request over
 * WS_MAX_REQUEST_BYTES is answered with a structured `invalid-payload` error, and a failing handler
 * becomes an error result.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { WsRequestFrame, WsServerFrame } from '../../src-shared/ipc-contract';
import { WS_MAX_FRAME_BYTES, WS_MAX_REQUEST_BYTES, WS_PATH } from '../../src-shared/ipc-contract';
import type { EventBus } from '../ipc/events';
import type { Router } from '../ipc/router';
import { hostAllowed } from './host-check';
import { hasSession } from './session-cookie';
import { tokenMatches } from './token';

/** The router's view of a socket: trusted only once the upgrade passed the token check. */
export interface WsSender {
  authenticated: boolean;
}

export type UpgradeVerdict = { ok: true } | { ok: false; status: 401 | 403 | 404; reason: string };

export function checkUpgrade(req: Pick<IncomingMessage, 'url' | 'headers'>, token: string, allowedHosts?: Set<string>): UpgradeVerdict {
  if (allowedHosts && !hostAllowed(req.headers.host, allowedHosts)) return { ok: false, status: 403, reason: 'host not allowed' };
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== WS_PATH) return { ok: false, status: 404, reason: 'not the API socket' };
  // The token in the query (the page got it from its URL), or the session cookie set on that first visit.
  if (!tokenMatches(token, url.searchParams.get('token')) && !hasSession(req, token)) return { ok: false, status: 401, reason: 'missing or wrong token' };
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      return { ok: false, status: 403, reason: 'bad origin' };
    }
    if (originHost !== req.headers.host) return { ok: false, status: 403, reason: 'cross-origin socket' };
  }
  return { ok: true };
}

const STATUS_TEXT = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' } as const;

/** The id of a frame too big to parse: read from its first bytes, as clients write `{"id":N,...`. */
function leadingId(data: Buffer): number {
  const m = /^\s*\{\s*"id"\s*:\s*(\d{1,15})\s*,/.exec(data.subarray(0, 64).toString('latin1'));
  return m ? Number(m[1]) : 0;
}

const errorResult = (name: string, message: string, kind: string) => ({ ok: false as const, error: { name, message, kind } });

function isRequestFrame(v: unknown): v is WsRequestFrame {
  return typeof v === 'object' && v !== null && Number.isSafeInteger((v as WsRequestFrame).id) && typeof (v as WsRequestFrame).channel === 'string';
}

export function attachWsTransport(
  server: Server,
  opts: { token: string; router: Router<WsSender>; events: EventBus; allowedHosts?: Set<string> },
): { close(): void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_FRAME_BYTES });
  wss.on('error', () => {}); // the http server reports listen errors; nothing here may end serve
  const senders = new WeakMap<WebSocket, WsSender>();

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy()); // a client that resets mid-handshake
    const verdict = checkUpgrade(req, opts.token, opts.allowedHosts);
    if (!verdict.ok) {
      socket.end(`HTTP/1.1 ${verdict.status} ${STATUS_TEXT[verdict.status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      senders.set(ws, { authenticated: true });
      wss.emit('connection', ws, req);
    });
  });

  const send = (ws: WebSocket, frame: WsServerFrame) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  };

  wss.on('connection', (ws: WebSocket) => {
    // ws has already closed the socket with 1007/1009 (or it was reset); only this socket ends.
    ws.on('error', () => ws.terminate());
    ws.on('message', async (raw) => {
      const data = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
      if (data.byteLength > WS_MAX_REQUEST_BYTES) {
        const message = `the request is ${data.byteLength} bytes; the limit is ${WS_MAX_REQUEST_BYTES} (shorten the messages or the file list)`;
        send(ws, { id: leadingId(data), result: errorResult('PayloadTooLarge', message, 'invalid-payload') });
        return;
      }
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString('utf8'));
      } catch {
        ws.close(1003, 'frames must be JSON');
        return;
      }
      if (!isRequestFrame(frame)) {
        ws.close(1003, 'frames must be {id, channel, payload}');
        return;
      }
      try {
        const result = await opts.router.dispatch(frame.channel, frame.payload, senders.get(ws) ?? { authenticated: false });
        send(ws, { id: frame.id, result });
      } catch (err) {
        send(ws, { id: frame.id, result: errorResult('InternalError', (err as Error).message ?? String(err), 'internal') });
      }
    });
  });

  const unsubscribe = opts.events.subscribe((event) => {
    for (const ws of wss.clients) send(ws, { event });
  });

  return {
    close() {
      unsubscribe();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
