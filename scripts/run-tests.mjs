// The test command: type-check, then node's test runner over every *.test.ts (unit + integration,
// run from source through tsx), then the e2e browser tests in e2e/ against a built `tuneloom serve`.
//   node scripts/run-tests.mjs            all of it (what `npm test` and CI run)
//   node scripts/run-tests.mjs --unit     type-check + unit/integration only
//   node scripts/run-tests.mjs --e2e      e2e only (builds first)
//   node scripts/run-tests.mjs FILE...    just those test files
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const e2eOnly = args.includes('--e2e');
const explicit = args.filter((a) => !a.startsWith('--'));

function findTests(dir, suffix) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p, suffix));
    else if (name.endsWith(suffix)) out.push(relative(root, p));
  }
  return out.sort();
}

function run(cmd, cmdArgs, env = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

// --test-timeout is a hang guard, not a timing: the lavapipe (software Vulkan) files took up to 10 min on
// the 2-core machine when other jobs loaded it (one test 415 s at load average 8), so the guard is 20 min.
const nodeTest = (files) => run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=1200000', ...files]);

if (explicit.length) process.exit(nodeTest(explicit));

let failed = 0;
if (!e2eOnly) {
  if (run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit']) !== 0) {
    console.error('type-check failed');
    failed++;
  }
  // The renderer has its own tsconfig (DOM + .svelte files); svelte-check takes ~20 s on 2 cores.
  if (
    run(process.execPath, [
      join(root, 'node_modules/svelte-check/bin/svelte-check'),
      '--tsconfig',
      'src-renderer/tsconfig.json',
      '--threshold',
      'warning',
      '--output',
      'human',
    ]) !== 0
  ) {
    console.error('renderer type-check (svelte-check) failed');
    failed++;
  }
}
const files = [];
if (!e2eOnly) files.push(...['src-main', 'src-shared', 'scripts'].flatMap((d) => findTests(join(root, d), '.test.ts')));
if (!unitOnly) {
  if (run(process.execPath, [join(root, 'scripts/build.mjs')]) !== 0) failed++;
  files.push(...findTests(join(root, 'e2e'), '.e2e.ts'));
}
if (files.length && nodeTest(files) !== 0) failed++;
process.exit(failed ? 1 : 0);
