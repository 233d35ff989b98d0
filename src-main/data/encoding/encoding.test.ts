import assert from 'node:assert/strict';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { detectEncoding } from './detect';
import { Gb18030Decoder } from './gb18030-decoder';
import { binaryMarker, firstInvalidGb18030, firstInvalidUtf8 } from './validate';

const ZH = '高血压患者能吃党参吗？「引号」，€ 😀 ㈠ 䶮 ḿ';

test('strict UTF-8: overlongs, surrogates and cut sequences are invalid; a cut tail is allowed in a head sample', () => {
  assert.equal(firstInvalidUtf8(Buffer.from(ZH)), -1);
  assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0x80])), 1); // overlong NUL
  assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80])), 3); // surrogate: A0 cannot follow ED
  const cut = Buffer.from('ab高').subarray(0, 4);
  assert.equal(firstInvalidUtf8(cut), 2);
  assert.equal(firstInvalidUtf8(cut, true), -(2 + 2)); // valid so far; the cut sequence starts at 2
});

test('strict GB18030: two- and four-byte structure', () => {
  const gb = iconv.encode(ZH, 'gb18030');
  assert.equal(firstInvalidGb18030(gb), -1);
  assert.equal(firstInvalidGb18030(Buffer.from([0x41, 0x81, 0x20])), 2); // lead then a space: the space is the bad byte
  assert.equal(firstInvalidGb18030(Buffer.from([0x41, 0xff])), 1);
  assert.equal(firstInvalidGb18030(Buffer.from([0x81, 0x30, 0x20, 0x30])), 2);
});

test('detection: BOM, UTF-8, GB18030 with a confidence, and undecodable bytes', () => {
  assert.deepEqual(detectEncoding(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ZH)]), true), { encoding: 'utf-8', confidence: 1, bomLength: 3 });
  assert.deepEqual(detectEncoding(Buffer.from('plain ascii'), true), { encoding: 'utf-8', confidence: 1, bomLength: 0 });
  assert.deepEqual(detectEncoding(Buffer.from(ZH), true), { encoding: 'utf-8', confidence: 0.99, bomLength: 0 });
  const gb = detectEncoding(iconv.encode('内科,高血压患者能吃党参吗？我有高血压这两天女婿来的时候给我拿了些党参泡水喝。', 'gb18030'), true);
  assert.deepEqual(gb, { encoding: 'gb18030', confidence: 0.99, bomLength: 0 });
  assert.deepEqual(detectEncoding(Buffer.from([0x61, 0x62, 0xff, 0x63]), true), { invalidAt: 2, utf8InvalidAt: 2 });
});

test('a NUL byte, or many control bytes, mark a binary file', () => {
  assert.equal(binaryMarker(Buffer.from('a,b\r\n\tc\n')), -1);
  assert.equal(binaryMarker(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00])), 4); // the NUL decides
  assert.equal(binaryMarker(Buffer.from([0x41, 0x01, 0x42, 0x02])), 1); // control bytes above 1 in 1000
  assert.equal(binaryMarker(Buffer.concat([Buffer.alloc(2000, 0x41), Buffer.from([0x01])])), -1); // one stray is tolerated
  assert.equal(binaryMarker(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00])), 4);
});

test('the table decoder matches iconv-lite on every character, across any chunk boundary', () => {
  const text = `${ZH}\r\nabc,"x"\n${ZH.repeat(3)}`;
  const bytes = iconv.encode(text, 'gb18030');
  for (const size of [1, 2, 3, 5, bytes.length]) {
    const d = new Gb18030Decoder();
    let out = '';
    for (let i = 0; i < bytes.length; i += size) out += d.write(bytes.subarray(i, i + size)) ?? '<bad>';
    out += d.end() ?? '<bad end>';
    assert.equal(out, text, `chunk ${size}`);
  }
});

test('the table decoder reports where , " LF CR land in the text it returns', () => {
  const text = '内科,"头疼, ""很疼"""\r\n外科,x\n';
  const d = new Gb18030Decoder();
  const out = d.write(iconv.encode(text, 'gb18030'));
  assert.equal(out, text);
  assert.deepEqual(
    [...d.structural],
    [...text].flatMap((ch, i) => (',"\n\r'.includes(ch) ? [i] : [])),
  );
});

test('the table decoder stops at the first invalid byte with its offset, and at a sequence cut by the end', () => {
  const d = new Gb18030Decoder();
  assert.equal(d.write(Buffer.concat([iconv.encode('好的', 'gb18030'), Buffer.from([0x81, 0x20])])), undefined);
  assert.equal(d.invalidAt, 5);
  const e = new Gb18030Decoder();
  assert.equal(e.write(Buffer.from([0x41, 0xba])), 'A');
  assert.equal(e.end(), undefined);
  assert.equal(e.invalidAt, 1);
});
