/**
 * Starts a real `tuneloom serve` (the built dist/cli.js, as users run it) on a free port with a fresh
 * TUNELOOM_HOME and store, and returns the URL it printed (with its token).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { repoRoot, sharedFixtures, tempDir } from '../../src-main/test-support/paths';

export interface ServeHandle {
  url: string;
  origin: string;
  home: string;
  dbPath: string;
  /** The serve process (benchmarks read its CPU time, and its workers', from /proc). */
  pid: number;
  stop(): Promise<void>;
}

export async function startServe(): Promise<ServeHandle> {
  const cli = join(repoRoot, 'dist/cli.js');
  if (!existsSync(cli) || !existsSync(join(repoRoot, 'dist/renderer/index.html'))) {
    throw new Error('dist/ is not built: run `npm run build` (npm test builds before the e2e tests)');
  }
  const home = tempDir('tuneloom-e2e-');
  const dbPath = join(home, 'tuneloom.db');
  const child: ChildProcess = spawn(process.execPath, [cli, 'serve', '--port', '0', '--db', dbPath], {
    // A config folder of its own: the Settings data-folder choice never touches the user's real one.
    // The tests' datasets and models sit in temp folders and the fixtures, outside the home folder.
    env: {
      ...process.env,
      TUNELOOM_HOME: home,
      TUNELOOM_CONFIG_DIR: join(home, 'config'),
      TUNELOOM_BROWSE_FOLDERS: [tmpdir(), sharedFixtures].join(delimiter),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve printed no URL in 20 s; stderr: ${stderr}`)), 20_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /(http:\/\/\S+\?token=\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    origin: new URL(url).origin,
    home,
    dbPath,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
