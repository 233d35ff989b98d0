import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { tempDir } from '../test-support/paths';
import { importDataset, type ImportOptions } from './import-dataset';
import type { Example } from './types';

const dir = tempDir('tuneloom-data-');
let n = 0;
function file(name: string, content: string | Buffer): string {
  const sub = join(dir, String(n++));
  mkdirSync(sub);
  const p = join(sub, name);
  writeFileSync(p, content);
  return p;
}

type Got = Example & { line: number };
async function load(path: string, opts: ImportOptions = {}) {
  const examples: Got[] = [];
  const r = await importDataset(path, { ...opts, onExample: (e, at) => examples.push({ line: at.line, ...e }) });
  return { r, examples };
}
const chat = (line: number, user: string, assistant: string, extra: Partial<Got> = {}): Got => ({
  line,
  messages: [
    { role: 'user', content: user },
    { role: 'assistant', content: assistant },
  ],
  ...extra,
});

const MEDICAL =
  'department,title,ask,answer\r\n' +
  '内科,高血压能吃党参吗,"我有高血压,能吃""党参""吗？\r\n谢谢",可以吃。\r\n' +
  '外科,腰疼怎么办,,多休息\r\n' +
  '儿科,发烧,孩子发烧\r\n' +
  '妇科,,,\r\n' +
  '男科,标题,问题,\r\n' +
  '"内科","头晕","头晕,眼花","量血压"\r\n';
const MEDICAL_EXAMPLES: Got[] = [
  chat(2, '我有高血压,能吃"党参"吗？\r\n谢谢', '可以吃。', { meta: { department: '内科' } }),
  chat(4, '腰疼怎么办', '多休息', { meta: { department: '外科' } }),
  chat(8, '头晕,眼花', '量血压', { meta: { department: '内科' } }),
];
const MEDICAL_SKIPS = [
  { line: 5, reason: 'row has 3 fields, the header has 4' },
  { line: 6, reason: 'empty fields "ask" and "title"' },
  { line: 7, reason: 'empty field "answer"' },
];

test('medical CSV in GB18030 (CRLF, quoted commas, quotes and newlines): chats, department metadata, line-numbered skips', async () => {
  const p = file('med.csv', iconv.encode(MEDICAL, 'gb18030'));
  const { r, examples } = await load(p);
  assert.equal(r.format, 'medical-csv');
  assert.equal(r.encoding, 'gb18030');
  assert.ok(r.confidence >= 0.9, String(r.confidence));
  assert.deepEqual(examples, MEDICAL_EXAMPLES);
  assert.deepEqual(r.skipped, MEDICAL_SKIPS);
  assert.deepEqual(r.fields, { department: 'metadata', title: 'user (when ask is empty)', ask: 'user', answer: 'assistant' });
  assert.deepEqual(
    r.sample,
    MEDICAL_EXAMPLES.map(({ line: _line, ...e }) => e),
  );
  assert.deepEqual(r.stats.meta, { department: { 内科: 2, 外科: 1 } });
});

test('the same file read in 7-byte chunks (characters and CRLFs cut across reads) gives the same result', async () => {
  const p = file('med.csv', iconv.encode(MEDICAL, 'gb18030'));
  const { r, examples } = await load(p, { chunkBytes: 7, sampleBytes: 24 });
  assert.equal(r.encoding, 'gb18030');
  assert.deepEqual(examples, MEDICAL_EXAMPLES);
  assert.deepEqual(r.skipped, MEDICAL_SKIPS);
});

test('UTF-8 with BOM, CRLF, any CSV with --map (two columns joined into the user turn, a meta column)', async () => {
  const csv =
    '\uFEFFtopic,sys,question,detail,reply\r\nmath,You are terse.,"What is 2+2?",,"4, of course"\r\nart,,Name a colour,"one word",red\r\nx,,,,nothing asked\r\n';
  const { r, examples } = await load(file('any.csv', csv), { map: { sys: 'system', question: 'user', detail: 'user', reply: 'assistant', topic: 'meta' } });
  assert.equal(r.format, 'csv');
  assert.equal(r.encoding, 'utf-8');
  assert.equal(r.confidence, 1);
  assert.deepEqual(examples, [
    {
      line: 2,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'What is 2+2?' },
        { role: 'assistant', content: '4, of course' },
      ],
      meta: { topic: 'math' },
    },
    chat(3, 'Name a colour\none word', 'red', { meta: { topic: 'art' } }),
  ]);
  assert.deepEqual(r.skipped, [{ line: 4, reason: 'empty fields "question" and "detail"' }]);
});

test('alpaca JSONL with a broken line, blank lines (ignored), an empty and a missing field', async () => {
  const jsonl = [
    '"a string first"',
    '{"instruction": "Translate", "input": "你好", "output": "Hello"}',
    '',
    '{"instruction": "Say hi", "input": "", "output": "hi"}',
    '{"instruction": "broken", "output": ',
    '   ',
    '{"instruction": "x", "output": ""}',
    '{"output": "y"}',
    '[1, 2]',
  ].join('\n');
  const { r, examples } = await load(file('a.jsonl', jsonl));
  assert.equal(r.format, 'alpaca');
  assert.deepEqual(examples, [chat(2, 'Translate\n你好', 'Hello'), chat(4, 'Say hi', 'hi')]);
  assert.deepEqual(r.skipped, [
    { line: 1, reason: 'expected a JSON object, got a string' },
    { line: 5, reason: 'not valid JSON' },
    { line: 7, reason: 'empty field "output"' },
    { line: 8, reason: 'missing field "instruction"' },
    { line: 9, reason: 'expected a JSON object, got an array' },
  ]);
});

test('alpaca JSON array with a system prompt (the huanhuan set), elements on their own lines', async () => {
  const json = `[
  {
    "instruction": "小姐，别的秀女都在求中选，唯有咱们小姐想被撂牌子",
    "input": "",
    "output": "嘘——都说许愿说破是不灵的。",
    "system": "现在你要扮演皇帝身边的女人--甄嬛"
  },
  {"instruction": "这个温太医啊，也是古怪", "output": ""},
  {"instruction": "你们俩话太多了", "input": "", "output": "是。", "system": "现在你要扮演皇帝身边的女人--甄嬛", "history": [["在吗", "在"]]}
]`;
  const { r, examples } = await load(file('huanhuan.json', json));
  assert.equal(r.format, 'alpaca');
  const sys = { role: 'system' as const, content: '现在你要扮演皇帝身边的女人--甄嬛' };
  assert.deepEqual(examples, [
    {
      line: 2,
      messages: [
        sys,
        { role: 'user', content: '小姐，别的秀女都在求中选，唯有咱们小姐想被撂牌子' },
        { role: 'assistant', content: '嘘——都说许愿说破是不灵的。' },
      ],
    },
    {
      line: 9,
      messages: [
        sys,
        { role: 'user', content: '在吗' },
        { role: 'assistant', content: '在' },
        { role: 'user', content: '你们俩话太多了' },
        { role: 'assistant', content: '是。' },
      ],
    },
  ]);
  assert.deepEqual(r.skipped, [{ line: 8, reason: 'empty field "output"' }]);
  assert.equal(r.stats.multiTurn, 1);
  assert.equal(r.stats.withSystem, 2);
});

test('AdvertiseGen: one object per line in a .json file', async () => {
  const json = '{"content": "类型#裤*版型#宽松*材质#牛仔布*风格#街头", "summary": "宽松的牛仔裤，街头感十足。"}\n{"content": "类型#上衣", "summary": ""}\n';
  const { r, examples } = await load(file('train.json', json));
  assert.equal(r.format, 'adgen');
  assert.deepEqual(examples, [chat(1, '类型#裤*版型#宽松*材质#牛仔布*风格#街头', '宽松的牛仔裤，街头感十足。')]);
  assert.deepEqual(r.skipped, [{ line: 2, reason: 'empty field "summary"' }]);
});

test('student handbook: conversations with role/content, multi-turn kept in order', async () => {
  const rows = [
    {
      conversations: [
        { role: 'user', content: '图书馆几点关门？' },
        { role: 'assistant', content: '晚上十点。' },
        { role: 'user', content: '周末呢？' },
        { role: 'assistant', content: '周末九点。' },
      ],
    },
    { conversations: [{ role: 'user', content: '只有问题' }] },
    {
      conversations: [
        { role: 'teacher', content: '?' },
        { role: 'assistant', content: '!' },
      ],
    },
  ];
  const { r, examples } = await load(file('handbook.jsonl', rows.map((x) => JSON.stringify(x)).join('\n') + '\n'));
  assert.equal(r.format, 'conversations');
  assert.deepEqual(examples, [{ line: 1, messages: rows[0].conversations }]);
  assert.deepEqual(r.skipped, [
    { line: 2, reason: 'no assistant turn in "conversations"' },
    { line: 3, reason: 'conversations[0]: unknown role "teacher"' },
  ]);
});

test('OpenAI messages with system and several turns; an empty turn is skipped', async () => {
  const good = {
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello' },
      { role: 'user', content: 'Bye' },
      { role: 'assistant', content: 'Bye' },
    ],
  };
  const bad = {
    messages: [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: '  ' },
    ],
  };
  const { r, examples } = await load(file('chats.jsonl', `${JSON.stringify(good)}\r\n${JSON.stringify(bad)}\r\n`));
  assert.equal(r.format, 'messages');
  assert.deepEqual(examples, [{ line: 1, messages: good.messages }]);
  assert.deepEqual(r.skipped, [{ line: 2, reason: 'messages[1]: empty "content"' }]);
});

test('ShareGPT conversations (from/value) with a system turn or a system field, as the messages format', async () => {
  const json = JSON.stringify(
    [
      {
        conversations: [
          { from: 'system', value: 'S' },
          { from: 'human', value: 'Q1' },
          { from: 'gpt', value: 'A1' },
        ],
      },
      {
        system: 'T',
        conversations: [
          { from: 'human', value: 'Q2' },
          { from: 'gpt', value: 'A2' },
        ],
      },
    ],
    null,
    1,
  );
  const { r, examples } = await load(file('sharegpt.json', json));
  assert.equal(r.format, 'messages');
  assert.deepEqual(examples, [
    {
      line: 2,
      messages: [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'Q1' },
        { role: 'assistant', content: 'A1' },
      ],
    },
    {
      line: 18,
      messages: [
        { role: 'system', content: 'T' },
        { role: 'user', content: 'Q2' },
        { role: 'assistant', content: 'A2' },
      ],
    },
  ]);
  assert.deepEqual(r.skipped, []);
});

const COT = JSON.stringify([
  { Question: '发热伴皮疹，考虑什么？', Complex_CoT: '先想感染，再想过敏。', Response: '考虑麻疹。' },
  { Question: 'Q', Complex_CoT: 'C', Response: '' },
]);

test('CoT: reasoning into the assistant turn as a <think> block by default, or a chosen template', async () => {
  const p = file('cot.json', COT);
  const { r, examples } = await load(p);
  assert.equal(r.format, 'cot');
  assert.deepEqual(examples, [chat(1, '发热伴皮疹，考虑什么？', '<think>\n先想感染，再想过敏。\n</think>\n\n考虑麻疹。')]);
  assert.deepEqual(r.skipped, [{ line: 1, reason: 'empty field "Response"' }]);
  const custom = await load(p, { cotTemplate: '推理：{cot}\n答案：{response}' });
  assert.deepEqual(custom.examples, [chat(1, '发热伴皮疹，考虑什么？', '推理：先想感染，再想过敏。\n答案：考虑麻疹。')]);
});

test('s1K: thinking_trajectories become the <think> block, attempt the answer, solution kept as metadata', async () => {
  const rows = [
    {
      solution: '1. Since x = 2, the answer is 4.',
      question: 'What is 2x if x = 2?',
      cot_type: 'math',
      thinking_trajectories: ['Let me think.', 'x is 2, so 2x is 4.'],
      attempt: 'The answer is $\\boxed{4}$.',
    },
    { question: 'Q', thinking_trajectories: 'one string of thought', attempt: 'A' },
    { question: 'Q', thinking_trajectories: [], attempt: 'A' },
    { question: 'Q', thinking_trajectories: [3], attempt: 'A' },
  ];
  const { r, examples } = await load(file('s1k.jsonl', rows.map((x) => JSON.stringify(x)).join('\n')));
  assert.equal(r.format, 's1k');
  assert.deepEqual(examples, [
    chat(1, 'What is 2x if x = 2?', '<think>\nLet me think.\nx is 2, so 2x is 4.\n</think>\n\nThe answer is $\\boxed{4}$.', {
      meta: { solution: '1. Since x = 2, the answer is 4.' },
    }),
    chat(2, 'Q', '<think>\none string of thought\n</think>\n\nA'),
  ]);
  assert.deepEqual(r.skipped, [
    { line: 3, reason: 'empty field "thinking_trajectories"' },
    { line: 4, reason: 'field "thinking_trajectories" is not a list of text' },
  ]);
});

test('GSM8K: question -> user, the worked answer with #### -> assistant', async () => {
  const rows = [
    {
      question: 'Natalia sold 48 clips in April and half as many in May. How many in all?',
      answer: 'In May she sold 48/2 = <<48/2=24>>24.\n48+24 = <<48+24=72>>72.\n#### 72',
    },
  ];
  const { r, examples } = await load(file('gsm8k.jsonl', rows.map((x) => JSON.stringify(x)).join('\n')));
  assert.equal(r.format, 'gsm8k');
  assert.deepEqual(examples, [chat(1, rows[0].question, rows[0].answer)]);
});

test('plain text: paragraphs when the file has blank-line breaks, lines otherwise; a text column in a CSV', async () => {
  const paras = await load(file('novel.txt', 'First para\nstill first.\n\n\nSecond para.\r\n\r\nThird.'));
  assert.equal(paras.r.format, 'text');
  assert.deepEqual(paras.examples, [
    { line: 1, text: 'First para\nstill first.' },
    { line: 5, text: 'Second para.' },
    { line: 7, text: 'Third.' },
  ]);
  const lines = await load(file('lines.txt', '第一行\n第二行\n'));
  assert.deepEqual(lines.examples, [
    { line: 1, text: '第一行' },
    { line: 2, text: '第二行' },
  ]);
  const col = await load(file('t.csv', 'id,text\n1,hello\n2,\n'));
  assert.equal(col.r.format, 'text');
  assert.deepEqual(col.examples, [{ line: 2, text: 'hello' }]);
  assert.deepEqual(col.r.skipped, [{ line: 3, reason: 'empty field "text"' }]);
});

test('medical CSVs in several department folders import as one dataset, department kept, skips name their file', async () => {
  const root = join(dir, 'medical');
  mkdirSync(join(root, 'IM_内科'), { recursive: true });
  mkdirSync(join(root, 'Surgical_外科'), { recursive: true });
  writeFileSync(join(root, 'IM_内科', 'im.csv'), iconv.encode('department,title,ask,answer\r\n心血管科,胸闷,胸闷气短,做心电图\r\n内科,x,y\r\n', 'gb18030'));
  writeFileSync(join(root, 'Surgical_外科', 'surgery.csv'), 'department,title,ask,answer\n,骨折,手腕骨折了,先固定\n');
  const { r, examples } = await load(root);
  assert.equal(r.format, 'medical-csv');
  assert.equal(r.files.length, 2);
  assert.equal(r.encoding, 'gb18030,utf-8');
  assert.deepEqual(examples, [
    chat(2, '胸闷气短', '做心电图', { meta: { department: '心血管科' } }),
    // An empty department column falls back to the folder the file sits in.
    chat(2, '手腕骨折了', '先固定', { meta: { department: 'Surgical_外科' } }),
  ]);
  assert.deepEqual(r.skipped, [{ file: join('IM_内科', 'im.csv'), line: 3, reason: 'row has 3 fields, the header has 4' }]);
  assert.match(r.sha256, /^[0-9a-f]{64}$/);
  assert.notEqual(r.sha256, r.files[0].sha256);
});

test('duplicates dropped on request, over-long examples skipped with a max length, counted in the stats', async () => {
  const jsonl = [
    '{"content":"a","summary":"b"}',
    '{"content":"long content","summary":"x"}',
    '{"content":"a","summary":"b"}',
    '{"content":"c","summary":"d"}',
  ].join('\n');
  const { r, examples } = await load(file('d.jsonl', jsonl), { dropDuplicates: true, maxLen: 5 });
  assert.deepEqual(examples, [chat(1, 'a', 'b'), chat(4, 'c', 'd')]);
  assert.deepEqual(r.skipped, [
    { line: 2, reason: 'over-long: 13 chars > max 5' },
    { line: 3, reason: 'duplicate of line 1' },
  ]);
  assert.equal(r.duplicatesDropped, 1);
  assert.equal(r.stats.overMaxLen, 1);
  assert.equal(r.stats.maxLen, 5);
});

test('stop policy: the first bad record fails the import with file, line and field', async () => {
  const p = file('s.jsonl', '{"content":"a","summary":"b"}\n{"content":"a"}\n');
  await assert.rejects(importDataset(p, { policy: 'stop' }), {
    message: `${p}:2: missing field "summary" — fix that record, or import with the skip policy to leave such records out`,
  });
});

test('token lengths, histogram and tokens per epoch with an injected encode; a seeded split is stable', async () => {
  const rows = Array.from({ length: 40 }, (_, i) => JSON.stringify({ content: 'q'.repeat(i + 1), summary: 'a' }));
  const p = file('tok.jsonl', rows.join('\n'));
  const encode = (text: string) => Array.from({ length: Math.ceil(text.length / 2) }, () => 0);
  const a = await importDataset(p, { encode, valSplit: 0.1, seed: 7 });
  const b = await importDataset(p, { encode, valSplit: 0.1, seed: 7 });
  const c = await importDataset(p, { encode, valSplit: 0.1, seed: 8 });
  assert.equal(a.stats.unit, 'tokens');
  const tokenLens = Array.from({ length: 40 }, (_, i) => Math.ceil((i + 1) / 2) + 1);
  assert.equal(a.stats.maxLength, 21);
  assert.equal(a.stats.minLength, 2);
  assert.deepEqual(
    a.stats.histogram.map((bin) => bin.count),
    [0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4],
  ); // width 2: [2,4) ... [20,22)
  assert.equal(a.stats.histogram[10].to, 22);
  assert.ok(a.split && a.split.kind === 'seeded');
  assert.ok(b.split && b.split.kind === 'seeded' && c.split && c.split.kind === 'seeded');
  assert.equal(a.split.val, 4);
  assert.equal(a.split.train, 36);
  assert.deepEqual([...a.split.valIndices], [...b.split.valIndices]);
  assert.notDeepEqual([...a.split.valIndices], [...c.split.valIndices]);
  const valTokens = [...a.split.valIndices].reduce((s, i) => s + tokenLens[i], 0);
  assert.equal(a.stats.tokensPerEpoch, tokenLens.reduce((s, x) => s + x, 0) - valTokens);
});

test('a separate validation file is checked the same way and counted', async () => {
  const train = file('train.json', '{"content":"a","summary":"b"}\n{"content":"c","summary":"d"}\n');
  const dev = file('dev.json', '{"content":"e","summary":"f"}\n{"content":"g"}\n');
  const r = await importDataset(train, { valPath: dev });
  assert.deepEqual(r.split && { ...r.split, sha256: undefined }, { kind: 'file', path: dev, train: 2, val: 1, sha256: undefined, skippedTotal: 1 });
});

test('a duplicate across the files of a folder names the file and line it repeats', async () => {
  const root = join(dir, 'dup-folder');
  mkdirSync(join(root, 'a'), { recursive: true });
  mkdirSync(join(root, 'b'), { recursive: true });
  writeFileSync(join(root, 'a', 'x.jsonl'), '{"content":"c1","summary":"s1"}\n');
  writeFileSync(join(root, 'b', 'y.jsonl'), '{"content":"c2","summary":"s2"}\n{"content":"c1","summary":"s1"}\n');
  const { r, examples } = await load(root, { dropDuplicates: true });
  assert.deepEqual(examples, [chat(1, 'c1', 's1'), chat(1, 'c2', 's2')]);
  assert.deepEqual(r.skipped, [{ file: join('b', 'y.jsonl'), line: 2, reason: `duplicate of ${join('a', 'x.jsonl')}:1` }]);
});
