/**
 * Re-importing the same file with another encoding (issue #19): the library gets a row read in that
 * encoding, and a run launched from it reads it so. Before, the store matched the bytes' sha256 alone and
 * handed back the first row, silently keeping its encoding.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { openStore } from '../store/db';
import { datasetForRun, getDataset } from '../store/queries/library';
import { tempDir } from '../test-support/paths';
import { importAndRegister } from './register';

test('the same file imported as auto-detected, then as Big5, is two rows, each with its own encoding; the same choice again is the same row', async () => {
  const dir = tempDir('tuneloom-reimport-');
  const db = openStore(join(dir, 'store.db'));
  try {
    const file = join(dir, 'tw.csv');
    // Big5 bytes that auto-detection reads as GB18030 (other characters).
    writeFileSync(
      file,
      iconv.encode('department,title,ask,answer\n內科,血壓,高血壓能喝黨參嗎？,可以適量服用。\n兒科,發燒,發燒三天怎麼辦？,請儘快就醫。\n', 'big5'),
    );
    const auto = await importAndRegister(db, file);
    const big5 = await importAndRegister(db, file, { encoding: 'big5' });
    assert.notEqual(auto.result.encoding, 'big5', 'the fixture is one auto-detection reads otherwise');
    assert.notEqual(big5.id, auto.id, 'a row of its own, not the auto-detected one');
    assert.equal(getDataset(db, big5.id)!.encoding, 'big5');
    assert.equal(datasetForRun(getDataset(db, big5.id)!).spec.encoding, 'big5', 'a run launched from it reads Big5');
    assert.equal(getDataset(db, auto.id)!.encoding, auto.result.encoding, 'the first row keeps what it was imported as');
    const again = await importAndRegister(db, file, { encoding: 'big5' });
    assert.equal(again.id, big5.id, 'the same bytes, format, mapping and encoding: the existing row');
  } finally {
    db.close();
  }
});
