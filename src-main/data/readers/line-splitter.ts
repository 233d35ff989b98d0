/**
 * Incremental line splitter for JSONL and plain text: text is pushed in chunks, whole lines come out with
 * their 1-based numbers (LF or CRLF; the CR is dropped). Only the unfinished last line is carried over,
 * and never more than `maxChars` of it: a longer line comes out as `{line, text: '', tooLong}` once its
 * end is found, having cost no more memory than the limit. Each character is scanned once.
 */

export interface NumberedLine {
  line: number;
  text: string;
  /** Set when the line ran past the limit: its length in characters (its text is dropped). */
  tooLong?: number;
}

export class LineSplitter {
  private carry = '';
  private line = 1;
  private started = false;
  /** Characters of an over-long line seen so far (its text is not kept); 0 when none. */
  private skipped = 0;

  constructor(private readonly maxChars = Number.POSITIVE_INFINITY) {}

  /** Characters held between pushes (the unfinished line), never more than the limit. */
  get heldChars(): number {
    return this.carry.length;
  }

  push(text: string, out: NumberedLine[]): void {
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let from = 0;
    let nl = text.indexOf('\n');
    if (this.skipped) {
      if (nl < 0) {
        this.skipped += text.length;
        return;
      }
      out.push({ line: this.line++, text: '', tooLong: this.skipped + nl });
      this.skipped = 0;
      from = nl + 1;
      nl = text.indexOf('\n', from);
    } else if (this.carry) {
      // The carried part holds no newline: only the new text is searched.
      if (nl < 0) return this.hold(this.carry + text);
      const s = this.carry + text.slice(0, nl);
      this.carry = '';
      this.emit(s, out);
      from = nl + 1;
      nl = text.indexOf('\n', from);
    }
    for (; nl >= 0; nl = text.indexOf('\n', from)) {
      this.emit(text.slice(from, nl), out);
      from = nl + 1;
    }
    this.hold(text.slice(from));
  }

  end(out: NumberedLine[]): void {
    if (this.skipped) out.push({ line: this.line++, text: '', tooLong: this.skipped });
    else if (this.carry) this.emit(this.carry, out);
    this.carry = '';
    this.skipped = 0;
  }

  private emit(s: string, out: NumberedLine[]): void {
    if (s.charCodeAt(s.length - 1) === 13) s = s.slice(0, -1);
    if (s.length > this.maxChars) out.push({ line: this.line++, text: '', tooLong: s.length });
    else out.push({ line: this.line++, text: s });
  }

  private hold(rest: string): void {
    if (rest.length > this.maxChars) {
      this.skipped = rest.length;
      this.carry = '';
    } else this.carry = rest;
  }
}
