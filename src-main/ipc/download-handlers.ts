/** downloads.* channels over the app's DownloadManager (progress goes out as download.progress events). */
import { UserError } from '../errors';
import type { DownloadManager } from '../models/download/download-manager';
import type { HandlerContext } from './context';
import type { HandlerTable } from './router';

function managerOf(ctx: HandlerContext): DownloadManager {
  if (!ctx.downloads)
    throw new UserError('this Tuneloom process does not download models', { hint: 'use the desktop app, `tuneloom serve`, or `tuneloom models download`' });
  return ctx.downloads;
}

export function downloadHandlers(ctx: HandlerContext): Pick<HandlerTable, 'downloads.start' | 'downloads.list' | 'downloads.cancel' | 'downloads.remove'> {
  return {
    'downloads.start': (req) => managerOf(ctx).start(req),
    'downloads.list': () => managerOf(ctx).list(),
    'downloads.cancel': ({ id }) => ({ cancelled: managerOf(ctx).cancel(id) }),
    'downloads.remove': ({ id }) => managerOf(ctx).remove(id),
  };
}
