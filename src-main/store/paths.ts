/** Where Tuneloom keeps its data: $TUNELOOM_HOME (default ~/.tuneloom), the store at tuneloom.db in it. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function tuneloomHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.TUNELOOM_HOME && env.TUNELOOM_HOME.trim() ? env.TUNELOOM_HOME : join(homedir(), '.tuneloom'));
}

/** The store file: an explicit --db wins, else $TUNELOOM_HOME/tuneloom.db. */
export function resolveStorePath(dbFlag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return dbFlag ? resolve(dbFlag) : join(tuneloomHome(env), 'tuneloom.db');
}
