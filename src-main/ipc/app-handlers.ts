/** app.* and settings.* channels. */
import { readAppSettings, writeAppSettings } from '../app-settings';
import { appVersion } from '../version';
import { CONTRACT_VERSION } from '../../src-shared/ipc-contract';
import type { HandlerContext } from './context';
import type { HandlerTable } from './router';

export function appHandlers(ctx: HandlerContext): Pick<HandlerTable, 'app.info' | 'settings.get' | 'settings.set'> {
  return {
    'app.info': () => ({
      name: 'Tuneloom',
      version: appVersion(),
      contractVersion: CONTRACT_VERSION,
      platform: `${process.platform}-${process.arch}`,
      nodeVersion: process.versions.node,
      electronVersion: ctx.electronVersion,
      backend: { preferred: readAppSettings(ctx.db).defaultBackend },
      paths: { home: ctx.home, db: ctx.dbPath },
    }),
    'settings.get': () => readAppSettings(ctx.db),
    'settings.set': (patch) => writeAppSettings(ctx.db, patch),
  };
}
