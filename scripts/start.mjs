// `npm start`: the desktop app when Electron's binary is installed, else `tuneloom serve` in a browser.
// Builds dist/ first when it is missing or older than the sources.
//
// The Electron binary is looked up the way node_modules/electron/index.js does (path.txt + dist/), but
// without calling require('electron'): in this Electron version that require starts a download when the
// binary is missing, which hangs on offline machines.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

function distIsStale() {
  const outputs = ['dist/cli.js', 'dist/electron-main.js', 'dist/preload.cjs', 'dist/renderer/index.html'].map((p) => join(root, p));
  if (!outputs.every(existsSync)) return true;
  const built = Math.min(...outputs.map((p) => statSync(p).mtimeMs));
  const sources = Math.max(...['src-main', 'src-shared', 'src-renderer'].map((d) => newestMtime(join(root, d))));
  return sources > built;
}

function electronBinary() {
  const pkg = join(root, 'node_modules/electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const rel = readFileSync(pathFile, 'utf8').trim();
  const base = process.env.ELECTRON_OVERRIDE_DIST_PATH || join(pkg, 'dist');
  const bin = join(base, rel);
  return existsSync(bin) ? bin : null;
}

if (distIsStale()) {
  console.log('tuneloom: building dist/ (missing or older than the sources)…');
  const r = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const electron = electronBinary();
const [cmd, cmdArgs] = electron
  ? [electron, [root, ...args]]
  : (console.log(
      "tuneloom: Electron's binary is not installed here (node_modules/electron/dist is missing), so starting `tuneloom serve` — open the URL below in a browser.",
    ),
    [process.execPath, [join(root, 'dist/cli.js'), 'serve', ...args]]);
const child = spawn(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
