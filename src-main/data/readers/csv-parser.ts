/**
 * Incremental CSV parser after RFC 4180: fields split by commas, records by CRLF, LF or a lone CR;
 * a field in double quotes may hold commas, newlines and doubled quotes (""). Text is pushed in chunks and
 * each complete record comes out with the 1-based line it starts on (a quoted field may span lines).
 * Lenient where Python's csv module is: text after a closing quote is appended to the field, a quote
 * inside an unquoted field is kept literally, and blank lines are skipped. Once the header is known
 * (`setHeader`), rows come out directly as objects keyed by it.
 *
 * The hot path (csv-scanner.ts) never builds a field a character at a time: it slices the chunk string between
 * delimiters, which it finds either from the positions the GB18030 decoder noted while decoding (no second
 * scan of the text) or with indexOf. Row objects are copies of one template, so they share a shape.
 * A record cut by a chunk boundary is re-parsed once more text arrives; the parser waits for twice the
 * cut record's length before retrying, so a huge record costs linear time overall.
 *
 * An unclosed quote would swallow every row after it. So a quoted field is taken as broken when it never
 * closes, when it runs over MAX_QUOTED_LINES lines, or when it spans lines and its closing quote is
 * followed by text (the quote it met opened a later field); a record over MAX_RECORD_CHARS is broken too.
 * A broken record is one `{line, error}` at the line it opens on, and parsing resumes on the next line,
 * so every other row is still read, each reported or imported.
 */

import { MAX_RECORD_CHARS, recordTooLong } from '../limits';
import { CsvScanner } from './csv-scanner';

export type CsvRecord = { line: number; fields: string[] } | { line: number; error: string } | { line: number; value: Record<string, string> };

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/** Lines one quoted field may span; past it, it is read as an unclosed quote. */
export { MAX_QUOTED_LINES } from './csv-scanner';

export class CsvParser {
  /** Once set, rows come out as objects keyed by it (no intermediate arrays on the hot path). */
  private header: string[] | undefined;
  private buf = '';
  private line = 1;
  private pending: string[] = [];
  private pendingLen = 0;
  private need = 0;
  private started = false;

  /**
   * From now on rows are `{line, value}` objects keyed by `header`; a row with fewer fields, or with more
   * that are not all empty, is `{line, error}`.
   */
  setHeader(header: string[]): void {
    this.header = header;
    this.template = Object.fromEntries(header.map((h) => [h, '']));
  }

  /** Every row object starts as a copy of this, so all rows share one shape (no per-key map changes). */
  private template: Record<string, string> = {};

  /**
   * `structural`: where , " LF CR sit in `text`, ascending, when the decoder noted them (gb18030-decoder);
   * with it the parser jumps between those positions instead of searching the text.
   */
  push(text: string, out: CsvRecord[], structural?: Int32Array): void {
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
        structural = undefined;
      }
    }
    if (this.buf.length + this.pendingLen + text.length < this.need) {
      this.pending.push(text);
      this.pendingLen += text.length;
      return;
    }
    let marks: Int32Array | undefined;
    if (this.pending.length) {
      this.buf = this.buf + this.pending.join('') + text;
    } else {
      if (structural) marks = this.buf ? joinMarks(structuralOf(this.buf), structural, this.buf.length) : structural;
      this.buf = this.buf ? this.buf + text : text;
    }
    this.pending = [];
    this.pendingLen = 0;
    this.parse(false, out, marks);
  }

  end(out: CsvRecord[]): void {
    if (this.pending.length) this.buf += this.pending.join('');
    this.pending = [];
    this.pendingLen = 0;
    this.parse(true, out);
    this.buf = '';
  }

  private parse(final: boolean, out: CsvRecord[], marks?: Int32Array): void {
    const sc = new CsvScanner(this.buf, final, marks, this.line, this.header, this.template);
    const { s, n } = sc;
    while (sc.i < n) {
      sc.readRecord();
      const { start, startLine } = sc;
      let broken = sc.broken;
      if (!broken && !sc.complete && n - start > MAX_RECORD_CHARS) broken = recordTooLong(undefined);
      if (broken) {
        // Resume on the line after the one the broken record opens on.
        const next = nextLineStart(s, start, final);
        if (next < 0) {
          this.keep(s, start, startLine, n);
          return;
        }
        out.push({ line: startLine, error: broken });
        sc.resync(next);
        continue;
      }
      if (!sc.complete) {
        this.keep(s, start, startLine, n);
        return;
      }
      const first = s.charCodeAt(start);
      const blank = sc.count === 1 && (first === LF || first === CR || start === n);
      if (blank) continue;
      out.push(sc.record());
    }
    this.buf = '';
    this.line = sc.line;
    this.need = 0;
  }

  /** Holds the cut record from `start` until twice its length has arrived. */
  private keep(s: string, start: number, startLine: number, n: number): void {
    this.buf = s.slice(start);
    this.line = startLine;
    this.need = (n - start) * 2;
  }
}

/** Where the line after the one at `start` begins; -1 when its end has not arrived yet (n at the end of the data). */
function nextLineStart(s: string, start: number, final: boolean): number {
  for (let p = start; p < s.length; p++) {
    const c = s.charCodeAt(p);
    if (c === LF) return p + 1;
    if (c === CR) {
      if (p + 1 >= s.length && !final) return -1;
      return s.charCodeAt(p + 1) === LF ? p + 2 : p + 1;
    }
  }
  return final ? s.length : -1;
}

/** Positions of , " LF CR in `s` (a cut record carried over: short). */
function structuralOf(s: string): Int32Array {
  const found: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === COMMA || c === QUOTE || c === LF || c === CR) found.push(i);
  }
  return Int32Array.from(found);
}

function joinMarks(a: Int32Array, b: Int32Array, shift: number): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  for (let i = 0; i < b.length; i++) out[a.length + i] = b[i] + shift;
  return out;
}
