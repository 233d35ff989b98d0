/**
 * The Electron shell is one folder: only modules under src-main/electron/ import `electron`, so
 * `tuneloom serve`, the CLI and the child processes run on plain Node (the Electron binary is not
 * needed to build, test or run them).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { test } from 'node:test';
import { sourceFiles } from '../test-support/source-files';
import { fileURLToPath } from 'node:url';

const shellDir = dirname(fileURLToPath(import.meta.url));
const srcMain = dirname(shellDir);

test('only src-main/electron/ imports electron', () => {
  const outside: string[] = [];
  const inside: string[] = [];
  for (const file of sourceFiles(srcMain)) {
    if (!/(?:\bfrom|\bimport)\s*\(?\s*'electron'/.test(readFileSync(file, 'utf8'))) continue;
    (file.startsWith(shellDir + '/') ? inside : outside).push(relative(srcMain, file));
  }
  assert.deepEqual(outside, [], 'move Electron code into src-main/electron/');
  assert.ok(inside.includes('electron/electron-main.ts') && inside.includes('electron/preload.ts'), `the shell's modules: ${inside.join(', ')}`);
});
