/**
 * `tuneloom train` through the same supervisor, worker process and store as the app: the run is recorded
 * (--db) with everything needed to reproduce it, its events come back as TrainEvents for the command's
 * own printing, and a second run on a busy GPU is refused with one line.
 */
import { resolve } from 'node:path';
import type { TrainConfig } from '../engine/train/train-config';
import type { DoneEvent } from '../engine/train/train-events';
import { validateTrainConfig } from '../engine/train/validate-config';
import { checkTrainInputs } from './check-train-inputs';
import { datasetSpecForCli } from './run-spec';
import { openStore } from '../store/db';
import { resolveStorePath } from '../store/paths';
import type { ForegroundHooks } from './foreground';
import { superviseInForeground } from './foreground';
import { recoverInterruptedRuns } from './recovery';
import { RunSupervisor } from './supervisor';
import { supervisorOptionsFrom } from './supervisor-settings';

export interface SupervisedTrainOptions {
  db?: string;
  backend?: string;
  name: string;
  /** Replace a non-empty --out folder that is not this run's (otherwise refused). */
  force?: boolean;
  /** Called once the run has its id in the store. */
  onRunId?(id: number): void;
}

/** Paths made absolute: the worker, and a resume months later, may run from another directory. */
function absolutePaths(c: TrainConfig): TrainConfig {
  const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolve(p));
  return {
    ...c,
    model: resolve(c.model),
    data: resolve(c.data),
    out: resolve(c.out),
    initAdapter: abs(c.initAdapter),
    valData: abs(c.valData),
    samplePrompts: abs(c.samplePrompts),
    resumeFrom: abs(c.resumeFrom),
  };
}

export async function trainThroughSupervisor(raw: TrainConfig, hooks: ForegroundHooks, opts: SupervisedTrainOptions): Promise<DoneEvent> {
  const config = absolutePaths(raw);
  // Bad flags and missing files are refused here, before a run row, a worker or --out exists.
  validateTrainConfig(config);
  checkTrainInputs(config, { force: opts.force ?? false });
  const db = openStore(resolveStorePath(opts.db));
  recoverInterruptedRuns(db);
  const sup = new RunSupervisor(db, supervisorOptionsFrom(db, { whenBusy: 'refuse' }));
  try {
    // The file is hashed here, once, streamed (or its library row is found), not again in the launch.
    const dataset = config.dataset ?? (await datasetSpecForCli(db, config.data));
    const id = sup.enqueue({
      name: opts.name,
      method: config.method,
      modelPath: config.model,
      dataPath: config.data,
      valDataPath: config.valData ?? null,
      outDir: config.out,
      seed: config.seed,
      backend: opts.backend && opts.backend !== 'auto' ? opts.backend : null,
      totalSteps: config.maxSteps ?? null,
      config: { ...config, ...(dataset ? { dataset } : {}) },
      ...(dataset ? { dataset } : {}),
    });
    opts.onRunId?.(id);
    return await superviseInForeground(sup, db, id, hooks);
  } finally {
    await sup.close();
    db.close();
  }
}
