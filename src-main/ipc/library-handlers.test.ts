import assert from 'node:assert/strict';
import { existsSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadTokenizer } from '../engine-node/load-model';
import type { TextTokenizer } from '../engine/tokenizer/text-tokenizer';
import { UserError } from '../errors';
import { registerModel } from '../models/register-model';
import { openStore, type Db } from '../store/db';
import { listDatasets } from '../store/queries/library';
import { getRun, insertRun } from '../store/queries/runs';
import { tempDir, tinyQwen2Model } from '../test-support/paths';
import { libraryHandlers } from './library-handlers';
import { cachedViews, templateView } from '../data/check/template-preview';

// Handbook-style chats of very different lengths, so a small max length cuts through the middle.
const CHATS = [
  [
    { role: 'user', content: '图书馆几点开门？' },
    { role: 'assistant', content: '早上八点。' },
  ],
  [
    { role: 'system', content: 'You answer from the student handbook.' },
    { role: 'user', content: 'How do I ask for leave?' },
    { role: 'assistant', content: 'Fill in the leave form and have your advisor sign it. '.repeat(6) },
  ],
  [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello!' },
  ],
  [
    { role: 'user', content: '宿舍几点熄灯？' },
    { role: 'assistant', content: '晚上十一点熄灯，周末延后半小时。'.repeat(3) },
    { role: 'user', content: '可以用电热水壶吗？' },
    { role: 'assistant', content: '不可以。' },
  ],
];

describe('datasets.inspect / datasets.import with a model: the chat template and its tokens', () => {
  let db: Db;
  let dir: string;
  let data: string;
  let modelId: number;
  let tok: TextTokenizer;
  /** Lengths computed here, independently of the handler: the tokens of the template-rendered chat. */
  let expected: number[];
  let h: ReturnType<typeof libraryHandlers>;

  before(async () => {
    dir = tempDir('tuneloom-library-ipc-');
    db = openStore(join(dir, 'store.db'));
    h = libraryHandlers({ db, dbPath: join(dir, 'store.db'), home: dir, electronVersion: null });
    data = join(dir, 'handbook.jsonl');
    const lines = CHATS.map((c) => JSON.stringify({ conversations: c }));
    lines.splice(2, 0, '{"conversations": [ broken');
    writeFileSync(data, lines.join('\n') + '\n');
    modelId = (await registerModel(db, tinyQwen2Model)).id;
    tok = loadTokenizer(tinyQwen2Model);
    expected = CHATS.map((c) => tok.encode(tok.renderChat(c)).length);
  });
  after(() => db?.close());

  test('the preview is rendered through the template with special tokens marked; lengths are its tokens', async () => {
    const sorted = [...expected].sort((a, b) => a - b);
    const maxLen = sorted[1]! + 1; // two chats fit, two are longer
    const p = await h['datasets.inspect']({ path: data, modelId, maxLen });
    assert.equal(p.tokenizer, 'model');
    assert.equal(p.examples, CHATS.length, 'over-long chats are kept (training truncates them), not skipped');
    assert.equal(p.skippedTotal, 1);
    assert.equal(p.skipped[0]!.line, 3);
    const rendered = p.rendered ?? [];
    assert.equal(rendered.length, 3, 'one rendering per sample');
    for (let i = 0; i < 3; i++) {
      const r = rendered[i]!;
      assert.equal(r.text, tok.renderChat(CHATS[i]!), 'the broken third line is skipped, not previewed');
      assert.ok(r.text.includes('<|im_start|>user\n') && r.text.includes('<|im_end|>'), r.text);
      assert.equal(r.tokens, tok.encode(r.text).length);
      assert.equal(r.parts.map((x) => x.text).join(''), r.text);
      const specials = new Set(r.parts.filter((x) => x.special).map((x) => x.text));
      assert.deepEqual([...specials].sort(), ['<|im_end|>', '<|im_start|>']);
      assert.ok(
        r.parts.filter((x) => !x.special).every((x) => !x.text.includes('<|im_')),
        'no special token left in an ordinary run',
      );
    }
    assert.equal(p.stats.unit, 'tokens');
    assert.equal(p.stats.maxLength, sorted[sorted.length - 1]);
    assert.equal(p.stats.meanLength, Math.round((expected.reduce((a, b) => a + b, 0) / expected.length) * 10) / 10);
    assert.equal(p.stats.maxLen, maxLen);
    assert.equal(p.stats.overMaxLen, expected.filter((n) => n > maxLen).length);
    assert.equal(p.stats.overMaxLen, 2);
    assert.equal(
      p.stats.histogram.reduce((n, b) => n + b.count, 0),
      CHATS.length,
    );
    for (const n of expected) assert.equal(p.stats.histogram.find((b) => n >= b.from && n < b.to)!.count > 0, true, `a bin holds ${n}`);
  });

  test('without a model: characters, no rendering, and the max length still only counts', async () => {
    const p = await h['datasets.inspect']({ path: data, maxLen: 20 });
    assert.equal(p.stats.unit, 'chars');
    assert.equal(p.rendered, undefined);
    assert.equal(p.tokenizer, undefined);
    assert.equal(p.examples, CHATS.length);
    const chars = CHATS.map((c) => c.reduce((n, m) => n + m.content.length, 0));
    assert.equal(p.stats.overMaxLen, chars.filter((n) => n > 20).length);
  });

  test('a plain-text dataset is rendered as training sees it: the text and the EOS token', async () => {
    const textFile = join(dir, 'notes.txt');
    writeFileSync(textFile, 'The library opens at eight.\nLights out at eleven.\n');
    const p = await h['datasets.inspect']({ path: textFile, format: 'text', modelId });
    const r = p.rendered![0]!;
    assert.equal(r.text, 'The library opens at eight.<|im_end|>');
    assert.deepEqual(r.parts.at(-1), { text: '<|im_end|>', special: true });
    assert.equal(r.tokens, tok.encode('The library opens at eight.').length + 1);
  });

  test('import with a model stores token statistics', async () => {
    const { id } = await h['datasets.import']({ path: data, modelId, maxLen: 4096, name: 'handbook' });
    const row = listDatasets(db).find((d) => d.id === id)!;
    assert.equal(row.stats!.unit, 'tokens');
    assert.equal(row.stats!.maxLength, Math.max(...expected));
    assert.equal(row.examples, CHATS.length);
  });

  test('the tokenizer is loaded once per model folder; an unknown model leaves a character preview with the reason', async () => {
    assert.equal(templateView(tinyQwen2Model), templateView(tinyQwen2Model));
    assert.equal(cachedViews(), 1);
    const p = await h['datasets.inspect']({ path: data, modelId: 999 });
    assert.equal(p.stats.unit, 'chars');
    assert.equal(p.rendered, undefined);
    assert.match(p.tokenizerError ?? '', /model 999 is not registered/);
    assert.equal(p.examples, CHATS.length, 'the dataset itself is still inspected');
  });

  test('a model without a chat template cannot render chats, and says so in one line', async () => {
    const bare = join(dir, 'no-template');
    mkdirSync(bare);
    for (const f of ['config.json', 'tokenizer.json', 'model.safetensors']) symlinkSync(join(tinyQwen2Model, f), join(bare, f));
    writeFileSync(join(bare, 'tokenizer_config.json'), JSON.stringify({ eos_token: '<|im_end|>' }));
    const view = templateView(bare);
    assert.throws(
      () =>
        view.lengthOf({
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: 'hello' },
          ],
        }),
      (e: unknown) => e instanceof UserError && /no chat template/.test(e.message) && !e.message.includes('\n'),
    );
    // Picked in the wizard, it does not hide the dataset: characters, and the reason.
    const bareId = (await registerModel(db, bare)).id;
    const p = await h['datasets.inspect']({ path: data, modelId: bareId });
    assert.equal(p.stats.unit, 'chars');
    assert.match(p.tokenizerError ?? '', /no chat template/);
  });
});

test('datasets.columns reads only the header / first record; datasets.inspect with a map renders the mapped chats', async () => {
  const dir = tempDir('tuneloom-columns-');
  const db = openStore(join(dir, 'store.db'));
  try {
    const h = libraryHandlers({ db, dbPath: join(dir, 'store.db'), home: dir, electronVersion: null });
    const csv = join(dir, 'faq.csv');
    writeFileSync(csv, 'topic,q,a\nlibrary,When does the library open?,At 8:00.\n');
    const jsonl = join(dir, 'faq.jsonl');
    writeFileSync(jsonl, 'not json\n' + JSON.stringify({ question: 'Hi?', reply: 'Hello.' }) + '\n');
    assert.deepEqual(await h['datasets.columns']({ path: csv }), { columns: ['topic', 'q', 'a'] });
    assert.deepEqual(await h['datasets.columns']({ path: jsonl }), { columns: ['question', 'reply'] });
    const p = await h['datasets.inspect']({
      path: csv,
      map: [
        { column: 'q', role: 'user' },
        { column: 'a', role: 'assistant' },
        { column: 'topic', role: 'meta' },
      ],
    });
    assert.equal(p.format, 'csv');
    assert.deepEqual(p.sample, [
      {
        messages: [
          { role: 'user', content: 'When does the library open?' },
          { role: 'assistant', content: 'At 8:00.' },
        ],
      },
    ]);
    assert.deepEqual(p.fields, { q: 'user', a: 'assistant', topic: 'meta' });
  } finally {
    db.close();
  }
});

test('datasets.delete removes the library row only: the file stays, runs that used it keep its path and hash', async () => {
  const dir = tempDir('tuneloom-ds-delete-');
  const db = openStore(join(dir, 'store.db'));
  try {
    const events: string[] = [];
    const h = libraryHandlers({ db, dbPath: join(dir, 'store.db'), home: dir, electronVersion: null, publish: (e) => events.push(e.type) });
    const file = join(dir, 'chats.jsonl');
    writeFileSync(file, CHATS.map((c) => JSON.stringify({ conversations: c })).join('\n') + '\n');
    const { id } = await h['datasets.import']({ path: file });
    const runId = insertRun(db, {
      name: 'used-it',
      method: 'lora',
      modelPath: '/models/m',
      datasetId: id,
      datasetPath: file,
      datasetSha256: listDatasets(db)[0]!.sha256,
      config: {},
      seed: 1,
      appVersion: '0',
      outDir: join(dir, 'run'),
    });
    assert.deepEqual(await h['datasets.delete']({ id }), { runsUnlinked: 1 });
    assert.deepEqual(listDatasets(db), []);
    assert.ok(existsSync(file), "the user's file is not deleted");
    const run = getRun(db, runId)!;
    assert.deepEqual([run.datasetId, run.datasetPath, run.datasetSha256], [null, file, run.datasetSha256]);
    assert.match(run.datasetSha256 ?? '', /^[0-9a-f]{64}$/);
    assert.ok(events.includes('library.changed'));
    assert.throws(
      () => h['datasets.delete']({ id }),
      (e: unknown) => e instanceof UserError && /dataset \d+ is not in the library/.test(e.message),
    );
  } finally {
    db.close();
  }
});
