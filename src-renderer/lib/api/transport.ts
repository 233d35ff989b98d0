/** How the renderer reaches main: Electron's preload bridge or serve's WebSocket. Same contract either way. */
import type { AppEvent, ContractApi, IpcResult } from '../../../src-shared/ipc-contract';

export interface Transport {
  readonly kind: 'electron' | 'websocket';
  invoke(channel: string, payload: unknown): Promise<IpcResult<unknown>>;
  onEvent(listener: (event: AppEvent) => void): () => void;
  /** A dropped file's disk path; null where the platform hides it (every browser). */
  pathForFile(file: File): string | null;
}

declare global {
  interface Window {
    api?: ContractApi;
  }
}

export function electronTransport(api: ContractApi): Transport {
  return {
    kind: 'electron',
    invoke: (channel, payload) => (api as unknown as Record<string, (p: unknown) => Promise<IpcResult<unknown>>>)[channel]!(payload),
    onEvent: (listener) => api.onEvent(listener),
    pathForFile: (file) => api.pathForFile(file) || null,
  };
}
