/** playground.* channels: side-by-side generation streamed as events (see playground/generate-process.ts). */
import { readAppSettings } from '../app-settings';
import { startColumns } from '../workers/playground/generate-process';
import type { HandlerContext } from './context';
import type { HandlerTable } from './router';

export function playgroundHandlers(ctx: HandlerContext): Pick<HandlerTable, 'playground.generate' | 'playground.stop'> {
  const sessions = new Map<string, () => void>();
  return {
    'playground.generate': ({ sessionId, columns, ...spec }) => {
      sessions.get(sessionId)?.();
      let left = columns.length;
      const stop = startColumns(
        columns,
        { ...spec, backend: readAppSettings(ctx.db).defaultBackend },
        {
          onDelta: (key, text) => ctx.publish?.({ type: 'playground.delta', sessionId, key, text }),
          onDone: (key, error, thinking) => {
            ctx.publish?.({ type: 'playground.done', sessionId, key, error, ...(thinking ? { thinking } : {}) });
            if (--left === 0 && sessions.get(sessionId) === stop) sessions.delete(sessionId);
          },
        },
      );
      sessions.set(sessionId, stop);
      return { started: columns.length };
    },
    'playground.stop': ({ sessionId }) => {
      const stop = sessions.get(sessionId);
      stop?.();
      return { stopped: !!stop };
    },
  };
}
