import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../errors';
import { tempDir } from '../test-support/paths';
import { listDir, MAX_ENTRIES } from './files-handlers';

test('files.list: folders first, then files with sizes; hidden entries left out; links followed', () => {
  const dir = tempDir('tuneloom-browse-');
  mkdirSync(join(dir, 'models'));
  mkdirSync(join(dir, 'Data'));
  writeFileSync(join(dir, 'b.jsonl'), '12345');
  writeFileSync(join(dir, 'a.csv'), '');
  writeFileSync(join(dir, '.hidden'), 'x');
  symlinkSync(join(dir, 'models'), join(dir, 'linked-model'));
  symlinkSync(join(dir, 'missing'), join(dir, 'dangling'));
  const l = listDir(dir);
  assert.equal(l.path, dir);
  assert.equal(l.parent, dirname(dir));
  assert.deepEqual(l.entries, [
    { name: 'Data', dir: true, size: null },
    { name: 'linked-model', dir: true, size: null },
    { name: 'models', dir: true, size: null },
    { name: 'a.csv', dir: false, size: 0 },
    { name: 'b.jsonl', dir: false, size: 5 },
  ]);
  assert.equal(l.truncated, false);
  assert.equal(listDir('/').parent, null);
  assert.equal(listDir().path, homedir());
});

test('files.list: a huge folder is cut with truncated set; bad paths are one line', () => {
  const dir = tempDir('tuneloom-browse-big-');
  for (let i = 0; i <= MAX_ENTRIES; i++) writeFileSync(join(dir, `f${i}`), '');
  const l = listDir(dir);
  assert.equal(l.entries.length, MAX_ENTRIES);
  assert.equal(l.truncated, true);
  assert.throws(() => listDir(join(dir, 'nope')), (e: unknown) => e instanceof UserError && /cannot list .*nope: it does not exist/.test(e.message));
  assert.throws(() => listDir(join(dir, 'f1')), (e: unknown) => e instanceof UserError && /it is a file, not a folder/.test(e.message));
  assert.throws(() => listDir('relative/dir'), (e: unknown) => e instanceof UserError && /must be an absolute path/.test(e.message));
});
