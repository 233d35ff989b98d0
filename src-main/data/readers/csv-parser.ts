/**
 * Incremental CSV parser after RFC 4180: fields split by commas, records by CRLF, LF or a lone CR;
 * a field in double quotes may hold commas, newlines and doubled quotes (""). Text is pushed in chunks and
 * each complete record comes out with the 1-based line it starts on (a quoted field may span lines).
 * Lenient where Python's csv module is: text after a closing quote is appended to the field, a quote
 * inside an unquoted field is kept literally, and blank lines are skipped. Once the header is known
 * (`setHeader`), rows come out directly as objects keyed by it.
 *
 * The hot path never builds a field a character at a time: it slices the chunk string between
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

export type CsvRecord = { line: number; fields: string[] } | { line: number; error: string } | { line: number; value: Record<string, string> };

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/** Lines one quoted field may span; past it, it is read as an unclosed quote. */
export const MAX_QUOTED_LINES = 500;

const UNCLOSED = 'unclosed quote: the quoted field opening on this line never closes (the lines after it are read as rows)';
const TOO_MANY_LINES = `unclosed quote: the quoted field opening on this line runs over ${MAX_QUOTED_LINES} lines (the lines after it are read as rows)`;
const TEXT_AFTER = (line: number) =>
  `unclosed quote: the quoted field opening on this line closes on line ${line} with text after the quote (the lines after it are read as rows)`;

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

  private parse(final: boolean, out: CsvRecord[], marksIn?: Int32Array): void {
    const s = this.buf;
    const n = s.length;
    let marks = marksIn;
    let i = 0;
    let line = this.line;
    // Next comma, LF and CR at or after i, found by indexOf and reused until passed (n = none left).
    let comma = -1;
    let lf = -1;
    let cr = -1;
    // With marks: mp walks them, only forward, as i only moves forward (a resync drops them).
    let mp = 0;
    let ml = marks ? marks.length : 0;
    const header = this.header;
    const width = header ? header.length : 0;
    while (i < n) {
      const start = i;
      const startLine = line;
      const fields: string[] = [];
      const obj: Record<string, string> | undefined = header ? { ...this.template } : undefined;
      let count = 0;
      let extra = false; // a non-empty field beyond the header
      let inner = 0; // newlines inside quoted fields
      let complete = false;
      let broken: string | undefined;
      for (;;) {
        let value: string;
        let c = s.charCodeAt(i);
        if (c === QUOTE) {
          let j = i + 1;
          let escaped = false;
          let k: number;
          for (;;) {
            if (marks) {
              while (mp < ml && (marks[mp] < j || s.charCodeAt(marks[mp]) !== QUOTE)) mp++;
              k = mp < ml ? marks[mp] : -1;
            } else k = s.indexOf('"', j);
            if (k < 0 || (k + 1 >= n && !final)) break;
            if (s.charCodeAt(k + 1) === QUOTE) {
              escaped = true;
              j = k + 2;
              continue;
            }
            break;
          }
          if (k < 0 || (k + 1 >= n && !final)) {
            // Still open at the end of what has arrived: broken already if it spans too many lines.
            if (inner + countLines(s, i + 1, n) > MAX_QUOTED_LINES) broken = TOO_MANY_LINES;
            else if (final) broken = UNCLOSED;
            break;
          }
          value = s.slice(i + 1, k);
          if (escaped) value = value.replaceAll('""', '"');
          const spanned = countLines(value, 0, value.length);
          inner += spanned;
          if (inner > MAX_QUOTED_LINES) {
            broken = TOO_MANY_LINES;
            break;
          }
          i = k + 1;
          c = s.charCodeAt(i);
          if (i < n && c !== COMMA && c !== LF && c !== CR) {
            if (spanned > 0) {
              broken = TEXT_AFTER(startLine + inner);
              break;
            }
            let j2 = i;
            while (j2 < n && (c = s.charCodeAt(j2)) !== COMMA && c !== LF && c !== CR) j2++;
            if (j2 >= n && !final) break;
            value += s.slice(i, j2);
            i = j2;
          }
        } else {
          let j: number;
          if (marks) {
            // A quote inside an unquoted field is literal: the field ends at the next , LF or CR.
            while (mp < ml && (marks[mp] < i || s.charCodeAt(marks[mp]) === QUOTE)) mp++;
            j = mp < ml ? marks[mp] : n;
          } else {
            if (comma < i) comma = s.indexOf(',', i) >>> 0;
            if (lf < i) lf = s.indexOf('\n', i) >>> 0;
            if (cr < i) cr = s.indexOf('\r', i) >>> 0;
            // indexOf's -1 became 2^32-1 through >>> 0: "none left", larger than any index.
            j = comma < lf ? comma : lf;
            if (cr < j) j = cr;
          }
          if (j >= n) {
            if (!final) break;
            j = n;
          }
          value = s.slice(i, j);
          i = j;
        }
        if (obj) {
          if (count < width) obj[header![count]] = value;
          else if (value !== '') extra = true;
        } else fields.push(value);
        count++;
        if (i >= n) {
          complete = true;
          break;
        }
        c = s.charCodeAt(i);
        if (c === COMMA) {
          i++;
          continue;
        }
        if (c === CR) {
          if (i + 1 >= n && !final) break;
          i += s.charCodeAt(i + 1) === LF ? 2 : 1;
        } else i++;
        line += inner + 1;
        complete = true;
        break;
      }
      if (!broken && !complete && n - start > MAX_RECORD_CHARS) broken = recordTooLong(undefined);
      if (broken) {
        // Resume on the line after the one the broken record opens on.
        const next = nextLineStart(s, start, final);
        if (next < 0) {
          this.keep(s, start, startLine, n);
          return;
        }
        out.push({ line: startLine, error: broken });
        i = next;
        line = startLine + 1;
        marks = undefined;
        ml = 0;
        comma = lf = cr = -1;
        continue;
      }
      if (!complete) {
        this.keep(s, start, startLine, n);
        return;
      }
      const first = s.charCodeAt(start);
      const blank = count === 1 && (first === LF || first === CR || start === n);
      if (blank) continue;
      if (!obj) out.push({ line: startLine, fields });
      else if (count < width || extra) out.push({ line: startLine, error: `row has ${count} field${count === 1 ? '' : 's'}, the header has ${width}` });
      else out.push({ line: startLine, value: obj });
    }
    this.buf = '';
    this.line = line;
    this.need = 0;
  }

  /** Holds the cut record from `start` until twice its length has arrived. */
  private keep(s: string, start: number, startLine: number, n: number): void {
    this.buf = s.slice(start);
    this.line = startLine;
    this.need = (n - start) * 2;
  }
}

/** Newlines (LF, or a CR not followed by LF) in s[from, to). */
function countLines(s: string, from: number, to: number): number {
  let lines = 0;
  for (let p = from; p < to; p++) {
    const c = s.charCodeAt(p);
    if (c === LF || (c === CR && s.charCodeAt(p + 1) !== LF)) lines++;
  }
  return lines;
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
