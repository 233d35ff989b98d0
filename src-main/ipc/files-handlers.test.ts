import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../errors';
import { tempDir } from '../test-support/paths';
import type { DirListing } from '../../src-shared/dto/files';
import { openStore } from '../store/db';
import { filesHandlers, listDir, MAX_ENTRIES } from './files-handlers';
import { libraryHandlers } from './library-handlers';
import { BROWSE_FOLDERS_ENV } from './readable-roots';

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
  assert.throws(
    () => listDir(join(dir, 'nope')),
    (e: unknown) => e instanceof UserError && /cannot list .*nope: it does not exist/.test(e.message),
  );
  assert.throws(
    () => listDir(join(dir, 'f1')),
    (e: unknown) => e instanceof UserError && /it is a file, not a folder/.test(e.message),
  );
  assert.throws(
    () => listDir('relative/dir'),
    (e: unknown) => e instanceof UserError && /must be an absolute path/.test(e.message),
  );
});

test('files.list and the dataset preview read only the home folder, the data folder and TUNELOOM_BROWSE_FOLDERS (issue 16 #10)', async () => {
  const data = tempDir('tuneloom-data-');
  const extra = tempDir('tuneloom-extra-');
  const outside = tempDir('tuneloom-outside-');
  writeFileSync(join(outside, 'secret.csv'), 'user,password\nroot,hunter2\n');
  writeFileSync(join(extra, 'ok.csv'), 'q,a\nhi,yo\n');
  const saved = process.env[BROWSE_FOLDERS_ENV];
  process.env[BROWSE_FOLDERS_ENV] = extra;
  const db = openStore(join(data, 'tuneloom.db'));
  try {
    const ctx = { db, dbPath: join(data, 'tuneloom.db'), home: data, electronVersion: null };
    const files = filesHandlers(ctx);
    const lib = libraryHandlers(ctx);
    const refused = (e: unknown) =>
      e instanceof UserError && !e.message.includes('\n') && /outside the folders Tuneloom may read .*TUNELOOM_BROWSE_FOLDERS/.test(e.message);
    for (const path of ['/etc', outside]) assert.throws(() => files['files.list']({ path }), refused, path);
    await assert.rejects(async () => lib['datasets.columns']({ path: join(outside, 'secret.csv') }), refused);
    await assert.rejects(async () => lib['datasets.inspect']({ path: join(outside, 'secret.csv') }), refused);
    await assert.rejects(async () => lib['datasets.inspect']({ path: '/etc/passwd', format: 'text' }), refused);
    // A link inside a readable folder that points outside it is outside.
    symlinkSync(outside, join(data, 'link-out'));
    assert.throws(() => files['files.list']({ path: join(data, 'link-out') }), refused);

    assert.equal((files['files.list']({}) as DirListing).path, homedir());
    assert.equal((files['files.list']({ path: homedir() }) as DirListing).parent, null, 'no way up out of the home folder');
    assert.ok((files['files.list']({ path: data }) as DirListing).entries.some((e) => e.name === 'tuneloom.db'));
    assert.deepEqual(await lib['datasets.columns']({ path: join(extra, 'ok.csv') }), { columns: ['q', 'a'] });
  } finally {
    db.close();
    if (saved === undefined) delete process.env[BROWSE_FOLDERS_ENV];
    else process.env[BROWSE_FOLDERS_ENV] = saved;
  }
});
