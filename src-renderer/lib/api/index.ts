/**
 * Picks the transport once, at start: Electron's preload bridge when `window.api` exists, the WebSocket
 * of `tuneloom serve` otherwise. `api` is null only in a browser that arrived without the launch token.
 */
import { connection } from '../state/connection.svelte';
import { ApiClient } from './client';
import { electronTransport } from './transport';
import { takeToken, wsTransport } from './ws-transport';

function createApi(): ApiClient | null {
  if (window.api) return new ApiClient(electronTransport(window.api));
  const token = takeToken();
  if (!token) return null;
  return new ApiClient(wsTransport(token, (up) => (connection.connected = up)));
}

export const api = createApi();
export { ApiError, ApiClient } from './client';
