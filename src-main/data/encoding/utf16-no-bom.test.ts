import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test-support/paths';
import { importDataset } from '../import-dataset';

const dir = tempDir('tuneloom-utf16-');
const CSV = 'question,answer\n图书馆几点开门？,早上八点。\n宿舍几点熄灯？,晚上十一点。\n';

function utf16be(s: string): Buffer {
  const le = Buffer.from(s, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
}

test('UTF-16 without a byte-order mark is detected (LE and BE) and read, not refused as binary', async () => {
  for (const [name, bytes, enc] of [
    ['le.csv', Buffer.from(CSV, 'utf16le'), 'utf-16le'],
    ['be.csv', utf16be(CSV), 'utf-16be'],
  ] as const) {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    const r = await importDataset(p, { format: 'csv', map: { question: 'user', answer: 'assistant' } });
    assert.equal(r.encoding, enc);
    assert.equal(r.examples, 2);
    assert.deepEqual(r.sample[0], {
      messages: [
        { role: 'user', content: '图书馆几点开门？' },
        { role: 'assistant', content: '早上八点。' },
      ],
    });
  }
});

test('a binary file with zero bytes is still refused, and UTF-8 stays UTF-8', async () => {
  const bin = join(dir, 'blob.csv');
  writeFileSync(bin, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
  await assert.rejects(importDataset(bin), /binary file/);
  const utf8 = join(dir, 'utf8.csv');
  writeFileSync(utf8, CSV);
  assert.equal((await importDataset(utf8, { format: 'csv', map: { question: 'user', answer: 'assistant' } })).encoding, 'utf-8');
});
