/**
 * Opens a dataset file as a stream of raw records: decodes it (encoding detected or forced), decides the
 * container (CSV, JSON array, JSONL, plain text) from the extension and the first character, and yields
 * records in batches, one batch per decoded chunk, each with the line it starts on. CSV rows come out as
 * objects keyed by the header; a row that cannot be read is an `{line, error}` record for the caller's
 * skip-or-stop policy. Problems that make the whole file unreadable are UserErrors naming file and line.
 */
import type { Hash } from 'node:crypto';
import { extname } from 'node:path';
import { UserError } from '../../errors';
import { openText, type DecodedChunk, type DecodedText, type EncodingChoice } from '../encoding/decode-file';
import type { Container, EncodingName, RawRecord } from '../types';
import { CsvParser, type CsvRecord } from './csv-parser';
import { JsonArrayCutShort, JsonArraySplitter, JsonArrayStrayText, type JsonElement } from './json-array-splitter';
import { LineSplitter, type NumberedLine } from './line-splitter';
import { jsonDeeperThan, jsonTooDeep, MAX_RECORD_CHARS, recordTooLong } from '../limits';

export type TextUnit = 'auto' | 'line' | 'paragraph';

export interface ReadOptions {
  encoding?: EncodingChoice;
  hash?: Hash;
  onBytes?: (bytesRead: number) => void;
  /** Plain text: one example per line, per blank-line-separated paragraph, or decided from the head. */
  textUnit?: TextUnit;
  chunkBytes?: number;
  sampleBytes?: number;
}

export interface RecordReader {
  path: string;
  readonly encoding: EncodingName;
  readonly confidence: number;
  size: number;
  container: Container;
  /** The CSV header (trimmed); absent for other containers. */
  header?: string[];
  batches: AsyncGenerator<RawRecord[], void, undefined>;
}

export function containerFromExtension(path: string): Container | 'sniff-json' | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.json') return 'sniff-json';
  if (ext === '.txt' || ext === '.md') return 'text';
  return undefined;
}

/** Parses one JSON text; the reason names the column where JSON.parse gave up, when it says. */
export function parseJsonRecord(line: number, text: string): RawRecord {
  if (text.length > MAX_RECORD_CHARS) return { line, error: recordTooLong(text.length) };
  // Checked before parsing: what walks the value later must not meet a million nested arrays.
  if (jsonDeeperThan(text)) return { line, error: jsonTooDeep };
  try {
    return { line, value: JSON.parse(text) };
  } catch (err) {
    const pos = /position (\d+)/.exec((err as Error).message);
    return { line, error: pos ? `not valid JSON (at character ${Number(pos[1]) + 1})` : 'not valid JSON' };
  }
}

export async function openRecords(path: string, opts: ReadOptions = {}): Promise<RecordReader> {
  const text = await openText(path, opts);
  const chunks = text.chunks;
  const head: DecodedChunk[] = [];
  // Pull chunks until one holds a non-blank character, to sniff the container.
  let firstChar = -1;
  for (;;) {
    const r = await chunks.next();
    if (r.done) break;
    head.push(r.value);
    const m = /[^\s\uFEFF]/.exec(r.value.text);
    if (m) {
      firstChar = r.value.text.charCodeAt(m.index);
      break;
    }
  }
  if (firstChar < 0) throw new UserError('the file holds only blank space', { where: path, hint: 'choose a file that holds the dataset' });
  const byExt = containerFromExtension(path);
  const container: Container =
    byExt === 'sniff-json' || byExt === undefined ? (firstChar === 91 ? 'json-array' : firstChar === 123 || byExt === 'sniff-json' ? 'jsonl' : 'csv') : byExt;
  async function* all(): AsyncGenerator<DecodedChunk, void, undefined> {
    yield* head;
    yield* chunks;
  }
  if (container === 'csv') return openCsv(path, text, all());
  if (container === 'json-array') return reader(path, text, container, undefined, jsonArrayBatches(path, all()));
  if (container === 'jsonl') return reader(path, text, container, undefined, jsonlBatches(path, all()));
  return reader(path, text, container, undefined, textBatches(all(), opts.textUnit ?? 'auto'));
}

/** Encoding and confidence are read through: they can settle only once streaming meets non-ASCII bytes. */
function reader(path: string, text: DecodedText, container: Container, header: string[] | undefined, batches: RecordReader['batches']): RecordReader {
  return {
    path,
    get encoding() {
      return text.encoding;
    },
    get confidence() {
      return text.confidence;
    },
    size: text.size,
    container,
    header,
    batches,
  };
}

async function openCsv(path: string, text: DecodedText, src: AsyncGenerator<DecodedChunk, void, undefined>): Promise<RecordReader> {
  const parser = new CsvParser();
  const first: CsvRecord[] = [];
  const where = (line: number) => `${path}:${line}`;
  // Broken rows (an unclosed quote, a record over the limit) come out as error records: nothing here throws.
  const guard = (fn: () => void) => fn();
  let ended = false;
  while (first.length === 0) {
    const r = await src.next();
    if (r.done) {
      guard(() => parser.end(first));
      ended = true;
      break;
    }
    guard(() => parser.push(r.value.text, first, r.value.structural));
  }
  const headerRec = first.shift();
  if (!headerRec || !('fields' in headerRec)) {
    const why = headerRec && 'error' in headerRec ? `the header row cannot be read (${headerRec.error})` : 'the CSV has no header row';
    throw new UserError(why, { where: where(headerRec?.line ?? 1), hint: 'the first row must name the columns' });
  }
  const header = headerRec.fields.map((h) => h.trim());
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new UserError(`column "${h}" appears twice in the header`, { where: where(headerRec.line), hint: 'rename one of them' });
    seen.add(h);
  }
  parser.setHeader(header);
  // Rows parsed along with the header came out as field lists; key them the same way the parser now does.
  const toRecord = (rec: CsvRecord): RawRecord => {
    if (!('fields' in rec)) return rec;
    const f = rec.fields;
    if (f.length < header.length || f.slice(header.length).some((x) => x !== ''))
      return { line: rec.line, error: `row has ${f.length} field${f.length === 1 ? '' : 's'}, the header has ${header.length}` };
    // fromEntries defines own properties: a column named __proto__ stays a field.
    return { line: rec.line, value: Object.fromEntries(header.map((h, k) => [h, f[k]])) };
  };
  async function* batches(): AsyncGenerator<RawRecord[], void, undefined> {
    if (first.length) yield first.map(toRecord);
    if (ended) return;
    for await (const chunk of src) {
      const out: CsvRecord[] = [];
      guard(() => parser.push(chunk.text, out, chunk.structural));
      if (out.length) yield out as RawRecord[];
    }
    const out: CsvRecord[] = [];
    guard(() => parser.end(out));
    if (out.length) yield out as RawRecord[];
  }
  return reader(path, text, 'csv', header, batches());
}

async function* jsonArrayBatches(path: string, src: AsyncGenerator<DecodedChunk, void, undefined>): AsyncGenerator<RawRecord[], void, undefined> {
  const splitter = new JsonArraySplitter(MAX_RECORD_CHARS);
  try {
    for await (const chunk of src) {
      const out: JsonElement[] = [];
      splitter.push(chunk.text, out);
      if (out.length) yield out.map((e) => (e.tooLong ? { line: e.line, error: recordTooLong(undefined) } : parseJsonRecord(e.line, e.text)));
    }
    splitter.end();
  } catch (err) {
    if (err instanceof JsonArrayCutShort) {
      throw new UserError(`the JSON array is cut short: ${err.message} (the file ends on line ${err.endLine})`, {
        where: `${path}:${err.line}`,
        hint: 'the file is probably truncated: export or download it again',
      });
    }
    if (err instanceof JsonArrayStrayText) {
      throw new UserError(err.message, { where: `${path}:${err.line}`, hint: 'a .json dataset is one array [...] or one object per line (JSONL)' });
    }
    throw err;
  }
}

async function* jsonlBatches(path: string, src: AsyncGenerator<DecodedChunk, void, undefined>): AsyncGenerator<RawRecord[], void, undefined> {
  const splitter = new LineSplitter(MAX_RECORD_CHARS);
  let first = true;
  const convert = (lines: NumberedLine[]): RawRecord[] => {
    const out: RawRecord[] = [];
    for (const l of lines) {
      if (l.tooLong !== undefined) {
        first = false;
        out.push({ line: l.line, error: recordTooLong(l.tooLong) });
        continue;
      }
      const t = l.text.trim();
      if (t === '') continue;
      // A pretty-printed object opens with "{" alone: that is one document, not one record per line.
      if (first && t === '{') {
        throw new UserError('the file is one JSON object spread over many lines, not an array [...] or one object per line (JSONL)', {
          where: `${path}:${l.line}`,
          hint: 'if the records sit under a key such as "data", save that array on its own',
        });
      }
      first = false;
      out.push(parseJsonRecord(l.line, l.text));
    }
    return out;
  };
  for await (const chunk of src) {
    const lines: NumberedLine[] = [];
    splitter.push(chunk.text, lines);
    const recs = convert(lines);
    if (recs.length) yield recs;
  }
  const lines: NumberedLine[] = [];
  splitter.end(lines);
  const recs = convert(lines);
  if (recs.length) yield recs;
}

/**
 * Plain text. `auto` picks paragraphs when the head holds a blank line between text lines, else lines:
 * a novel with one paragraph per line and a wrapped text with blank-line breaks both come out right.
 */
async function* textBatches(src: AsyncGenerator<DecodedChunk, void, undefined>, unit: TextUnit): AsyncGenerator<RawRecord[], void, undefined> {
  const splitter = new LineSplitter(MAX_RECORD_CHARS);
  let mode: 'line' | 'paragraph' | undefined = unit === 'auto' ? undefined : unit;
  let para: string[] = [];
  let paraLine = 0;
  let paraChars = 0;
  let paraTooLong = false;
  const flush = (out: RawRecord[]) => {
    if (para.length || paraTooLong)
      out.push(paraTooLong ? { line: paraLine, error: recordTooLong(paraChars) } : { line: paraLine, value: { text: para.join('\n') } });
    para = [];
    paraChars = 0;
    paraTooLong = false;
  };
  const feed = (lines: NumberedLine[], out: RawRecord[]) => {
    if (mode === undefined) mode = hasParagraphBreak(lines) ? 'paragraph' : 'line';
    for (const l of lines) {
      const blank = l.tooLong === undefined && isBlank(l.text);
      if (mode === 'line') {
        if (l.tooLong !== undefined) out.push({ line: l.line, error: recordTooLong(l.tooLong) });
        else if (!blank) out.push({ line: l.line, value: { text: l.text } });
      } else if (blank) flush(out);
      else {
        if (!para.length && !paraTooLong) paraLine = l.line;
        paraChars += (l.tooLong ?? l.text.length) + 1;
        // A paragraph past the limit keeps counting, but no longer keeps its text.
        if (paraTooLong || paraChars > MAX_RECORD_CHARS) {
          paraTooLong = true;
          para = [];
        } else para.push(l.text);
      }
    }
  };
  for await (const chunk of src) {
    const lines: NumberedLine[] = [];
    splitter.push(chunk.text, lines);
    const out: RawRecord[] = [];
    if (lines.length) feed(lines, out);
    if (out.length) yield out;
  }
  const lines: NumberedLine[] = [];
  splitter.end(lines);
  const out: RawRecord[] = [];
  feed(lines, out);
  flush(out);
  if (out.length) yield out;
}

/** Blank: only spaces, tabs and CRs, as the paragraph rule reads it. */
function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && s[i].trim() !== '') return false;
  }
  return true;
}

/**
 * Whether a text line is followed by one or more blank lines and then another text line: one pass over
 * the lines, each line scanned once (a regex over the joined text backtracked quadratically on one long line).
 */
export function hasParagraphBreak(lines: readonly NumberedLine[]): boolean {
  let text = false;
  let gap = false;
  for (const l of lines) {
    const blank = l.tooLong === undefined && isBlank(l.text);
    if (!blank) {
      if (text && gap) return true;
      text = true;
      gap = false;
    } else if (text) gap = true;
  }
  return false;
}
