/**
 * files.list: the wizard's "Browse…" dialog lists folders on the machine that runs Tuneloom. The same
 * browser serves the desktop app and `tuneloom serve` (where the browser cannot see the server's disk),
 * and it only reads names and sizes — the dataset and model paths it yields go through the usual checks.
 * Only the home folder, the data folder and the folders added with $TUNELOOM_BROWSE_FOLDERS are listed.
 */
import { readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { DirEntry, DirListing } from '../../src-shared/dto/files';
import { UserError } from '../errors';
import type { HandlerContext } from './context';
import { checkReadable, isReadable, readableRoots } from './readable-roots';
import type { HandlerTable } from './router';

/** A folder with thousands of files (a dataset dump) is cut here; the user can type the path instead. */
export const MAX_ENTRIES = 2000;

/** `roots`: the folders that may be listed (readable-roots.ts); absent: any folder (tests, the CLI). */
export function listDir(path?: string, roots?: string[]): DirListing {
  if (path && path.trim() && !isAbsolute(path.trim()))
    throw new UserError(`the folder to browse must be an absolute path, got "${path}"`, { hint: 'start from your home folder' });
  const abs = path && path.trim() ? resolve(path.trim()) : homedir();
  if (roots) checkReadable(abs, roots);
  let names: import('node:fs').Dirent[];
  try {
    names = readdirSync(abs, { withFileTypes: true });
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why =
      code === 'ENOENT'
        ? 'it does not exist'
        : code === 'ENOTDIR'
          ? 'it is a file, not a folder'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : (code ?? (err as Error).message);
    throw new UserError(`cannot list ${abs}: ${why}`, { where: abs, hint: 'pick another folder' });
  }
  const entries: DirEntry[] = [];
  for (const d of names) {
    if (d.name.startsWith('.')) continue;
    let dir = d.isDirectory();
    let size: number | null = null;
    if (d.isSymbolicLink() || d.isFile()) {
      try {
        const st = statSync(join(abs, d.name)); // follows links: a linked model folder browses as a folder
        dir = st.isDirectory();
        size = dir ? null : st.size;
      } catch {
        continue; // a dangling link
      }
    }
    entries.push({ name: d.name, dir, size });
  }
  entries.sort((a, b) => (a.dir === b.dir ? a.name.localeCompare(b.name) : a.dir ? -1 : 1));
  const parent = dirname(abs);
  const parentShown = parent !== abs && (!roots || isReadable(parent, roots));
  return { path: abs, parent: parentShown ? parent : null, entries: entries.slice(0, MAX_ENTRIES), truncated: entries.length > MAX_ENTRIES };
}

export function filesHandlers(ctx: Pick<HandlerContext, 'home'>): Pick<HandlerTable, 'files.list'> {
  const roots = readableRoots(ctx.home);
  return { 'files.list': ({ path }) => listDir(path, roots) };
}
