/**
 * Where a child process's entry script is. Tuneloom runs heavy or crash-prone work in child processes
 * (training workers, the backend probe, CLI jobs for the playground, evals and exports). From source
 * (dev, tests) the entry is a .ts file run through tsx's loader; from the bundle it is the .js file that
 * scripts/build.mjs writes beside it in dist/.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ChildEntry {
  file: string;
  execArgv: string[];
}

/** A TypeScript entry run through tsx's loader, resolved from this package so the cwd does not matter. */
export function tsEntry(file: string): ChildEntry {
  let loader = 'tsx';
  try {
    loader = import.meta.resolve('tsx');
  } catch {
    /* fall back to the bare name, resolved from the cwd */
  }
  return { file, execArgv: ['--import', loader] };
}

/**
 * The entry for code in the module at `callerUrl` (its import.meta.url): `source` (relative to that
 * module's folder) when running from source, else `bundled` in the bundle's folder.
 */
export function childEntry(callerUrl: string, source: string, bundled: string): ChildEntry {
  const here = fileURLToPath(callerUrl);
  return here.endsWith('.ts') ? tsEntry(join(dirname(here), source)) : { file: join(dirname(here), bundled), execArgv: [] };
}
