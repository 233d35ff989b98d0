/**
 * Creating the folders a user names (the data folder, --db's folder, --out, TUNELOOM_HOME) without
 * hanging: Node's `mkdirSync(p, {recursive: true})` loops for ever under /proc (mkdir there keeps
 * answering ENOENT), synchronously, so not even SIGTERM ends the process. Here a path is checked
 * first (absolute, bounded length and depth, not on a kernel file system such as proc or sysfs, nor
 * under /dev), then created one component at a time, each mkdir tried once.
 */
import { existsSync, mkdirSync, statfsSync, statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { UserError } from './errors';

const MAX_PATH_CHARS = 4096;
const MAX_DEPTH = 128;

/** statfs f_type of the Linux pseudo file systems no user data belongs on. */
const SPECIAL_FS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x1cd1: 'devpts',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x73636673: 'securityfs',
  0x6165676c: 'pstore',
  0xcafe4a11: 'bpf',
  0x62656570: 'configfs',
  0x42494e4d: 'binfmt_misc',
  0x19800202: 'mqueue',
};

/** Roots refused by name as well (devtmpfs reports tmpfs's type). */
const SPECIAL_ROOTS = process.platform === 'linux' ? ['/proc', '/sys', '/dev'] : [];

export interface DirCheck {
  /** What the folder is, for the message: "the data folder", "--out". */
  what: string;
  /** What to do, for the message. */
  hint: string;
}

const fail = (path: string, why: string, c: DirCheck): never => {
  throw new UserError(`cannot use this path for ${c.what}: ${why}`, { where: path, hint: c.hint });
};

/** The nearest existing ancestor of `abs` (itself when it exists), found in at most MAX_DEPTH steps. */
function nearestExisting(abs: string, c: DirCheck): string {
  let p = abs;
  for (let i = 0; i <= MAX_DEPTH; i++) {
    if (existsSync(p)) return p;
    const up = dirname(p);
    if (up === p) return p;
    p = up;
  }
  return fail(abs, `it is more than ${MAX_DEPTH} folders deep`, c);
}

/** Refuses a path Tuneloom must not create or write to; returns it absolute. Creates nothing. */
export function checkDirPath(path: string, c: DirCheck): string {
  if (path.includes('\0')) fail(path, 'it contains a NUL character', c);
  const abs = resolve(path);
  if (abs.length > MAX_PATH_CHARS) fail(abs.slice(0, 80) + '…', `it is longer than ${MAX_PATH_CHARS} characters`, c);
  if (abs.split(sep).length > MAX_DEPTH) fail(abs, `it is more than ${MAX_DEPTH} folders deep`, c);
  const root = SPECIAL_ROOTS.find((r) => abs === r || abs.startsWith(r + '/'));
  if (root) fail(abs, `${root} is a system folder of the kernel, not a place for files`, c);
  const existing = nearestExisting(abs, c);
  let type: number | null = null;
  try {
    type = Number(statfsSync(existing).type);
  } catch {
    // no statfs (an odd platform): the mkdir below still tries each component once
  }
  const fs = type === null ? undefined : SPECIAL_FS[type];
  if (fs) fail(abs, `it is on the ${fs} file system of the kernel, not a place for files`, c);
  if (!statSync(existing).isDirectory()) fail(abs, existing === abs ? 'it is a file, not a folder' : `${existing} is a file, not a folder`, c);
  return abs;
}

/**
 * checkDirPath, then creates the missing folders one by one. A failing mkdir is one line with its
 * code (EACCES, EROFS, ENOSPC, ...).
 */
export function makeDirs(path: string, c: DirCheck): string {
  const abs = checkDirPath(path, c);
  const missing: string[] = [];
  for (let p = abs; !existsSync(p); p = dirname(p)) {
    missing.unshift(p);
    if (dirname(p) === p || missing.length > MAX_DEPTH) break;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statSync(dir).isDirectory()) continue;
      fail(dir, `cannot create the folder (${code ?? (err as Error).message}${code === 'EROFS' ? ': the file system is read-only' : ''})`, c);
    }
  }
  return abs;
}
