/** planner.estimate: the wizard's Resources step (backend + reason, memory and time before launch). */
import { planRun } from '../workers/planner/plan-run';
import type { HandlerContext } from './context';
import type { HandlerTable } from './router';

export function plannerHandlers(ctx: HandlerContext): Pick<HandlerTable, 'planner.estimate'> {
  return {
    'planner.estimate': (req) => planRun(ctx.db, req),
  };
}
