/**
 * `tuneloom train`'s inputs checked before anything exists: no backend probe, no store row, no --out
 * folder. A typo in a path is one line naming the flag; an --out folder holding someone else's work is
 * refused unless --force (as `tuneloom export` does), so a new run never mixes its adapter and
 * checkpoints into an older run's folder.
 */
import { accessSync, constants, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { UserError } from '../errors';
import type { TrainConfig } from '../engine/train/train-config';
import { modelConfigHash } from './run-spec';

function kindOf(path: string): 'file' | 'folder' | 'missing' {
  if (!existsSync(path)) return 'missing';
  return statSync(path).isDirectory() ? 'folder' : 'file';
}

function needFile(path: string | undefined, flag: string, what: string): void {
  if (path === undefined) return;
  const abs = resolve(path);
  const kind = kindOf(abs);
  if (kind === 'missing') throw new UserError(`${what} not found`, { where: abs, hint: `check the --${flag} path` });
  if (kind === 'folder') throw new UserError(`${what} is a folder, not a file`, { where: abs, hint: `pass a file to --${flag}` });
}

function needFolderWith(path: string | undefined, flag: string, file: string, what: string): void {
  if (path === undefined) return;
  const abs = resolve(path);
  if (kindOf(abs) !== 'folder') throw new UserError(`${what} folder not found`, { where: abs, hint: `check the --${flag} path` });
  if (!existsSync(join(abs, file))) throw new UserError(`no ${file} in the ${what} folder`, { where: abs, hint: `pass --${flag} a folder that holds ${file}` });
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when `inner` is `outer` or lies inside it. */
function isInside(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Throws a UserError for the first bad input. --out may be new, empty, the folder of the checkpoint
 * passed to --resume (this run's own folder), or anything when `force` is set (then it is emptied).
 */
export function checkTrainInputs(cfg: TrainConfig, opts: { force: boolean }): void {
  modelConfigHash(resolve(cfg.model));
  needFile(cfg.data, 'data', 'data file');
  needFile(cfg.valData, 'val-data', 'validation data file');
  needFile(cfg.samplePrompts, 'sample-prompts', 'sample prompts file');
  needFolderWith(cfg.initAdapter, 'init-adapter', 'adapter_config.json', 'adapter');
  needFolderWith(cfg.resumeFrom, 'resume', 'trainer_state.json', 'checkpoint');

  const out = resolve(cfg.out);
  const kind = kindOf(out);
  if (kind === 'file') throw new UserError('--out is a file, not a folder', { where: out, hint: 'choose a new --out folder' });
  if (kind === 'missing') {
    // It will be created: its nearest existing parent must be a folder we can write to.
    let parent = dirname(out);
    while (kindOf(parent) === 'missing' && dirname(parent) !== parent) parent = dirname(parent);
    const why = kindOf(parent) === 'file' ? 'ENOTDIR' : writable(parent) ? null : 'EACCES';
    if (why) throw new UserError(`--out folder is not writable (${why})`, { where: out, hint: 'choose a folder you can write to' });
    return;
  }
  if (readdirSync(out).length === 0) return;
  if (cfg.resumeFrom && isInside(resolve(cfg.resumeFrom), out)) return;
  if (!opts.force) {
    throw new UserError('the --out folder already exists and is not empty', { where: out, hint: 'choose a new --out folder, or pass --force to replace it' });
  }
  // --force replaces the folder: nothing of the older run stays mixed in with the new one.
  for (const name of readdirSync(out)) rmSync(join(out, name), { recursive: true, force: true });
}
