import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { openStore } from '../../store/db';
import { runTuneloom } from '../../test-support/cli';
import { tempDir } from '../../test-support/paths';

const dir = tempDir('tuneloom-data-cli-');
const write = (name: string, content: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

const MED =
  'department,title,ask,answer\r\n' +
  '内科,高血压,"能吃党参吗,医生？",可以\r\n' +
  '外科,骨折,"手腕""咔""一声\r\n然后肿了",先固定\r\n' +
  '儿科,发烧\r\n' +
  '儿科,咳嗽,咳嗽一周,查血常规\r\n' +
  '儿科,腹泻,拉肚子,补液\r\n';

test('data inspect --json: the CLI.md document for a GB18030 medical CSV', async () => {
  const f = write('med.csv', iconv.encode(MED, 'gb18030'));
  const r = await runTuneloom(['data', 'inspect', f, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  for (const key of ['format', 'encoding', 'confidence', 'examples', 'skipped', 'fields', 'sample']) assert.ok(key in doc, key);
  assert.equal(doc.format, 'medical-csv');
  assert.equal(doc.encoding, 'gb18030');
  assert.equal(doc.examples, 4);
  assert.deepEqual(doc.skipped, [{ line: 5, reason: 'row has 2 fields, the header has 4' }]);
  assert.deepEqual(doc.fields, { department: 'metadata', title: 'user (when ask is empty)', ask: 'user', answer: 'assistant' });
  assert.deepEqual(doc.sample, [
    {
      messages: [
        { role: 'user', content: '能吃党参吗,医生？' },
        { role: 'assistant', content: '可以' },
      ],
      meta: { department: '内科' },
    },
    {
      messages: [
        { role: 'user', content: '手腕"咔"一声\r\n然后肿了' },
        { role: 'assistant', content: '先固定' },
      ],
      meta: { department: '外科' },
    },
    {
      messages: [
        { role: 'user', content: '咳嗽一周' },
        { role: 'assistant', content: '查血常规' },
      ],
      meta: { department: '儿科' },
    },
  ]);
});

test('data inspect without --json prints a readable report', async () => {
  const f = write('a.jsonl', '{"instruction":"hi","output":"hello"}\n{"instruction":"x"\n');
  const r = await runTuneloom(['data', 'inspect', f]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ {2}format {6}alpaca$/m);
  assert.match(r.stdout, /^ {2}encoding {4}utf-8 \(confidence 1\)$/m);
  assert.match(r.stdout, /^ {4}line 2: not valid JSON/m);
  assert.match(r.stdout, /^ {4}user: hi$/m);
});

for (const c of [
  {
    name: 'an empty file',
    file: () => write('empty.csv', ''),
    args: [] as string[],
    stderr: (f: string) => `tuneloom data inspect: ${f}: the file is empty — choose a file that holds the dataset`,
  },
  {
    name: 'a wrong --encoding',
    file: () => write('gb.csv', iconv.encode(MED, 'gb18030')),
    args: ['--encoding', 'utf-8'],
    stderr: (f: string) =>
      `tuneloom data inspect: ${f}:2: not valid utf-8: byte 0xDA at offset 30, and --encoding utf-8 was given — this file looks like gb18030: pass --encoding gb18030 or --encoding auto`,
  },
  {
    name: 'a mapping to an absent column',
    file: () => write('qa.csv', 'question,reply\nhi,hello\n'),
    args: ['--map', 'question=user,answer=assistant'],
    stderr: (f: string) =>
      `tuneloom data inspect: ${f}:1: --map names field "answer", which the file does not have (fields: question, reply) — fix the column name in --map`,
  },
]) {
  test(`data inspect refuses ${c.name} with one line on stderr and exit 1`, async () => {
    const f = c.file();
    const r = await runTuneloom(['data', 'inspect', f, ...c.args, '--json']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, c.stderr(f) + '\n');
  });
}

test('data inspect --register records a clean import, and a bad one leaves the store as it was', async () => {
  const db = join(dir, 'store.db');
  const good = write('good.jsonl', '{"content":"类型#裤","summary":"好看"}\n');
  const ok = await runTuneloom(['data', 'inspect', good, '--register', '--name', 'adgen-mini', '--db', db, '--json']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((JSON.parse(ok.stdout) as { dataset_id: number }).dataset_id, 1);
  const rows = () => {
    const store = openStore(db, { readonly: true });
    try {
      return JSON.stringify(store.prepare('SELECT * FROM datasets').all());
    } finally {
      store.close();
    }
  };
  const before = rows();
  assert.match(before, /adgen-mini/);
  const cut = write('cut.json', '[{"content":"a","summary":"b"},\n{"content":');
  const bad = await runTuneloom(['data', 'inspect', cut, '--register', '--db', db]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /cut\.json:2: the JSON array is cut short/);
  assert.equal(rows(), before);
});
