/**
 * Nothing the product runs imports tfjs: every entry point scripts/build.mjs bundles (the CLI and
 * `serve`, the training worker, the planner probe, the dataset check, Electron main and preload) is
 * bundled here as the build does, and no module in it imports @tensorflow/* or webgpu. Those stay for
 * the reference tests only (devDependencies; docs/ARCHITECTURE.md says which).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { build } from 'esbuild';
import { repoRoot } from './test-support/paths';

const ENTRIES = [
  'src-main/cli/entry.ts',
  'src-main/workers/worker-entry.ts',
  'src-main/workers/planner/probe-entry.ts',
  'src-main/data/check/dataset-check-entry.ts',
  'src-main/electron/electron-main.ts',
  'src-main/electron/preload.ts',
];
const FORBIDDEN = /^(@tensorflow\/|webgpu$|webgpu\/)/;

for (const entry of ENTRIES) {
  test(`${entry} imports no tfjs and no webgpu`, async () => {
    const r = await build({
      entryPoints: [entry],
      absWorkingDir: repoRoot,
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      external: ['electron'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const hits: string[] = [];
    for (const [file, input] of Object.entries(r.metafile.inputs)) for (const i of input.imports) if (FORBIDDEN.test(i.path)) hits.push(`${file} -> ${i.path}`);
    assert.ok(Object.keys(r.metafile.inputs).length > 0, 'the bundle has modules');
    assert.deepEqual(hits, []);
  });
}
