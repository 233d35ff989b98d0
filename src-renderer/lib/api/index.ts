/**
 * Picks the transport once, at start: Electron's preload bridge when `window.api` exists, the WebSocket
 * of `tuneloom serve` otherwise. `api` is null only in a browser that has neither the launch token nor
 * the session cookie an earlier visit with it left (a reopened tab, a bookmark: see session-cookie.ts).
 */
import { connection } from '../state/connection.svelte';
import { ApiClient } from './client';
import { electronTransport } from './transport';
import { SESSION_PATH } from '../../../src-shared/ipc-contract';
import { takeToken, wsTransport } from './ws-transport';

/**
 * Whether the server knows this browser's session cookie (HttpOnly: scripts cannot read it, so ask).
 * Synchronous because the transport is chosen once, before any view renders; it runs only in serve mode
 * without a token, and is one local request.
 */
function hasSession(): boolean {
  try {
    const xhr = new XMLHttpRequest();
    xhr.open('GET', SESSION_PATH, false);
    xhr.send();
    return xhr.status === 204;
  } catch {
    return false;
  }
}

function createApi(): ApiClient | null {
  if (window.api) return new ApiClient(electronTransport(window.api));
  const token = takeToken();
  if (!token && !hasSession()) return null;
  return new ApiClient(wsTransport(token, (up) => connection.set(up)));
}

export const api = createApi();
export { ApiError, ApiClient } from './client';
