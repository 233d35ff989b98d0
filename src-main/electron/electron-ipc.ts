/**
 * The contract over Electron IPC: one invoke channel into the shared router, and the event bus forwarded
 * to our windows. A message is trusted only if it comes from one of our windows and from a frame on the
 * app's own origin (an injected iframe or a navigated page is dropped).
 */
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { IPC_EVENT, IPC_INVOKE } from '../../src-shared/ipc-contract';
import { APP_ORIGIN } from './app-protocol';
import { allWindows, isOurWebContents } from './windows';
import type { HandlerContext } from '../ipc/context';
import { appEvents } from '../ipc/events';
import { createHandlers } from '../ipc/handlers';
import { createRouter } from '../ipc/router';
import { isTrustedSender } from '../ipc/sender-check';

export function isTrustedElectronSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>): boolean {
  return isTrustedSender({ webContentsId: event.sender.id, frameUrl: event.senderFrame?.url }, isOurWebContents, APP_ORIGIN);
}

export function setupIpc(ctx: HandlerContext): void {
  const router = createRouter<IpcMainInvokeEvent>(createHandlers(ctx), isTrustedElectronSender);
  ipcMain.handle(IPC_INVOKE, (event, channel: unknown, payload: unknown) => router.dispatch(channel, payload, event));
  appEvents.subscribe((event) => {
    for (const win of allWindows()) win.webContents.send(IPC_EVENT, event);
  });
}
