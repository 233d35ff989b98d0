/**
 * The WebSocket transport of serve mode. The token arrives once in the page URL (?token=...), is kept in
 * sessionStorage (so a reload works) and removed from the address bar. Requests made while the socket is
 * (re)connecting wait for it; a dropped socket reconnects with backoff and fails the requests in flight.
 */
import type { AppEvent, IpcResult, WsServerFrame } from '../../../src-shared/ipc-contract';
import { WS_MAX_REQUEST_BYTES, WS_PATH } from '../../../src-shared/ipc-contract';
import type { Transport } from './transport';

const TOKEN_KEY = 'tuneloom.token';

/** Reads the launch token from the URL (then hides it) or from this tab's session. */
export function takeToken(): string | null {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/** `token` null: the session cookie authenticates the socket. */
export function wsTransport(token: string | null, onConnectionChange: (connected: boolean) => void = () => {}): Transport {
  const listeners = new Set<(event: AppEvent) => void>();
  const pending = new Map<number, (result: IpcResult<unknown>) => void>();
  let nextId = 1;
  let socket: WebSocket | null = null;
  let ready: Promise<WebSocket> | null = null;
  let retryMs = 250;

  const connect = (): Promise<WebSocket> => {
    ready ??= new Promise<WebSocket>((resolve) => {
      const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
      const ws = new WebSocket(`${proto}//${location.host}${WS_PATH}${token ? `?token=${encodeURIComponent(token)}` : ''}`);
      ws.onopen = () => {
        socket = ws;
        retryMs = 250;
        onConnectionChange(true);
        resolve(ws);
      };
      ws.onmessage = (msg) => {
        const frame = JSON.parse(String(msg.data)) as WsServerFrame;
        if ('event' in frame) for (const l of listeners) l(frame.event);
        else {
          pending.get(frame.id)?.(frame.result);
          pending.delete(frame.id);
        }
      };
      ws.onclose = () => {
        socket = null;
        ready = null;
        onConnectionChange(false);
        for (const [, settle] of pending)
          settle({ ok: false, error: { name: 'Disconnected', message: 'the connection to Tuneloom closed', kind: 'internal' } });
        pending.clear();
        setTimeout(() => void connect().then(resolve), retryMs);
        retryMs = Math.min(retryMs * 2, 5000);
      };
    });
    return ready;
  };
  void connect();

  return {
    kind: 'websocket',
    async invoke(channel, payload) {
      const ws = socket ?? (await connect());
      const id = nextId++;
      const frame = JSON.stringify({ id, channel, payload: payload ?? {} });
      // The same limit serve applies (a UTF-8 byte is at most 3 per UTF-16 unit, so short frames skip the count).
      const bytes = frame.length * 3 > WS_MAX_REQUEST_BYTES ? new TextEncoder().encode(frame).byteLength : 0;
      if (bytes > WS_MAX_REQUEST_BYTES) {
        return {
          ok: false,
          error: { name: 'PayloadTooLarge', message: `the request is ${bytes} bytes; the limit is ${WS_MAX_REQUEST_BYTES}`, kind: 'invalid-payload' },
        };
      }
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(frame);
      });
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    pathForFile: () => null,
  };
}
