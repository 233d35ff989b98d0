import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AppEvent } from '../../src-shared/ipc-contract';
import { openStore } from '../store/db';
import { listDatasets } from '../store/queries/library';
import { tempDir } from '../test-support/paths';
import { InspectSuperseded } from './inspect-jobs';
import { libraryHandlers } from './library-handlers';

const chats = (n: number, tag = '') =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ conversations: [{ role: 'user', content: `问题 ${i}${tag}` }, { role: 'assistant', content: `回答 ${i}${tag}` }] })).join('\n') + '\n';

function setup() {
  const dir = tempDir('tuneloom-inspect-jobs-');
  const db = openStore(join(dir, 'store.db'));
  const events: Extract<AppEvent, { type: 'datasets.progress' }>[] = [];
  const h = libraryHandlers({ db, dbPath: join(dir, 'store.db'), home: dir, electronVersion: null, publish: (e) => e.type === 'datasets.progress' && events.push(e) });
  return { dir, db, events, h };
}

test('a check reports progress under its key; importing what was just checked does not read the file again', async () => {
  const { dir, db, events, h } = setup();
  try {
    const file = join(dir, 'chats.jsonl');
    writeFileSync(file, chats(50));
    const p = await h['datasets.inspect']({ path: file, progressKey: 'draft-1' });
    assert.equal(p.examples, 50);
    const done = events.filter((e) => e.key === 'draft-1' && e.bytesRead === e.totalBytes);
    assert.ok(done.length >= 1, 'the finished read is reported');
    const before = events.length;
    const { id } = await h['datasets.import']({ path: file, progressKey: 'draft-1' });
    assert.equal(events.length, before, 'no second read: the check result was registered');
    assert.equal(listDatasets(db).find((d) => d.id === id)?.examples, 50);

    // Edited since the check (another size and mtime): read again, the new rows counted.
    writeFileSync(file, chats(60, 'b'));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const again = await h['datasets.import']({ path: file, progressKey: 'draft-1' });
    assert.ok(events.length > before, 'the edited file is read');
    assert.equal(listDatasets(db).find((d) => d.id === again.id)?.examples, 60);
  } finally {
    db.close();
  }
});

test('a newer check with the same key stops the older one; other keys are left alone', async () => {
  const { dir, db, h } = setup();
  try {
    const file = join(dir, 'chats.jsonl');
    writeFileSync(file, chats(40));
    const older = Promise.resolve(h['datasets.inspect']({ path: file, maxLen: 5, progressKey: 'k' }));
    const other = h['datasets.inspect']({ path: file, maxLen: 6, progressKey: 'other' });
    const newer = h['datasets.inspect']({ path: file, maxLen: 7, progressKey: 'k' });
    await assert.rejects(older, (e: unknown) => e instanceof InspectSuperseded);
    assert.equal((await newer).stats.maxLen, 7);
    assert.equal((await other).stats.maxLen, 6);
  } finally {
    db.close();
  }
});

test('an import while the same check is still running waits for it instead of reading the file a second time', async () => {
  const { dir, db, events, h } = setup();
  try {
    const file = join(dir, 'chats.jsonl');
    writeFileSync(file, chats(30));
    // What one read of this (one-chunk) file reports, from a check of its own.
    await h['datasets.inspect']({ path: file, maxLen: 9, progressKey: 'solo' });
    const oneRead = events.filter((e) => e.key === 'solo').length;
    const check = Promise.resolve(h['datasets.inspect']({ path: file, progressKey: 'd' }));
    const imported = await h['datasets.import']({ path: file, progressKey: 'd' });
    assert.equal((await check).examples, 30, 'the check was not superseded by the import that joined it');
    assert.equal(events.filter((e) => e.key === 'd').length, oneRead, 'one read of the file');
    assert.equal(listDatasets(db).find((d) => d.id === imported.id)?.examples, 30);
  } finally {
    db.close();
  }
});
