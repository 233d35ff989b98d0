/**
 * `tuneloom serve`: the built UI over HTTP plus the IPC contract over a WebSocket, on one port, bound to
 * 127.0.0.1 unless told otherwise. Returns the URL to open (it carries this launch's token). Requests
 * whose Host is not a bound name are refused (421 for HTTP, 403 for the socket): DNS rebinding.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentSecurityPolicy } from '../csp';
import { UserError } from '../errors';
import { appEvents, type EventBus } from '../ipc/events';
import { createHandlers } from '../ipc/handlers';
import { createRouter } from '../ipc/router';
import { createAppServices } from '../app-services';
import { openStore } from '../store/db';
import { tuneloomHome } from '../store/paths';
import { allowedHostNames, hostAllowed, isLoopbackHost } from './host-check';
import { createStaticHandler } from './static-files';
import { withSessionCookie } from './session-cookie';
import { createToken } from './token';
import { attachWsTransport, type WsSender } from './ws-transport';

export interface ServeOptions {
  host: string;
  port: number;
  dbPath: string;
  rendererDir?: string;
  token?: string;
  events?: EventBus;
  /** More Host names to accept (a reverse proxy's public name), besides the bound ones. */
  allowHosts?: string[];
}

/** One line for a bind other than loopback, or null. */
export function exposureWarning(host: string): string | null {
  if (isLoopbackHost(host)) return null;
  return `warning: serving on ${host}, not loopback: anyone who can reach this machine and sees the token can use Tuneloom, over plain http (put a TLS reverse proxy in front, see README)`;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** dist/renderer, from dist/cli.js (bundled) or from src-main/server/ (tsx). */
export function defaultRendererDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'renderer'), join(here, '../../dist/renderer')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? candidates[candidates.length - 1]!;
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const rendererDir = opts.rendererDir ?? defaultRendererDir();
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new UserError('the UI is not built', { where: rendererDir, hint: 'run `npm run build` first' });
  }
  const db = openStore(opts.dbPath);
  const token = opts.token ?? createToken();
  const events = opts.events ?? appEvents;
  const services = createAppServices({ db, dbPath: opts.dbPath, home: tuneloomHome(), electronVersion: null, publish: events.publish.bind(events) });
  const router = createRouter<WsSender>(createHandlers(services), (sender) => sender.authenticated);
  const allowedHosts = allowedHostNames(opts.host, opts.allowHosts);
  const serveStatic = withSessionCookie(token, createStaticHandler(rendererDir, contentSecurityPolicy()));
  const server = createServer((req, res) => {
    if (!hostAllowed(req.headers.host, allowedHosts)) {
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end('this server does not answer to that host name\n');
      return;
    }
    serveStatic(req, res);
  });
  const ws = attachWsTransport(server, { token, router, events, allowedHosts });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => resolve());
    });
  } catch (err) {
    await services.close();
    db.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new UserError(`port ${opts.port} is already in use`, { where: `${opts.host}:${opts.port}`, hint: 'pass --port with a free port (or 0 for any)' });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UserError(`cannot listen on host ${opts.host}`, { hint: 'pass --host 127.0.0.1' });
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const shownHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    async close() {
      ws.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.close();
      db.close();
    },
  };
}
