/**
 * Where Tuneloom keeps its data. In order: $TUNELOOM_HOME; the data folder chosen in Settings (kept in
 * a small location file in the user's config folder, since it cannot live inside the folder it points
 * to); ~/.tuneloom. The store is tuneloom.db in it.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../errors';
import { makeDirs } from '../safe-dirs';

export type HomeSource = 'env' | 'settings' | 'default';

/** The per-user config folder for the location file ($TUNELOOM_CONFIG_DIR overrides it, e.g. in tests). */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TUNELOOM_CONFIG_DIR?.trim()) return resolve(env.TUNELOOM_CONFIG_DIR);
  if (process.platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'Tuneloom');
  return join(env.XDG_CONFIG_HOME?.trim() ? env.XDG_CONFIG_HOME : join(homedir(), '.config'), 'tuneloom');
}

export const locationFile = (env: NodeJS.ProcessEnv = process.env): string => join(configDir(env), 'location.json');

/** The data folder chosen in Settings, or null (none chosen, or an unreadable file: then the default applies). */
export function preferredHome(env: NodeJS.ProcessEnv = process.env): string | null {
  try {
    const home = (JSON.parse(readFileSync(locationFile(env), 'utf8')) as { home?: unknown }).home;
    return typeof home === 'string' && isAbsolute(home) ? home : null;
  } catch {
    return null;
  }
}

export function homeInfo(env: NodeJS.ProcessEnv = process.env): { home: string; source: HomeSource } {
  if (env.TUNELOOM_HOME?.trim()) return { home: resolve(env.TUNELOOM_HOME), source: 'env' };
  const chosen = preferredHome(env);
  return chosen ? { home: resolve(chosen), source: 'settings' } : { home: join(homedir(), '.tuneloom'), source: 'default' };
}

export function tuneloomHome(env: NodeJS.ProcessEnv = process.env): string {
  return homeInfo(env).home;
}

/**
 * Records `dir` as the data folder from the next start on (created if missing, checked writable). The
 * running app keeps its current folder; nothing is moved. Returns the absolute folder.
 */
export function setPreferredHome(dir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!isAbsolute(dir))
    throw new UserError(`the data folder must be an absolute path, got "${dir}"`, { hint: 'give a full path such as /home/me/tuneloom-data or D:\\tuneloom' });
  const abs = resolve(dir);
  makeDirs(abs, { what: 'the data folder', hint: 'pick a folder you can write to' });
  try {
    if (!statSync(abs).isDirectory()) throw new Error('not a folder');
    accessSync(abs, constants.W_OK);
  } catch (err) {
    const why = (err as { code?: string }).code ?? (err as Error).message;
    throw new UserError(`cannot use ${abs} as the data folder (${why})`, { where: abs, hint: 'pick a folder you can write to' });
  }
  const file = locationFile(env);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify({ home: abs }, null, 2) + '\n');
  renameSync(tmp, file); // atomic: a crash never leaves a half-written location file
  return abs;
}

/** The store file: an explicit --db wins, else tuneloom.db in the data folder. */
export function resolveStorePath(dbFlag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return dbFlag ? resolve(dbFlag) : join(tuneloomHome(env), 'tuneloom.db');
}

export const storeExistsIn = (home: string): boolean => existsSync(join(home, 'tuneloom.db'));
