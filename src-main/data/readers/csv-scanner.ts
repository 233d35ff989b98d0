/**
 * The record reader inside `CsvParser` (see csv-parser.ts for the dialect and the broken-record rules):
 * one scan of the buffered text, from its start to its end or to a record cut by the end of what has
 * arrived. Apart from the parser so that a quoted field, an unquoted field and the record around them
 * are each a method. The state lives in fields, set per record, so reading a field allocates nothing
 * but the field's string; the hot loops copy what they walk into locals.
 */
import type { CsvRecord } from './csv-parser';

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

/** Fields of a row without a header go here; with a header they go into `obj`. */
const NO_FIELDS: string[] = [];

export class CsvScanner {
  readonly n: number;
  /** Where reading goes on. */
  i = 0;
  /** The line `i` is on. */
  line: number;
  // Next comma, LF and CR at or after i, found by indexOf and reused until passed (n = none left).
  private comma = -1;
  private lf = -1;
  private cr = -1;
  // With marks: mp walks them, only forward, as i only moves forward (a resync drops them).
  private marks: Int32Array | undefined;
  private mp = 0;
  private ml: number;
  private readonly width: number;
  /** Set by closingQuote: the quoted field holds doubled quotes. */
  private escaped = false;

  // The record readRecord last read.
  start = 0;
  startLine = 0;
  fields: string[] = NO_FIELDS;
  obj: Record<string, string> | undefined;
  count = 0;
  /** A non-empty field beyond the header. */
  extra = false;
  /** Newlines inside quoted fields. */
  inner = 0;
  complete = false;
  broken: string | undefined;

  constructor(
    readonly s: string,
    readonly final: boolean,
    marks: Int32Array | undefined,
    line: number,
    private readonly header: string[] | undefined,
    private readonly template: Record<string, string>,
  ) {
    this.n = s.length;
    this.line = line;
    this.marks = marks;
    this.ml = marks ? marks.length : 0;
    this.width = header ? header.length : 0;
  }

  /** Reads one record from `i`: it ends `complete`, `broken` (the reason), or neither (cut by the end of the text). */
  readRecord(): void {
    const { s, n, final, header, width } = this;
    this.start = this.i;
    this.startLine = this.line;
    this.inner = 0;
    this.broken = undefined;
    // Locals while reading, stored once at the end: the per-field work stays in registers.
    const fields: string[] = header ? NO_FIELDS : [];
    const obj = header ? { ...this.template } : undefined;
    let count = 0;
    let extra = false;
    let complete = false;
    for (;;) {
      let value: string | undefined;
      const at = this.i;
      if (s.charCodeAt(at) === QUOTE) value = this.readQuoted();
      else {
        // Unquoted (the common case), read here rather than in a method of its own: the hot path.
        let j = this.marks ? this.nextMarkedDelimiter(at) : this.nextDelimiter(at);
        if (j >= n) {
          if (!final) break;
          j = n;
        }
        this.i = j;
        value = s.slice(at, j);
      }
      if (value === undefined) break;
      if (obj) {
        if (count < width) obj[header![count]] = value;
        else if (value !== '') extra = true;
      } else fields.push(value);
      count++;
      const i = this.i;
      if (i >= n) {
        complete = true;
        break;
      }
      const c = s.charCodeAt(i);
      if (c === COMMA) {
        this.i = i + 1;
        continue;
      }
      if (c === CR) {
        if (i + 1 >= n && !final) break;
        this.i = i + (s.charCodeAt(i + 1) === LF ? 2 : 1);
      } else this.i = i + 1;
      this.line += this.inner + 1;
      complete = true;
      break;
    }
    this.fields = fields;
    this.obj = obj;
    this.count = count;
    this.extra = extra;
    this.complete = complete;
  }

  /** The record just read (complete, not blank) as the parser hands it out. */
  record(): CsvRecord {
    const { obj, count, width } = this;
    if (!obj) return { line: this.startLine, fields: this.fields };
    if (count < width || this.extra) return { line: this.startLine, error: `row has ${count} field${count === 1 ? '' : 's'}, the header has ${width}` };
    return { line: this.startLine, value: obj };
  }

  /** Goes on at `next`, the line after the broken record's first; the marks and found delimiters are dropped. */
  resync(next: number): void {
    this.i = next;
    this.line = this.startLine + 1;
    this.marks = undefined;
    this.ml = 0;
    this.comma = this.lf = this.cr = -1;
  }

  /** The quoted field at `i`, with any text after its closing quote; undefined: broken, or not all here yet. */
  private readQuoted(): string | undefined {
    const { s, n, final } = this;
    const i = this.i;
    const k = this.closingQuote(i + 1);
    if (k < 0 || (k + 1 >= n && !final)) {
      // Still open at the end of what has arrived: broken already if it spans too many lines.
      if (this.inner + countLines(s, i + 1, n) > MAX_QUOTED_LINES) this.broken = TOO_MANY_LINES;
      else if (final) this.broken = UNCLOSED;
      return undefined;
    }
    let value = s.slice(i + 1, k);
    if (this.escaped) value = value.replaceAll('""', '"');
    const spanned = countLines(value, 0, value.length);
    this.inner += spanned;
    if (this.inner > MAX_QUOTED_LINES) {
      this.broken = TOO_MANY_LINES;
      return undefined;
    }
    this.i = k + 1;
    let c = s.charCodeAt(this.i);
    if (this.i < n && c !== COMMA && c !== LF && c !== CR) {
      if (spanned > 0) {
        this.broken = TEXT_AFTER(this.startLine + this.inner);
        return undefined;
      }
      let j2 = this.i;
      while (j2 < n && (c = s.charCodeAt(j2)) !== COMMA && c !== LF && c !== CR) j2++;
      if (j2 >= n && !final) return undefined;
      value += s.slice(this.i, j2);
      this.i = j2;
    }
    return value;
  }

  /** The quote closing a quoted field whose text starts at `from`, past doubled quotes (noted in `escaped`); -1: none. */
  private closingQuote(from: number): number {
    const { s, n, final, marks, ml } = this;
    let j = from;
    let k: number;
    let mp = this.mp;
    this.escaped = false;
    for (;;) {
      if (marks) {
        while (mp < ml && (marks[mp] < j || s.charCodeAt(marks[mp]) !== QUOTE)) mp++;
        k = mp < ml ? marks[mp] : -1;
      } else k = s.indexOf('"', j);
      if (k < 0 || (k + 1 >= n && !final)) break;
      if (s.charCodeAt(k + 1) === QUOTE) {
        this.escaped = true;
        j = k + 2;
        continue;
      }
      break;
    }
    this.mp = mp;
    return k;
  }

  /** The next , LF or CR at or after `i` among the decoder's marks (n: none). */
  private nextMarkedDelimiter(i: number): number {
    const { s, ml } = this;
    const marks = this.marks!;
    let mp = this.mp;
    // A quote inside an unquoted field is literal: the field ends at the next , LF or CR.
    while (mp < ml && (marks[mp] < i || s.charCodeAt(marks[mp]) === QUOTE)) mp++;
    this.mp = mp;
    return mp < ml ? marks[mp] : this.n;
  }

  /** The next , LF or CR at or after `i`, by indexOf (2^32-1: none). */
  private nextDelimiter(i: number): number {
    const { s } = this;
    let { comma, lf, cr } = this;
    if (comma < i) this.comma = comma = s.indexOf(',', i) >>> 0;
    if (lf < i) this.lf = lf = s.indexOf('\n', i) >>> 0;
    if (cr < i) this.cr = cr = s.indexOf('\r', i) >>> 0;
    // indexOf's -1 became 2^32-1 through >>> 0: "none left", larger than any index.
    const j = comma < lf ? comma : lf;
    return cr < j ? cr : j;
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
