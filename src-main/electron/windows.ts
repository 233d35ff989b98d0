/**
 * The app window: context isolation, sandboxed renderer, no Node in the page; the preload is the only
 * bridge (window.api). `isOurWindow` backs the IPC router's sender check.
 */
import { BrowserWindow } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_ENTRY } from './app-protocol';

const ours = new Set<number>();

export function isOurWebContents(webContentsId: number): boolean {
  return ours.has(webContentsId);
}

export function allWindows(): BrowserWindow[] {
  return BrowserWindow.getAllWindows().filter((w) => ours.has(w.webContents.id));
}

export function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 960,
    minHeight: 600,
    title: 'Tuneloom',
    show: false,
    webPreferences: {
      preload: join(dirname(fileURLToPath(import.meta.url)), 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  const id = win.webContents.id;
  ours.add(id);
  win.on('closed', () => ours.delete(id));
  win.once('ready-to-show', () => win.show());
  void win.loadURL(APP_ENTRY);
  return win;
}

export function setupWindows(): void {
  createMainWindow();
}
