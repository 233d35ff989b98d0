/**
 * App-wide Electron hardening: every permission request (camera, notifications, ...) is denied, no
 * <webview> can be attached, new windows are refused with http(s) links opened in the system browser,
 * and navigation away from the app's own origin is blocked.
 */
import { app, session, shell } from 'electron';
import { APP_ORIGIN } from './app-protocol';
import { originOf } from './ipc/sender-check';

const isExternalWebLink = (url: string): boolean => /^https?:\/\//i.test(url);

export function setupSecurity(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isExternalWebLink(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event, url) => {
      if (originOf(url) === APP_ORIGIN) return;
      event.preventDefault();
      if (isExternalWebLink(url)) void shell.openExternal(url);
    });
  });
}
