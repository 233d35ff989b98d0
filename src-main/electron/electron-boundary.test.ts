/**
 * The Electron shell is one folder: only modules under src-main/electron/ import `electron`, so
 * `tuneloom serve`, the CLI and the child processes run on plain Node (the Electron binary is not
 * needed to build, test or run them).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const shellDir = dirname(fileURLToPath(import.meta.url));
const srcMain = dirname(shellDir);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [p] : [];
  });
}

test('only src-main/electron/ imports electron', () => {
  const outside: string[] = [];
  const inside: string[] = [];
  for (const file of sources(srcMain)) {
    if (!/(?:\bfrom|\bimport)\s*\(?\s*'electron'/.test(readFileSync(file, 'utf8'))) continue;
    (file.startsWith(shellDir + '/') ? inside : outside).push(relative(srcMain, file));
  }
  assert.deepEqual(outside, [], 'move Electron code into src-main/electron/');
  assert.ok(inside.includes('electron/electron-main.ts') && inside.includes('electron/preload.ts'), `the shell's modules: ${inside.join(', ')}`);
});
