/**
 * The contract over a WebSocket, for `tuneloom serve`. The upgrade is refused unless the request carries
 * this launch's token (`/ws?token=...`) and, when a browser sends an Origin, that origin is the page's own
 * host (so another site open in the same browser cannot drive the API even if it guessed the port).
 * Frames: client `{id, channel, payload}` -> server `{id, result}`; server pushes `{event}` to every socket.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { WsRequestFrame, WsServerFrame } from '../../src-shared/ipc-contract';
import { WS_PATH } from '../../src-shared/ipc-contract';
import type { EventBus } from '../ipc/events';
import type { Router } from '../ipc/router';
import { hasSession } from './session-cookie';
import { tokenMatches } from './token';

/** The router's view of a socket: trusted only once the upgrade passed the token check. */
export interface WsSender {
  authenticated: boolean;
}

export type UpgradeVerdict = { ok: true } | { ok: false; status: 401 | 403 | 404; reason: string };

export function checkUpgrade(req: Pick<IncomingMessage, 'url' | 'headers'>, token: string): UpgradeVerdict {
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

function isRequestFrame(v: unknown): v is WsRequestFrame {
  return typeof v === 'object' && v !== null && Number.isSafeInteger((v as WsRequestFrame).id) && typeof (v as WsRequestFrame).channel === 'string';
}

export function attachWsTransport(server: Server, opts: { token: string; router: Router<WsSender>; events: EventBus }): { close(): void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  const senders = new WeakMap<WebSocket, WsSender>();

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const verdict = checkUpgrade(req, opts.token);
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
    ws.on('message', async (data) => {
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        ws.close(1003, 'frames must be JSON');
        return;
      }
      if (!isRequestFrame(frame)) {
        ws.close(1003, 'frames must be {id, channel, payload}');
        return;
      }
      const result = await opts.router.dispatch(frame.channel, frame.payload, senders.get(ws) ?? { authenticated: false });
      send(ws, { id: frame.id, result });
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
