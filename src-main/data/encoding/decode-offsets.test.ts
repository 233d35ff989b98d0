import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { tempDir } from '../../test-support/paths';
import { openText, type EncodingChoice } from './decode-file';

const dir = tempDir('tuneloom-offsets-');

/** A small seeded generator (mulberry32), so the corpus is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function reported(bytes: Buffer, encoding: EncodingChoice, n: number): Promise<{ offset: number; byte: string; line: number }> {
  const p = join(dir, `f${n}.txt`);
  writeFileSync(p, bytes);
  try {
    const t = await openText(p, { encoding, chunkBytes: 97, sampleBytes: 211 });
    for await (const _ of t.chunks);
  } catch (e) {
    const m = /:(\d+): .*byte (0x[0-9A-F]{2}) at offset (\d+)/.exec((e as Error).message);
    assert.ok(m, (e as Error).message);
    return { line: Number(m[1]), byte: m[2]!, offset: Number(m[3]) };
  }
  throw new Error('no decoding error');
}

test('301 seeded single-byte corruptions: the error names the damaged byte, its offset and its line', async () => {
  const text = '问：图书馆几点开门？答：早上八点, "周末" 九点。\n'.repeat(12);
  const sources: [string, Buffer, EncodingChoice[]][] = [
    ['utf-8', Buffer.from(text, 'utf8'), ['auto', 'utf-8']],
    ['gb18030', iconv.encode(text, 'gb18030'), ['auto', 'gb18030']],
  ];
  const next = rng(301);
  let wrong = 0;
  const failures: string[] = [];
  for (let k = 0; k < 301; k++) {
    const [name, clean, choices] = sources[k % 2]!;
    const pos = Math.floor(next() * clean.length);
    const bytes = Buffer.from(clean);
    bytes[pos] = 0xff; // never valid in either encoding
    const expectedLine = clean.subarray(0, pos).filter((b) => b === 10).length + 1;
    for (const choice of choices) {
      const r = await reported(bytes, choice, k);
      if (r.offset !== pos || r.byte !== '0xFF' || r.line !== expectedLine) {
        wrong++;
        if (failures.length < 5) failures.push(`${name} --encoding ${choice} byte ${pos}: reported ${JSON.stringify(r)}`);
      }
    }
  }
  assert.equal(wrong, 0, failures.join('\n'));
});

test('a sequence cut by a byte that cannot continue it names that byte; one cut by the end of the file names its start', async () => {
  const cases: [number[], EncodingChoice, number][] = [
    [[0x61, 0xe6, 0x96, 0x41], 'utf-8', 3], // E6 96 then 'A': the 'A' cannot continue
    [[0x61, 0xe6, 0xc0], 'utf-8', 2], // C0 is never valid
    [[0x61, 0x62, 0xe6, 0x96], 'utf-8', 2], // cut by the end of the file
    [[0x61, 0x81, 0x20], 'gb18030', 2], // lead 81 then a space
    [[0x61, 0x81, 0x30, 0x20, 0x30], 'gb18030', 3], // four-byte sequence broken at its third byte
    [[0x61, 0x80], 'gb18030', 1], // 80 never leads
  ];
  let n = 1000;
  for (const [bytes, enc, at] of cases) assert.equal((await reported(Buffer.from(bytes), enc, n++)).offset, at, `${enc} ${bytes.map((b) => b.toString(16))}`);
});
