/** The Electron main process: composes the setupX() calls, nothing else. */
import { app } from 'electron';
import { registerAppScheme, setupAppProtocol } from './app-protocol';
import { setupIpc } from './electron-ipc';
import { setupSecurity } from './security';
import { setupStore } from './store-setup';
import { setupWindows } from './windows';

registerAppScheme();
app.on('window-all-closed', () => app.quit());
void app.whenReady().then(() => {
  setupSecurity();
  setupAppProtocol();
  setupIpc(setupStore());
  setupWindows();
});
