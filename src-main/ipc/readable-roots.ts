/**
 * The folders the API may list (files.list) and read the first lines of (datasets.inspect, .columns,
 * .import): the user's home, the data folder and the app's demo resources, plus the folders in
 * $TUNELOOM_BROWSE_FOLDERS (separated like PATH). Whoever holds a serve token should not be able to
 * read /etc or another user's files through the dataset preview. A dataset already registered in
 * the store stays readable wherever it is: it was chosen by the user.
 */
import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, relative, resolve } from 'node:path';
import { UserError } from '../errors';
import { findDemoResources } from '../models/demo/ensure-demo';

export const BROWSE_FOLDERS_ENV = 'TUNELOOM_BROWSE_FOLDERS';

const real = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
};

export function readableRoots(dataDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const roots = [homedir(), dataDir];
  try {
    roots.push(findDemoResources());
  } catch {
    // no demo resources installed: nothing to add
  }
  for (const p of (env[BROWSE_FOLDERS_ENV] ?? '').split(delimiter)) if (p.trim() && isAbsolute(p.trim())) roots.push(p.trim());
  return [...new Set(roots.map(real))];
}

/** Whether `path` (links resolved) is one of the roots or inside one. */
export function isReadable(path: string, roots: string[]): boolean {
  const p = real(path);
  return roots.some((r) => {
    const rel = relative(r, p);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  });
}

export function checkReadable(path: string, roots: string[], allowed: (abs: string) => boolean = () => false): string {
  const abs = resolve(path);
  if (isReadable(abs, roots) || allowed(abs)) return abs;
  throw new UserError('this path is outside the folders Tuneloom may read (your home folder and the data folder)', {
    where: abs,
    hint: `move the file there, or add its folder to ${BROWSE_FOLDERS_ENV} before starting Tuneloom`,
  });
}
