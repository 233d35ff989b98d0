/**
 * Disk hygiene: keep the last K checkpoints plus the best by eval loss, report what a run occupies, and
 * delete a run with its files. Only folders inside the run's own --out are ever removed, and only the
 * files Tuneloom wrote there: a user who pointed --out at a folder with other things in it keeps them.
 */
import { existsSync, lstatSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { join, relative, resolve, isAbsolute } from 'node:path';
import { UserError } from '../errors';
import type { Db } from '../store/db';
import { keptCheckpoints, markCheckpointPruned, listCheckpoints } from '../store/queries/checkpoints';
import { deleteRunRow, LIVE_STATUSES } from '../store/queries/run-lifecycle';
import { getRun } from '../store/queries/runs';

export interface RetentionPolicy {
  /** How many of the newest checkpoints stay on disk (at least 1: resume needs the last). */
  keepLast: number;
  /** Also keep the checkpoint with the lowest eval loss. */
  keepBest: boolean;
}

export const DEFAULT_RETENTION: RetentionPolicy = { keepLast: 3, keepBest: true };

/** The files a finished adapter consists of, besides checkpoints (PEFT's names, and our run notes). */
const ADAPTER_FILES = ['adapter_config.json', 'adapter_model.safetensors', 'adapter_model.json', 'training_args.json', 'trainer_state.json', 'README.md'];

export function isInside(parent: string, child: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** Removes checkpoints outside the policy; returns the pruned steps. */
export function pruneCheckpoints(db: Db, runId: number, policy: RetentionPolicy = DEFAULT_RETENTION): number[] {
  const run = getRun(db, runId);
  if (!run) return [];
  const kept = keptCheckpoints(db, runId);
  const keep = new Set(kept.slice(-Math.max(1, policy.keepLast)).map((c) => c.step));
  if (policy.keepBest) {
    const scored = kept.filter((c) => c.evalLoss !== null);
    if (scored.length) keep.add(scored.reduce((best, c) => (c.evalLoss! < best.evalLoss! ? c : best)).step);
  }
  const pruned: number[] = [];
  for (const c of kept) {
    if (keep.has(c.step)) continue;
    if (isInside(run.outDir, c.path)) rmSync(c.path, { recursive: true, force: true });
    markCheckpointPruned(db, runId, c.step);
    pruned.push(c.step);
  }
  return pruned;
}

export function diskUsage(path: string): number {
  if (!existsSync(path)) return 0;
  const st = lstatSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + diskUsage(join(path, name)), 0);
}

/** Bytes the run's --out folder holds (checkpoints and adapter). */
export function runDiskBytes(db: Db, runId: number): number {
  const run = getRun(db, runId);
  return run ? diskUsage(run.outDir) : 0;
}

/** Deletes the run's row (metrics, samples, checkpoints, evals and logs cascade) and the files it wrote. */
export function deleteRunWithFiles(db: Db, runId: number): { freedBytes: number } {
  const run = getRun(db, runId);
  if (!run) throw new UserError(`no run with id ${runId}`, { hint: 'list runs with `tuneloom runs list`' });
  if (LIVE_STATUSES.includes(run.status)) {
    throw new UserError(`run ${runId} is ${run.status}`, { hint: 'stop it before deleting it' });
  }
  const before = diskUsage(run.outDir);
  for (const c of listCheckpoints(db, runId)) if (isInside(run.outDir, c.path)) rmSync(c.path, { recursive: true, force: true });
  for (const name of ADAPTER_FILES) rmSync(join(run.outDir, name), { force: true });
  for (const dir of [join(run.outDir, 'checkpoints'), run.outDir]) removeIfEmpty(dir);
  deleteRunRow(db, runId);
  return { freedBytes: before - diskUsage(run.outDir) };
}

function removeIfEmpty(dir: string): void {
  try {
    if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    /* not empty or not ours to remove */
  }
}

/**
 * What a worker killed mid-write leaves in its run folder (and its checkpoints/ subfolder): temp
 * folders and files named `*.tmp-PID`, and `*.old-PID` (the previous checkpoint moved aside just
 * before the new one moved in). Temps are removed; an old copy whose new one never arrived is put
 * back, else removed. Only names with this worker's pid are touched.
 */
export function removeWorkerLeftovers(outDir: string, pid: number): string[] {
  const touched: string[] = [];
  for (const dir of [outDir, join(outDir, 'checkpoints')]) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (name.endsWith(`.tmp-${pid}`)) {
        rmSync(path, { recursive: true, force: true });
        touched.push(path);
      } else if (name.endsWith(`.old-${pid}`)) {
        const target = path.slice(0, -`.old-${pid}`.length);
        if (existsSync(target)) rmSync(path, { recursive: true, force: true });
        else renameSync(path, target);
        touched.push(path);
      }
    }
  }
  return touched;
}
