/**
 * Incremental line splitter for JSONL and plain text: text is pushed in chunks, whole lines come out with
 * their 1-based numbers (LF or CRLF; the CR is dropped). Only the unfinished last line is carried over.
 */

export interface NumberedLine {
  line: number;
  text: string;
}

export class LineSplitter {
  private carry = '';
  private line = 1;
  private started = false;

  push(text: string, out: NumberedLine[]): void {
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const s = this.carry ? this.carry + text : text;
    let from = 0;
    for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', from)) {
      const end = nl > from && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      out.push({ line: this.line++, text: s.slice(from, end) });
      from = nl + 1;
    }
    this.carry = s.slice(from);
  }

  end(out: NumberedLine[]): void {
    if (this.carry) {
      const s = this.carry.endsWith('\r') ? this.carry.slice(0, -1) : this.carry;
      out.push({ line: this.line++, text: s });
    }
    this.carry = '';
  }
}
