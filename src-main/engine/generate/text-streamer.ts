/**
 * Turns a growing list of token ids into text deltas for streaming. Byte-level BPE can split one
 * UTF-8 character over several tokens; a decode ending in U+FFFD is held back until it completes
 * (as transformers' TextStreamer does).
 */
export class TextStreamer {
  private emitted = '';

  constructor(private readonly decode: (ids: number[]) => string) {}

  /** The new text since the last call, or '' while a character is incomplete. */
  push(allIds: number[]): string {
    const text = this.decode(allIds);
    if (text.endsWith('\uFFFD')) return '';
    const delta = text.startsWith(this.emitted) ? text.slice(this.emitted.length) : text;
    this.emitted = text;
    return delta;
  }

  /** Whatever is still held back at the end. */
  flush(allIds: number[]): string {
    const text = this.decode(allIds);
    const delta = text.startsWith(this.emitted) ? text.slice(this.emitted.length) : '';
    this.emitted = text;
    return delta;
  }
}
