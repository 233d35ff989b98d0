import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { sourceFiles } from '../test-support/source-files';
import { fileURLToPath } from 'node:url';

const engineDir = dirname(fileURLToPath(import.meta.url));

// Tests beside the engine may read fixtures and helpers from test-support; the engine itself may not.
test('the engine is self-contained: no module under engine/ imports a relative path outside it', () => {
  const leaks: string[] = [];
  for (const file of sourceFiles(engineDir)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'(\.{1,2}\/[^']*)'/g)) {
      const target = resolve(dirname(file), m[1]!);
      if (target !== engineDir && !target.startsWith(engineDir + '/')) leaks.push(`${relative(engineDir, file)} imports ${m[1]}`);
    }
  }
  assert.deepEqual(leaks, [], 'move what the engine needs into engine/ (errors.ts, types.ts) and re-export it from the old path');
});
