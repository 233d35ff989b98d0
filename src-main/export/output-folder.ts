/**
 * Where an export writes: a fresh folder, never an existing one unless the user passed --force.
 * Files go to a hidden sibling folder first and are renamed into place at the end, so an export
 * that fails half-way (a full disk, a crash) leaves no half-written model behind under the name
 * the user asked for. A full disk becomes one line saying how much space the export needs.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statfsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../errors';

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

export function stageOutput(out: string, opts: { force: boolean; neededBytes: number }): StagedOutput {
  const finalDir = resolve(out);
  if (existsSync(finalDir)) {
    if (!statSync(finalDir).isDirectory()) {
      throw new UserError('the export path exists and is a file', { where: finalDir, hint: 'choose a new folder for --out' });
    }
    if (readdirSync(finalDir).length > 0 && !opts.force) {
      throw new UserError('the export folder already exists and is not empty', { where: finalDir, hint: 'choose a new --out folder, or pass --force to replace it' });
    }
  }
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
      if (existsSync(finalDir)) rmSync(finalDir, { recursive: true, force: true });
      renameSync(stagingDir, finalDir);
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
