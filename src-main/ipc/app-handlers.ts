/** app.* and settings.* channels. */
import { readAppSettings, writeAppSettings } from '../app-settings';
import { appVersion } from '../version';
import { homeInfo, preferredHome, setPreferredHome, storeExistsIn } from '../store/paths';
import type { AppPaths } from '../../src-shared/ipc-contract';
import { CONTRACT_VERSION } from '../../src-shared/ipc-contract';
import type { HandlerContext } from './context';
import type { HandlerTable } from './router';

/** The running app's folder (fixed at start) next to what the next start will use. */
function appPaths(ctx: HandlerContext): AppPaths {
  const source = homeInfo().source;
  const chosen = preferredHome();
  const nextHome = chosen && chosen !== ctx.home ? chosen : null;
  return { home: ctx.home, db: ctx.dbPath, homeSource: source, nextHome, nextHasStore: nextHome ? storeExistsIn(nextHome) : false };
}

export function appHandlers(ctx: HandlerContext): Pick<HandlerTable, 'app.info' | 'settings.get' | 'settings.set' | 'settings.dataDir'> {
  return {
    'app.info': () => ({
      name: 'Tuneloom',
      version: appVersion(),
      contractVersion: CONTRACT_VERSION,
      platform: `${process.platform}-${process.arch}`,
      nodeVersion: process.versions.node,
      electronVersion: ctx.electronVersion,
      backend: { preferred: readAppSettings(ctx.db).defaultBackend },
      paths: appPaths(ctx),
    }),
    'settings.get': () => readAppSettings(ctx.db),
    'settings.set': (patch) => writeAppSettings(ctx.db, patch),
    'settings.dataDir': ({ path }) => {
      setPreferredHome(path);
      return appPaths(ctx);
    },
  };
}
