/**
 * App-wide Electron hardening: every permission request (camera, notifications, ...) is denied, no
 * <webview> can be attached, new windows are refused with http(s) links opened in the system browser
 * (our own hosts at once, any other after the user agrees), and navigation away from the app's own
 * origin is blocked.
 */
import { app, BrowserWindow, dialog, session, shell, type WebContents } from 'electron';
import { APP_ORIGIN } from './app-protocol';
import { externalLinkDecision } from './external-links';
import { originOf } from '../ipc/sender-check';

/** Our hosts open in the browser; other web links after a yes; other schemes never (external-links.ts). */
async function openExternally(contents: WebContents, url: string): Promise<void> {
  const decision = externalLinkDecision(url);
  if (decision === 'refuse') return;
  if (decision === 'ask') {
    const zh = app.getLocale().startsWith('zh');
    const window = BrowserWindow.fromWebContents(contents);
    const options = {
      type: 'question' as const,
      buttons: zh ? ['打开', '取消'] : ['Open', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: zh ? '在浏览器中打开这个链接？' : 'Open this link in your browser?',
      detail: url,
    };
    const { response } = window ? await dialog.showMessageBox(window, options) : await dialog.showMessageBox(options);
    if (response !== 0) return;
  }
  await shell.openExternal(url);
}

export function setupSecurity(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      void openExternally(contents, url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event, url) => {
      if (originOf(url) === APP_ORIGIN) return;
      event.preventDefault();
      void openExternally(contents, url);
    });
  });
}
