/**
 * The desktop app loads its UI from `app://tuneloom/`, a privileged scheme served from dist/renderer,
 * instead of file:// (which would give every local file the page's origin). Each response carries the CSP.
 */
import { net, protocol } from 'electron';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { contentSecurityPolicy } from '../csp';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://tuneloom`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** Must run before `app.whenReady()`. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

export function rendererDir(): string {
  // dist/electron-main.js sits beside dist/renderer/.
  return join(dirname(fileURLToPath(import.meta.url)), 'renderer');
}

export function setupAppProtocol(): void {
  const root = normalize(rendererDir() + sep);
  const csp = contentSecurityPolicy();
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = normalize(join(root, decodeURIComponent(url.pathname)));
    if (url.host !== 'tuneloom' || !file.startsWith(root)) return new Response('forbidden', { status: 403 });
    const res = await net.fetch(pathToFileURL(file).href);
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', csp);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
}
