/** runs.* channels: the runs list, one run, and its per-step rows. */
import { downsampleMetrics, listMetrics } from '../store/queries/metrics';
import { getRun, listRuns } from '../store/queries/runs';
import { listCheckpoints } from '../store/queries/checkpoints';
import { listEvals } from '../store/queries/evals';
import { listRunLogs } from '../store/queries/run-logs';
import { grpoStepsAfter } from '../store/queries/grpo-steps';
import { listSamples } from '../store/queries/samples';
import type { HandlerContext } from './context';
import type { HandlerTable } from './router';

type RunChannels = 'runs.list' | 'runs.get' | 'runs.metrics' | 'runs.samples' | 'runs.rewards' | 'runs.logs' | 'runs.checkpoints' | 'runs.evals';

export function runsHandlers(ctx: HandlerContext): Pick<HandlerTable, RunChannels> {
  return {
    'runs.list': (filter) => listRuns(ctx.db, filter),
    'runs.get': ({ id }) => getRun(ctx.db, id) ?? null,
    'runs.metrics': ({ id, afterStep, maxPoints }) =>
      afterStep === undefined && maxPoints !== undefined ? downsampleMetrics(ctx.db, id, maxPoints) : listMetrics(ctx.db, id, afterStep),
    'runs.samples': ({ id }) => listSamples(ctx.db, id),
    'runs.rewards': ({ id, afterStep, completions }) => grpoStepsAfter(ctx.db, id, afterStep ?? -1, completions !== false),
    'runs.logs': ({ id, afterSeq }) => listRunLogs(ctx.db, id, afterSeq),
    'runs.checkpoints': ({ id }) => listCheckpoints(ctx.db, id),
    'runs.evals': ({ id }) => listEvals(ctx.db, id),
  };
}
