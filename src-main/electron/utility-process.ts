/**
 * Electron's utilityProcess, for the training worker when Tuneloom runs inside Electron's main process
 * (workers/worker-client.ts forks plain Node children everywhere else). Electron is imported when the
 * fork happens, never at load, so the modules that import this one still run on plain Node.
 */
import type { Readable } from 'node:stream';

export interface UtilityProcessLike {
  pid: number | undefined;
  postMessage(msg: unknown): void;
  kill(): boolean;
  stdout: Readable | null;
  stderr: Readable | null;
  on(event: 'message', fn: (msg: unknown) => void): void;
  on(event: 'exit', fn: (code: number) => void): void;
}

/** The part of Electron's utilityProcess.fork options we use (Electron's ForkOptions). */
export interface UtilityForkOptions {
  serviceName: string;
  execArgv: string[];
  env: NodeJS.ProcessEnv;
  stdio: 'pipe';
}

export function isElectronMain(): boolean {
  return Boolean(process.versions.electron) && (process as unknown as { type?: string }).type === 'browser';
}

export async function forkUtilityProcess(modulePath: string, opts: UtilityForkOptions): Promise<UtilityProcessLike> {
  const electron = (await import('electron')) as unknown as {
    utilityProcess: { fork(modulePath: string, args: string[], opts: UtilityForkOptions): UtilityProcessLike };
  };
  return electron.utilityProcess.fork(modulePath, [], opts);
}
