/** runs.launch and runs.control: the wizard's launch and the dashboard's pause/resume/stop/sample-now. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LaunchRequest } from '../../src-shared/ipc-contract';
import { UserError } from '../errors';
import { deleteRunWithFiles } from '../runs/disk';
import type { RunSupervisor } from '../runs/supervisor';
import { getRun } from '../store/queries/runs';
import type { HandlerContext } from './context';
import { checkRewardFile, datasetOfLaunch, launchFromRequest } from './launch-config';
import { readableRoots } from './readable-roots';
import type { HandlerTable } from './router';

function supervisorOf(ctx: HandlerContext): RunSupervisor {
  if (!ctx.supervisor) throw new UserError('this Tuneloom process cannot start or control training', { hint: 'use the desktop app or `tuneloom serve`' });
  return ctx.supervisor;
}

/** The trainer reads sample prompts from a file; they live beside the runs, not inside a run's --out. */
function writeSamplePrompts(home: string, req: LaunchRequest, now: Date): string | undefined {
  if (!req.samplePrompts?.length) return undefined;
  const dir = join(home, 'runs', '.sample-prompts');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${now.getTime()}-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(req.samplePrompts, null, 2));
  return file;
}

export function controlHandlers(ctx: HandlerContext): Pick<HandlerTable, 'runs.launch' | 'runs.control' | 'runs.delete' | 'runs.queuePhase'> {
  return {
    'runs.launch': (req) => {
      const sup = supervisorOf(ctx);
      const now = new Date();
      const dataset = datasetOfLaunch(ctx.db, req);
      const rewardFile = req.grpo?.rewardFile;
      const checked = rewardFile ? { ...req, grpo: { ...req.grpo!, rewardFile: checkRewardFile(rewardFile, readableRoots(ctx.home)) } } : req;
      return { runId: sup.enqueue(launchFromRequest(checked, dataset, ctx.home, now, writeSamplePrompts(ctx.home, req, now))) };
    },
    'runs.control': ({ id, action }) => {
      const sup = supervisorOf(ctx);
      const run = getRun(ctx.db, id);
      if (!run) throw new UserError(`run ${id} does not exist`, { hint: 'pick a run from the runs list' });
      if (action === 'pause') sup.pause(id);
      else if (action === 'stop') sup.stop(id);
      else if (action === 'sample-now') sup.sampleNow(id);
      // "resume" unpauses a paused run, and continues an interrupted/stopped/failed one from its checkpoint.
      else if (run.status === 'paused') sup.unpause(id);
      else sup.resume(id);
      return getRun(ctx.db, id) ?? null;
    },
    'runs.queuePhase': ({ id }) => ctx.supervisor?.queuePhase(id) ?? null,
    'runs.delete': ({ id }) => {
      const freed = deleteRunWithFiles(ctx.db, id);
      ctx.publish?.({ type: 'runs.changed' });
      return freed;
    },
  };
}
