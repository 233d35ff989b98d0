import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { openStore } from '../store/db';
import { listDatasets } from '../store/queries/library';
import { tempDir } from '../test-support/paths';
import { UserError } from '../errors';
import { importAndRegister, sha256File } from './register';

const dir = tempDir('tuneloom-register-');
const path = (name: string) => join(dir, name);
const write = (name: string, content: string | Buffer) => {
  writeFileSync(path(name), content);
  return path(name);
};

const MED_GB = iconv.encode('department,title,ask,answer\r\n内科,高血压,能吃党参吗,可以\r\n外科,骨折,怎么办,"固定,休息"\r\n', 'gb18030');

test('a clean import registers one row: paths, sha256 of the bytes, format, encoding, mapping, counts, stats', async () => {
  const db = openStore(path('ok.db'));
  const file = write('med.csv', MED_GB);
  const progress: number[] = [];
  const { id, result } = await importAndRegister(db, file, {}, (p) => progress.push(p.bytesRead));
  const rows = listDatasets(db);
  assert.equal(rows.length, 1);
  const row = rows[0];
  assert.equal(row.id, id);
  assert.deepEqual(row.sourcePaths, [file]);
  assert.equal(row.sha256, createHash('sha256').update(readFileSync(file)).digest('hex'));
  assert.equal(row.sha256, await sha256File(file));
  assert.equal(row.format, 'medical-csv');
  assert.equal(row.encoding, 'gb18030');
  assert.deepEqual(row.mapping, result.fields);
  assert.equal(row.examples, 2);
  assert.equal(row.skipped, 0);
  assert.equal((row.stats as { examples: number }).examples, 2);
  assert.equal(progress.at(-1), MED_GB.length);
  // The same file and mapping again: the existing row, no duplicate.
  assert.equal((await importAndRegister(db, file)).id, id);
  assert.equal(listDatasets(db).length, 1);
  db.close();
});

test('a folder of department CSVs registers as one dataset over both files', async () => {
  const db = openStore(path('folder.db'));
  const root = path('med-folder');
  mkdirSync(join(root, 'IM_内科'), { recursive: true });
  mkdirSync(join(root, 'Pediatric_儿科'), { recursive: true });
  writeFileSync(join(root, 'IM_内科', 'a.csv'), MED_GB);
  writeFileSync(join(root, 'Pediatric_儿科', 'b.csv'), iconv.encode('department,title,ask,answer\r\n儿科,发烧,孩子发烧,退烧\r\n', 'gb18030'));
  const { result } = await importAndRegister(db, root);
  const [row] = listDatasets(db);
  assert.deepEqual(row.sourcePaths, [join(root, 'IM_内科', 'a.csv'), join(root, 'Pediatric_儿科', 'b.csv')]);
  assert.equal(row.examples, 3);
  assert.deepEqual((row.stats as { meta: unknown }).meta, { department: { 内科: 1, 外科: 1, 儿科: 1 } });
  assert.equal(row.sha256, result.sha256);
  db.close();
});

const snapshot = (db: ReturnType<typeof openStore>) => JSON.stringify(db.prepare('SELECT * FROM datasets ORDER BY id').all());

const BAD: { name: string; make: () => string; opts?: Parameters<typeof importAndRegister>[2]; message: (f: string) => string }[] = [
  { name: 'an empty file', make: () => write('empty.jsonl', ''), message: (f) => `${f}: the file is empty — choose a file that holds the dataset` },
  {
    name: 'a binary file',
    make: () => write('image.csv', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d])),
    message: (f) => `${f}:3: this is a binary file, not a text dataset (byte 0x00 at offset 8) — choose a CSV, JSON, JSONL or TXT file`,
  },
  {
    name: 'a JSON array cut short',
    make: () => write('cut.json', '[\n {"Question": "q", "Complex_CoT": "c", "Response": "r"},\n {"Question": "q2", "Compl'),
    message: (f) =>
      `${f}:3: the JSON array is cut short: the element starting on line 3 is not closed (the file ends on line 3) — the file is probably truncated: export or download it again`,
  },
  {
    name: 'a CSV missing a column its format maps',
    make: () => write('noanswer.csv', 'department,title,ask\n内科,头疼,怎么办\n'),
    message: (f) =>
      `${f}:1: field "answer" required by format medical-csv is missing (fields: department, title, ask) — pick the right --format, or map the fields yourself with --map col=role,...`,
  },
  {
    name: 'a mapping to a field that is absent',
    make: () => write('q.jsonl', '{"q": "1+1?", "a": "2"}\n'),
    opts: { map: { q: 'user', answer: 'assistant' } },
    message: (f) => `${f}:1: --map names field "answer", which the file does not have (fields: q, a) — fix the column name in --map`,
  },
  {
    name: 'a wrong --encoding (utf-8 forced on GB18030)',
    make: () => write('gb.csv', MED_GB),
    opts: { encoding: 'utf-8' },
    message: (f) =>
      `${f}:2: not valid utf-8: byte 0xDA at offset 30, and --encoding utf-8 was given — this file looks like gb18030: pass --encoding gb18030 or --encoding auto`,
  },
  {
    name: 'a wrong --encoding (gb18030 forced on UTF-8)',
    make: () => write('utf8.csv', 'department,title,ask,answer\n内科,头疼,怎么办,休息\n'),
    opts: { encoding: 'gb18030' },
    message: (f) =>
      `${f}: --encoding gb18030 was given, but the file is utf-8 (a UTF-8 byte-order mark, or valid UTF-8 non-ASCII text): reading it as gb18030 would garble every character — pass --encoding utf-8 or --encoding auto`,
  },
  {
    name: 'bytes that decode under no encoding, past the head',
    make: () =>
      write(
        'mixed.jsonl',
        Buffer.concat([Buffer.from('{"content":"a","summary":"b"}\n'.repeat(4) + '{"content":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]),
      ),
    opts: { sampleBytes: 32, chunkBytes: 16 },
    message: (f) =>
      `${f}:5: byte 0xFF at offset 132 does not decode as utf-8 (detected from the head of the file), nor as any other encoding we read — if the file is GBK/GB18030 pass --encoding gb18030; otherwise re-save it as UTF-8`,
  },
  {
    name: 'records that are all bad',
    make: () => write('allbad.jsonl', '{"content": "x", "summary": ""}\n{"content": "y"}\n'),
    message: (f) => `${f}: no usable examples: all 2 records were skipped (first: line 1: empty field "summary") — check the format and the field mapping`,
  },
];

test('bad input is refused with one line naming file, line and field, and never changes the store', async () => {
  const db = openStore(path('bad.db'));
  await importAndRegister(db, write('good.jsonl', '{"content":"a","summary":"b"}\n'));
  const before = snapshot(db);
  for (const bad of BAD) {
    const f = bad.make();
    await assert.rejects(importAndRegister(db, f, bad.opts), (err: unknown) => {
      assert.ok(err instanceof UserError, `${bad.name}: ${String(err)}`);
      assert.ok(!err.message.includes('\n'), bad.name);
      const expected = bad.message(f);
      if (expected) assert.equal(err.message, expected, bad.name);
      return true;
    });
    assert.equal(snapshot(db), before, `${bad.name} changed the store`);
  }
  db.close();
});
