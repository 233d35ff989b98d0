/**
 * recipes.export (the run page's "Recipe for a cluster" card, and the wizard's Resources step when the
 * planner says the run will not fit) and runs.import (the runs list's Import button): the same services
 * as `tuneloom export-recipe` and `tuneloom runs import`, in this process (they only convert data and
 * copy a few files; no engine work).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { validateTrainConfig } from '../engine/train/validate-config';
import { UserError } from '../errors';
import { exportRecipe, writeRecipe } from '../recipe/export-recipe';
import { importRun } from '../recipe/import-run';
import { getRun } from '../store/queries/runs';
import type { HandlerContext } from './context';
import { datasetOfLaunch, launchFromRequest } from './launch-config';
import type { HandlerTable } from './router';

type RecipeChannels = 'recipes.export' | 'runs.import';

export function recipeHandlers(ctx: HandlerContext): Pick<HandlerTable, RecipeChannels> {
  return {
    'recipes.export': async (req) => {
      const common = { to: req.to, gpus: req.gpus, distributed: req.distributed, force: req.overwrite === true };
      if ((req.runId === undefined) === (req.launch === undefined))
        throw new UserError('pass either a run or the wizard settings to export a recipe', { where: 'recipes.export' });
      if (req.runId !== undefined) {
        const run = getRun(ctx.db, req.runId);
        if (!run) throw new UserError(`no run with id ${req.runId}`, { hint: 'reload the runs list' });
        return exportRecipe(ctx.db, { ...common, runId: req.runId, out: req.out ?? join(run.outDir, `recipe-${req.to}`) });
      }
      const launch = launchFromRequest(req.launch!, datasetOfLaunch(ctx.db, req.launch!), ctx.home);
      const config = launch.config;
      validateTrainConfig(config);
      const out = req.out ?? join(ctx.home, 'recipes', `${config.name ?? launch.name}-${req.to}`.replace(/[^\p{L}\p{N}._-]+/gu, '-'));
      if (!req.out) mkdirSync(dirname(out), { recursive: true });
      return writeRecipe(
        ctx.db,
        { id: null, name: launch.name, modelPath: launch.modelPath, config, totalSteps: launch.totalSteps ?? null },
        { ...common, out },
      );
    },
    'runs.import': async (req) => {
      const r = await importRun(ctx.db, { dir: req.path, name: req.name, model: req.modelPath, storePath: ctx.dbPath });
      ctx.publish?.({ type: 'runs.changed' });
      return { runId: r.runId, name: r.name, tool: r.tool, steps: r.steps };
    },
  };
}
