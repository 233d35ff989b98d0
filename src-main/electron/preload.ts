/**
 * The sandboxed preload: the renderer's only way into main. It exposes `window.api`, one method per
 * contract channel (generated from CHANNELS, so it cannot drift from the contract) plus `onEvent`.
 * Raw ipcRenderer never reaches the page.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { AppEvent, Channel, ContractApi, IpcResult } from '../../src-shared/ipc-contract';
import { CHANNELS, IPC_EVENT, IPC_INVOKE } from '../../src-shared/ipc-contract';

const methods = Object.fromEntries(
  CHANNELS.map((channel: Channel) => [channel, (req: unknown) => ipcRenderer.invoke(IPC_INVOKE, channel, req ?? {}) as Promise<IpcResult<unknown>>]),
);

const api = {
  ...methods,
  onEvent(listener: (event: AppEvent) => void): () => void {
    const wrapped = (_e: IpcRendererEvent, event: AppEvent) => listener(event);
    ipcRenderer.on(IPC_EVENT, wrapped);
    return () => ipcRenderer.removeListener(IPC_EVENT, wrapped);
  },
  pathForFile: (file: File) => webUtils.getPathForFile(file),
} as ContractApi;

contextBridge.exposeInMainWorld('api', api);
