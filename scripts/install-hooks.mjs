// `npm run prepare` step: points git at the repository's hooks (.githooks/pre-commit runs prettier
// and eslint on staged files). Outside a git work tree (an unpacked tarball, a packaged build) there
// is nothing to install.
import { spawnSync } from 'node:child_process';

const inside = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { encoding: 'utf8' });
if (inside.status === 0 && inside.stdout.trim() === 'true') {
  const r = spawnSync('git', ['config', 'core.hooksPath', '.githooks'], { stdio: 'inherit' });
  if (r.status !== 0) console.error('install-hooks: could not set core.hooksPath; the pre-commit check is not installed');
}
