/**
 * The handler table both transports share. Each feature contributes its channels; the mapped type
 * `HandlerTable` makes a channel without a handler a compile error.
 */
import { appHandlers } from './app-handlers';
import { controlHandlers } from './control-handlers';
import { downloadHandlers } from './download-handlers';
import { evalHandlers } from './eval-handlers';
import { filesHandlers } from './files-handlers';
import { exportHandlers } from './export-handlers';
import { playgroundHandlers } from './playground-handlers';
import { recipeHandlers } from './recipe-handlers';
import { plannerHandlers } from './planner-handlers';
import type { HandlerContext } from './context';
import { libraryHandlers } from './library-handlers';
import type { HandlerTable } from './router';
import { runsHandlers } from './runs-handlers';

export function createHandlers(ctx: HandlerContext): HandlerTable {
  return {
    ...appHandlers(ctx),
    ...runsHandlers(ctx),
    ...controlHandlers(ctx),
    ...libraryHandlers(ctx),
    ...downloadHandlers(ctx),
    ...playgroundHandlers(ctx),
    ...evalHandlers(ctx),
    ...exportHandlers(ctx),
    ...recipeHandlers(ctx),
    ...plannerHandlers(ctx),
    ...filesHandlers(ctx),
  };
}
