/**
 * The desktop app's services: the same $TUNELOOM_HOME/tuneloom.db the CLI uses, with the run supervisor
 * and downloader publishing into the app's event bus (see app-services.ts).
 */
import { app } from 'electron';
import { createAppServices } from '../app-services';
import type { HandlerContext } from '../ipc/context';
import { publishEvent } from '../ipc/events';
import { openStore } from '../store/db';
import { resolveStorePath, tuneloomHome } from '../store/paths';

export function setupStore(): HandlerContext {
  const dbPath = resolveStorePath();
  const services = createAppServices({
    db: openStore(dbPath),
    dbPath,
    home: tuneloomHome(),
    electronVersion: process.versions.electron ?? null,
    publish: publishEvent,
  });
  // Closing the app leaves live runs interrupted (resumable) and partial downloads resumable.
  app.on('will-quit', () => void services.close());
  return services;
}
