// The pre-commit check: prettier --check and eslint on the files this commit adds or changes (as
// they are in the work tree), so a commit cannot bring in what `npm run lint` would refuse in CI.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const staged = spawnSync('git', ['diff', '--cached', '--name-only', '--diff-filter=ACMR', '-z'], { encoding: 'utf8' });
if (staged.status !== 0) process.exit(staged.status ?? 1);
const files = staged.stdout.split('\0').filter((f) => f && existsSync(f));
const formatted = files.filter((f) => /\.(ts|mts|js|mjs|cjs|svelte|json|md|css|html|ya?ml)$/.test(f));
const linted = files.filter((f) => /\.(ts|mts|js|mjs|cjs|svelte)$/.test(f));

function tool(name) {
  const bin = join('node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
  if (!existsSync(bin)) {
    console.error(`pre-commit: ${name} is not installed — run \`npm ci\` (or commit with --no-verify)`);
    process.exit(1);
  }
  return bin;
}

/** Runs the tool over `targets` after its `flags`; none staged: nothing to check (a bare eslint would lint the whole tree). */
function run(name, flags, targets) {
  if (!targets.length) return true;
  const r = spawnSync(tool(name), [...flags, ...targets], { stdio: 'inherit', shell: process.platform === 'win32' });
  return r.status === 0;
}

const prettierOk = run('prettier', ['--check', '--ignore-unknown'], formatted);
const eslintOk = run('eslint', ['--max-warnings', '0', '--no-warn-ignored'], linted);
if (!prettierOk) console.error('pre-commit: run `npm run format` (or `npx prettier --write FILE`), then stage the result');
if (!eslintOk) console.error('pre-commit: fix what eslint reports above (`npm run lint` checks the whole tree)');
process.exit(prettierOk && eslintOk ? 0 : 1);
