/**
 * Each child process's entry is named twice, as a source path relative to the caller and as the
 * bundle file scripts/build.mjs writes; a moved module must keep both true. This walks every
 * childEntry(import.meta.url, source, bundled) call in src-main.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { sourceFiles } from '../test-support/source-files';
import { repoRoot } from '../test-support/paths';

const srcMain = join(repoRoot, 'src-main');

test('every child entry names a source file that exists and a bundle file the build writes', () => {
  const build = readFileSync(join(repoRoot, 'scripts/build.mjs'), 'utf8');
  const calls: string[] = [];
  for (const file of sourceFiles(srcMain)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/childEntry\(import\.meta\.url, '([^']+)', '([^']+)'\)/g)) {
      const [, source, bundled] = m;
      const where = relative(repoRoot, file);
      const target = resolve(dirname(file), source!);
      assert.ok(existsSync(target), `${where}: the source entry ${source} does not exist`);
      assert.ok(build.includes(`in: '${relative(repoRoot, target)}'`), `${where}: scripts/build.mjs does not bundle ${relative(repoRoot, target)}`);
      assert.ok(build.includes(`out: 'dist/${bundled}'`), `${where}: scripts/build.mjs writes no dist/${bundled}`);
      calls.push(where);
    }
  }
  assert.ok(calls.length >= 4, `found the child entries of ${calls.join(', ')}`);
});
