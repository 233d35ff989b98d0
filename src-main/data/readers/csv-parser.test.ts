import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CsvParser, type CsvRecord } from './csv-parser';

/** Where , " LF CR sit, as the GB18030 decoder reports them alongside its text. */
function marksOf(s: string): Int32Array {
  return Int32Array.from([...s].flatMap((ch, i) => (',"\n\r'.includes(ch) ? [i] : [])));
}

function parse(text: string, chunk = Infinity, withMarks = false): CsvRecord[] {
  const p = new CsvParser();
  const out: CsvRecord[] = [];
  const size = Number.isFinite(chunk) ? chunk : text.length || 1;
  for (let i = 0; i < text.length; i += size) {
    const piece = text.slice(i, i + size);
    p.push(piece, out, withMarks ? marksOf(piece) : undefined);
  }
  p.end(out);
  return out;
}

const TRICKY =
  '\uFEFFa,b,c\r\n' + '1,"two, with comma","three ""quoted"""\r\n' + '\r\n' + '"multi\r\nline\nfield",x,\r\n' + 'lone,cr\rnext,row,end\n' + 'last,"",row';

const EXPECTED: CsvRecord[] = [
  { line: 1, fields: ['a', 'b', 'c'] },
  { line: 2, fields: ['1', 'two, with comma', 'three "quoted"'] },
  { line: 4, fields: ['multi\r\nline\nfield', 'x', ''] },
  { line: 7, fields: ['lone', 'cr'] },
  { line: 8, fields: ['next', 'row', 'end'] },
  { line: 9, fields: ['last', '', 'row'] },
];

test('RFC 4180: quoted commas, doubled quotes, embedded CRLF/LF, CRLF rows, BOM, blank lines, start lines', () => {
  assert.deepEqual(parse(TRICKY), EXPECTED);
});

test('the same records come out whatever the chunk boundaries (1, 2, 3, 7 characters)', () => {
  for (const size of [1, 2, 3, 7]) assert.deepEqual(parse(TRICKY, size), EXPECTED, `chunk ${size}`);
});

test('the same records come out when the decoder passes the structure positions, in any chunking', () => {
  // (Without the BOM: stripping it shifts positions, so a first chunk with a BOM is searched instead.)
  for (const size of [Infinity, 1, 2, 3, 7]) assert.deepEqual(parse(TRICKY.slice(1), size, true), EXPECTED, `chunk ${size}`);
  assert.deepEqual(parse('"ab"cd,e"f\n', Infinity, true), [{ line: 1, fields: ['abcd', 'e"f'] }]);
  assert.deepEqual(parse('a,b\n1,"never closed\n2,3\n', 4, true), parse('a,b\n1,"never closed\n2,3\n'));
});

test('lenient where Python csv is: text after a closing quote, a quote inside an unquoted field', () => {
  assert.deepEqual(parse('"ab"cd,e"f\n'), [{ line: 1, fields: ['abcd', 'e"f'] }]);
});

test('an unclosed quote is one error record at the line it opens on; the rows after it are still read', () => {
  assert.deepEqual(parse('a,b\n1,"never closed\n2,3\n'), [
    { line: 1, fields: ['a', 'b'] },
    { line: 2, error: 'unclosed quote: the quoted field opening on this line never closes (the lines after it are read as rows)' },
    { line: 3, fields: ['2', '3'] },
  ]);
});

test('a trailing comma at the end of the file is an empty last field', () => {
  assert.deepEqual(parse('a,b\n1,'), [
    { line: 1, fields: ['a', 'b'] },
    { line: 2, fields: ['1', ''] },
  ]);
});

test('with a header set, rows come out keyed by it; short rows and non-empty extras are errors', () => {
  const p = new CsvParser();
  const out: CsvRecord[] = [];
  p.push('a,b\r\n', out);
  p.setHeader(['a', 'b']);
  p.push('1,2\r\n3\r\n4,5,,\r\n6,7,8\r\n"x\ny",z', out);
  p.end(out);
  assert.deepEqual(out, [
    { line: 1, fields: ['a', 'b'] },
    { line: 2, value: { a: '1', b: '2' } },
    { line: 3, error: 'row has 1 field, the header has 2' },
    { line: 4, value: { a: '4', b: '5' } },
    { line: 5, error: 'row has 3 fields, the header has 2' },
    { line: 6, value: { a: 'x\ny', b: 'z' } },
  ]);
});

test("a column named __proto__ is an ordinary field, never the row object's prototype", () => {
  const p = new CsvParser();
  const out: CsvRecord[] = [];
  p.setHeader(['__proto__', 'b']);
  p.push('x,y\n', out);
  p.end(out);
  const rec = out[0] as { value: Record<string, string> };
  assert.equal(Object.getPrototypeOf(rec.value), Object.prototype);
  assert.deepEqual(Object.entries(rec.value), [
    ['__proto__', 'x'],
    ['b', 'y'],
  ]);
});
