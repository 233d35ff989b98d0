/**
 * Where an export writes: a fresh folder, never an existing one unless the user passed --force and
 * that folder is a previous export of ours (it holds EXPORT_MARKER); never the data folder or the store.
 * Files go to a hidden sibling folder first and are renamed into place at the end, so an export
 * that fails half-way (a full disk, a crash) leaves no half-written model behind under the name
 * the user asked for. A full disk becomes one line saying how much space the export needs.
 */
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { UserError } from '../errors';
import { tuneloomHome } from '../store/paths';

export interface StagedOutput {
  /** The folder the user asked for. */
  finalDir: string;
  /** Where files are written until `commit()`. */
  stagingDir: string;
  commit(): void;
  abort(): void;
}

const GB = 1e9;

export function formatBytes(bytes: number): string {
  return bytes >= GB ? `${(bytes / GB).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * Written into every export folder when it is committed. Only a folder holding it may be replaced:
 * "overwrite" must never delete a folder of the user's (or the data folder) that merely sits where
 * an export was asked for.
 */
export const EXPORT_MARKER = '.tuneloom-export.json';

/** Paths an export may never replace, nor any folder above them: the data folder and the store. */
export function protectedPaths(storePath?: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const home = tuneloomHome(env);
  return [home, join(home, 'tuneloom.db'), ...(storePath ? [resolve(storePath)] : [])];
}

/** The real path where it exists (a symlinked --out must not slip past the guard), else the resolved one. */
const real = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
};

const isSameOrAbove = (dir: string, path: string): boolean => {
  const rel = relative(real(dir), real(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/**
 * Refuses a target that is a file, the data folder, the store or a folder above either, and a
 * non-empty folder unless `force` is given and the folder is a previous export of ours.
 * `flag` names the option for the hint (`--force` in the CLI, "confirm" in the app).
 */
export function checkExportTarget(finalDir: string, opts: { force: boolean; protect: string[]; forceHint?: string }): void {
  const guarded = opts.protect.find((p) => isSameOrAbove(finalDir, p));
  if (guarded !== undefined) {
    throw new UserError(`the export folder is ${resolve(guarded) === finalDir ? '' : 'a folder above '}Tuneloom's data folder or store (${resolve(guarded)})`, {
      where: finalDir,
      hint: 'choose a new folder for the export',
    });
  }
  if (!existsSync(finalDir)) return;
  if (!statSync(finalDir).isDirectory())
    throw new UserError('the export path exists and is a file', { where: finalDir, hint: 'choose a new folder for the export' });
  if (readdirSync(finalDir).length === 0) return;
  if (!opts.force) {
    throw new UserError('the export folder already exists and is not empty', {
      where: finalDir,
      hint: opts.forceHint ?? 'choose a new --out folder, or pass --force to replace it',
    });
  }
  if (!existsSync(join(finalDir, EXPORT_MARKER))) {
    throw new UserError(`the folder is not a Tuneloom export (it has no ${EXPORT_MARKER}), so it is never replaced`, {
      where: finalDir,
      hint: 'choose a new or empty folder for the export',
    });
  }
}

/**
 * Puts `stagingDir` in the place of `finalDir` with renames only: the old export (checked by
 * checkExportTarget) moves aside, the new one moves in, then the old one is removed. A failed
 * second rename puts the old one back, so the user never ends up with neither.
 */
export function swapInto(stagingDir: string, finalDir: string): void {
  if (!existsSync(finalDir)) return renameSync(stagingDir, finalDir);
  const old = join(dirname(finalDir), `.${basename(finalDir)}.old-${process.pid}`);
  rmSync(old, { recursive: true, force: true });
  renameSync(finalDir, old);
  try {
    renameSync(stagingDir, finalDir);
  } catch (err) {
    renameSync(old, finalDir);
    throw err;
  }
  rmSync(old, { recursive: true, force: true });
}

export function stageOutput(out: string, opts: { force: boolean; neededBytes: number; protect?: string[]; kind?: string }): StagedOutput {
  const finalDir = resolve(out);
  checkExportTarget(finalDir, { force: opts.force, protect: opts.protect ?? protectedPaths() });
  const parent = dirname(finalDir);
  if (!existsSync(parent)) throw new UserError('the parent folder of --out does not exist', { where: parent, hint: 'create it first or choose another --out' });
  checkFreeSpace(parent, opts.neededBytes);
  const stagingDir = join(parent, `.${basename(finalDir)}.partial-${process.pid}`);
  rmSync(stagingDir, { recursive: true, force: true });
  try {
    mkdirSync(stagingDir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new UserError(`cannot create the export folder here (${code})`, { where: parent, hint: 'choose an --out in a folder you can write to' });
  }
  return {
    finalDir,
    stagingDir,
    commit() {
      writeFileSync(join(stagingDir, EXPORT_MARKER), JSON.stringify({ tuneloom: 'export', kind: opts.kind ?? null, created: new Date().toISOString() }) + '\n');
      swapInto(stagingDir, finalDir);
    },
    abort() {
      rmSync(stagingDir, { recursive: true, force: true });
    },
  };
}

function checkFreeSpace(dir: string, neededBytes: number): void {
  let free: number;
  try {
    const s = statfsSync(dir);
    free = s.bavail * s.bsize;
  } catch {
    return; // no statfs here: the write itself will report ENOSPC
  }
  if (free < neededBytes) {
    throw new UserError(`not enough disk space: the export needs about ${formatBytes(neededBytes)}, ${formatBytes(free)} is free`, {
      where: dir,
      hint: 'free some space or choose --out on another disk',
    });
  }
}

/** Maps a full disk (or quota) during the export to one line; other errors pass through. */
export function diskFullError(err: unknown, file: string, neededBytes: number): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new UserError(`disk full while writing the export (it needs about ${formatBytes(neededBytes)})`, {
      where: file,
      hint: 'free some space or choose --out on another disk; nothing was left behind',
    });
  }
  return err;
}
