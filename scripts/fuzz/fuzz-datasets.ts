/**
 * Mutated dataset files: eight seed files (every container and encoding the importer reads), each input one
 * to three seeded mutations of one seed (byte flips, inserted structure characters, cut or repeated
 * ranges, a stray 0xFF or NUL, a BOM, deep nesting, an over-long line, a changed extension). Every input
 * must import (every skip one line with its line number) or be refused with one line naming the file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { importDataset } from '../../src-main/data/import-dataset';
import { MAX_RECORD_CHARS } from '../../src-main/data/limits';
import { checkReject, newCounts, timed, type FuzzCounts, type FuzzRng } from './fuzz-rng';

const chat = (u: string, a: string) =>
  JSON.stringify({
    messages: [
      { role: 'user', content: u },
      { role: 'assistant', content: a },
    ],
  });

const SEEDS: { ext: string; bytes: Buffer }[] = [
  {
    ext: '.jsonl',
    bytes: Buffer.from([chat('图书馆几点开门？', '早上八点。'), chat('Hi', 'Hello!'), chat('宿舍几点熄灯？', '晚上十一点。')].join('\n') + '\n'),
  },
  {
    ext: '.json',
    bytes: Buffer.from(
      JSON.stringify(
        [
          {
            conversations: [
              { from: 'human', value: '你好' },
              { from: 'gpt', value: '你好！' },
            ],
          },
          {
            conversations: [
              { from: 'human', value: 'q' },
              { from: 'gpt', value: 'a' },
            ],
          },
        ],
        null,
        2,
      ),
    ),
  },
  {
    ext: '.json',
    bytes: Buffer.from(
      JSON.stringify([
        { instruction: '2+3?', input: '', output: 5 },
        { instruction: 'Translate', input: 'cat', output: '猫' },
      ]),
    ),
  },
  {
    ext: '.csv',
    bytes: iconv.encode('department,title,ask,answer\r\n内科,高血压,"我有高血压,能吃""党参""吗？\r\n谢谢",可以吃。\r\n外科,腰疼,,多休息\r\n', 'gb18030'),
  },
  { ext: '.csv', bytes: Buffer.from('question,answer\n"multi\nline",ok\nplain,"with, comma"\n') },
  { ext: '.txt', bytes: Buffer.from('第一段。\n还是第一段。\n\nSecond paragraph.\n\n第三段\n') },
  {
    ext: '.jsonl',
    bytes: Buffer.from(
      [
        { content: '类型#裤*版型#宽松', summary: '宽松的阔腿裤' },
        { content: 'a', summary: 'b' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    ),
  },
  { ext: '.csv', bytes: Buffer.from('question,answer\n几点？,八点。\n', 'utf16le') },
];

const EXTS = ['.csv', '.jsonl', '.json', '.txt', '.md', '.ndjson', ''];
const STRUCTURE = ['"', '{', '}', '[', ']', ',', '\n', '\r', '\\', ':', '""', '\r\n'];

function mutate(rng: FuzzRng, src: Buffer): { bytes: Buffer; ext?: string } {
  let b = Buffer.from(src);
  let ext: string | undefined;
  const steps = 1 + rng.int(3);
  for (let s = 0; s < steps; s++) {
    const at = rng.int(b.length + 1);
    switch (rng.int(11)) {
      case 0:
        if (b.length) b[Math.min(at, b.length - 1)] = rng.int(256);
        break;
      case 1:
        b = Buffer.concat([b.subarray(0, at), Buffer.from(rng.pick(STRUCTURE)), b.subarray(at)]);
        break;
      case 2: {
        const end = Math.min(b.length, at + 1 + rng.int(40));
        b = Buffer.concat([b.subarray(0, at), b.subarray(end)]);
        break;
      }
      case 3: {
        const end = Math.min(b.length, at + 1 + rng.int(60));
        const piece = b.subarray(at, end);
        b = Buffer.concat([b.subarray(0, end), ...Array.from({ length: 1 + rng.int(20) }, () => piece), b.subarray(end)]);
        break;
      }
      case 4:
        b = b.subarray(0, at);
        break;
      case 5:
        b = Buffer.concat([b.subarray(0, at), Buffer.from([rng.pick([0xff, 0x00, 0x80, 0xc0, 0xed])]), b.subarray(at)]);
        break;
      case 6:
        b = Buffer.concat([rng.pick([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([0xff, 0xfe]), Buffer.from([0xfe, 0xff])]), b]);
        break;
      case 7: {
        const d = 10 + rng.int(3000);
        b = Buffer.concat([b.subarray(0, at), Buffer.from('['.repeat(d) + (rng.chance(0.5) ? ']'.repeat(d) : '')), b.subarray(at)]);
        break;
      }
      case 8:
        // Over-long lines are rare: each costs a megabyte.
        if (rng.chance(0.15)) b = Buffer.concat([b.subarray(0, at), Buffer.from('x'.repeat(MAX_RECORD_CHARS + 1 + rng.int(100))), b.subarray(at)]);
        break;
      case 9:
        ext = rng.pick(EXTS);
        break;
      default:
        b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + rng.int(8) }, () => rng.int(256))), b.subarray(at)]);
    }
  }
  return { bytes: b, ...(ext !== undefined ? { ext } : {}) };
}

export interface DatasetFuzzOptions {
  n: number;
  rng: FuzzRng;
  dir: string;
  /** Keeps the paths of the inputs written (the frame fuzz points requests at them). */
  keep?: string[];
}

export async function fuzzDatasets(opts: DatasetFuzzOptions): Promise<FuzzCounts> {
  const c = newCounts('datasets', 10_000);
  for (let i = 0; i < opts.n; i++) {
    const seed = opts.rng.pick(SEEDS);
    const m = mutate(opts.rng, seed.bytes);
    const path = join(opts.dir, `d${i}${m.ext ?? seed.ext}`);
    writeFileSync(path, m.bytes);
    if (opts.keep && opts.keep.length < 200) opts.keep.push(path);
    const label = `dataset ${i} (${path})`;
    await timed(c, label, async () => {
      try {
        const r = await importDataset(path, { maxSkipsListed: 100_000 });
        const bad = r.skipped.find((s) => s.reason.includes('\n') || !(s.line >= 1));
        if (bad) c.failures.push(`${label}: a skip without a line, or of several lines: ${JSON.stringify(bad)}`);
        else if (r.examples + r.skippedTotal < 1) c.failures.push(`${label}: accepted with nothing in it`);
        else c.accepted++;
      } catch (err) {
        checkReject(c, label, err, path);
      }
    });
  }
  return c;
}
