// Builds everything `npm start`, `tuneloom` and `npm run dist` need into dist/:
//   dist/cli.js            the tuneloom CLI (also `serve`)
//   dist/worker.js         the training worker (child process)
//   dist/probe.js          the planner's backend probe (child process: backend + calibration matmul)
//   dist/electron-main.js  Electron main process;  dist/preload.cjs  its sandboxed preload (CJS)
//   dist/renderer/         the Svelte UI (vite)
// Node packages stay external: they are resolved from node_modules at run time (native modules
// such as better-sqlite3 and koffi cannot be bundled).
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const at = (p) => join(root, p);
const only = process.argv.includes('--node-only') ? 'node' : process.argv.includes('--renderer-only') ? 'renderer' : 'all';

const nodeEntries = [
  { in: 'src-main/cli/entry.ts', out: 'dist/cli.js', format: 'esm' },
  { in: 'src-main/workers/worker-entry.ts', out: 'dist/worker.js', format: 'esm' },
  { in: 'src-main/workers/planner/probe-entry.ts', out: 'dist/probe.js', format: 'esm' },
  { in: 'src-main/data/check/dataset-check-entry.ts', out: 'dist/dataset-check.js', format: 'esm' },
  { in: 'src-main/electron/electron-main.ts', out: 'dist/electron-main.js', format: 'esm' },
  { in: 'src-main/electron/preload.ts', out: 'dist/preload.cjs', format: 'cjs' },
].filter((e) => existsSync(at(e.in)));

if (only !== 'renderer') {
  await Promise.all(
    nodeEntries.map((e) =>
      build({
        entryPoints: [at(e.in)],
        outfile: at(e.out),
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: e.format,
        packages: 'external',
        external: ['electron'],
        sourcemap: true,
        logLevel: 'warning',
        // ESM bundles that mention require() (e.g. createRequire users) need it defined.
        banner:
          e.format === 'esm'
            ? { js: "import { createRequire as __tlCreateRequire } from 'node:module'; const require = __tlCreateRequire(import.meta.url);" }
            : undefined,
      }),
    ),
  );
}

if (only !== 'node' && existsSync(at('src-renderer/index.html'))) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: at('src-renderer/vite.config.ts'), logLevel: 'warn' });
}
console.log(`tuneloom build: ${nodeEntries.length} node entries${only !== 'node' && existsSync(at('src-renderer/index.html')) ? ' + renderer' : ''} -> dist/`);
