/**
 * Incremental splitter for a top-level JSON array: text is pushed in chunks and the source text of each
 * element comes out with the 1-based line it starts on, ready for JSON.parse. Only the element being read
 * is held, so a 400 MB array never sits in memory as one string. It tracks strings (with escapes) and
 * bracket depth only; whether an element is valid JSON is JSON.parse's job, so one bad element is
 * reported and skipped while the rest still import. A file that ends inside the array is cut short.
 * An element longer than `maxChars` comes out as `{line, text: '', tooLong: true}` once its end is
 * found; its text is dropped as it streams past, so it never costs more than the limit in memory.
 */

export interface JsonElement {
  line: number;
  text: string;
  /** The element ran past the limit; its text is dropped. */
  tooLong?: true;
}

export class JsonArrayCutShort extends Error {
  constructor(
    readonly line: number,
    readonly endLine: number,
    readonly inElement: boolean,
  ) {
    super(inElement ? `the element starting on line ${line} is not closed` : `the array opened on line ${line} is not closed with ]`);
  }
}

export class JsonArrayStrayText extends Error {
  constructor(readonly line: number) {
    super(`unexpected text outside the top-level array on line ${line}`);
  }
}

type State = 'start' | 'expect' | 'value' | 'after' | 'done';

export class JsonArraySplitter {
  /** The element being read is past the limit: its text is no longer kept. */
  private oversize = false;

  constructor(private readonly maxChars = Number.POSITIVE_INFINITY) {}

  /** Characters held between pushes (the element being read), never more than the limit. */
  get heldChars(): number {
    return this.buf.length;
  }

  private buf = '';
  private state: State = 'start';
  private line = 1;
  private depth = 0;
  private inString = false;
  private escape = false;
  private valueStart = 0;
  private valueLine = 0;
  private arrayLine = 1;

  push(text: string, out: JsonElement[]): void {
    if (this.buf.length === 0 && this.state === 'start' && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    // Mid-element, buf holds the element so far (already scanned); otherwise it is empty.
    const from = this.buf.length;
    this.scan(from ? this.buf + text : text, from, out);
  }

  end(): void {
    if (this.state !== 'done') {
      const inElement = this.state === 'value';
      throw new JsonArrayCutShort(inElement ? this.valueLine : this.arrayLine, this.line, inElement);
    }
  }

  private scan(s: string, from: number, out: JsonElement[]): void {
    const n = s.length;
    let line = this.line;
    let depth = this.depth;
    let inString = this.inString;
    let escape = this.escape;
    let state = this.state;
    let valueStart = this.valueStart;
    for (let i = from; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 10) line++;
      if (inString) {
        if (escape) escape = false;
        else if (c === 92) escape = true;
        else if (c === 34) inString = false;
        continue;
      }
      if (state === 'value') {
        if (c === 34) inString = true;
        else if (c === 123 || c === 91) depth++;
        else if (c === 125 || c === 93) {
          if (depth === 0) {
            out.push(this.element(s, valueStart, i));
            state = 'done';
          } else depth--;
        } else if (c === 44 && depth === 0) {
          out.push(this.element(s, valueStart, i));
          state = 'expect';
        }
        continue;
      }
      if (c === 32 || c === 10 || c === 13 || c === 9) continue;
      if (state === 'start') {
        if (c !== 91) throw new JsonArrayStrayText(line);
        state = 'expect';
        this.arrayLine = line;
      } else if (state === 'expect') {
        if (c === 93) {
          state = 'done';
          continue;
        }
        state = 'value';
        valueStart = i;
        this.valueLine = line;
        depth = 0;
        if (c === 34) inString = true;
        else if (c === 123 || c === 91) depth++;
      } else if (state === 'done') {
        throw new JsonArrayStrayText(line);
      }
    }
    this.line = line;
    this.depth = depth;
    this.inString = inString;
    this.escape = escape;
    this.state = state;
    if (state === 'value') {
      if (this.oversize || n - valueStart > this.maxChars) {
        this.oversize = true;
        this.buf = '';
      } else this.buf = s.slice(valueStart);
      this.valueStart = 0;
    } else this.buf = '';
  }

  private element(s: string, start: number, end: number): JsonElement {
    const tooLong = this.oversize || end - start > this.maxChars;
    this.oversize = false;
    return tooLong ? { line: this.valueLine, text: '', tooLong: true } : { line: this.valueLine, text: s.slice(start, end) };
  }
}
