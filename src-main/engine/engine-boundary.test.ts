import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const engineDir = dirname(fileURLToPath(import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [p] : [];
  });
}

// Tests beside the engine may read fixtures and helpers from test-support; the engine itself may not.
test('the engine is self-contained: no module under engine/ imports a relative path outside it', () => {
  const leaks: string[] = [];
  for (const file of sources(engineDir)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'(\.{1,2}\/[^']*)'/g)) {
      const target = resolve(dirname(file), m[1]!);
      if (target !== engineDir && !target.startsWith(engineDir + '/')) leaks.push(`${relative(engineDir, file)} imports ${m[1]}`);
    }
  }
  assert.deepEqual(leaks, [], 'move what the engine needs into engine/ (errors.ts, types.ts) and re-export it from the old path');
});
