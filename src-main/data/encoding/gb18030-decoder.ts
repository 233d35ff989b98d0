/**
 * A fast streaming GB18030 decoder. The mapping is iconv-lite's: at first use, every two-byte code
 * (lead 0x81-0xFE, trail 0x40-0x7E/0x80-0xFE) is decoded once through iconv-lite into a 64K-entry table;
 * the hot loop then turns bytes into UTF-16 code units by table lookup into a reused buffer, with no
 * per-character string building, and four-byte sequences (rare in Chinese text) go to iconv-lite one at a
 * time. It is strict: a byte that fits no GB18030 sequence stops decoding and reports its offset, where
 * iconv-lite alone would put U+FFFD in the text. A sequence cut by a chunk boundary is carried over.
 * While it touches every byte anyway, it notes where the CSV structure characters (comma, double quote,
 * LF, CR) land in the decoded text, so the CSV parser need not scan the text for them again.
 */
import iconv from 'iconv-lite';

let table: Uint16Array | undefined;

function twoByteTable(): Uint16Array {
  if (table) return table;
  const t = new Uint16Array(65536);
  const pairs: number[] = [];
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) if (trail !== 0x7f) pairs.push((lead << 8) | trail);
  }
  const bytes = Buffer.alloc(pairs.length * 2);
  pairs.forEach((p, i) => {
    bytes[2 * i] = p >> 8;
    bytes[2 * i + 1] = p & 0xff;
  });
  const text = iconv.decode(bytes, 'gb18030');
  if (text.length === pairs.length) {
    for (let i = 0; i < pairs.length; i++) t[pairs[i]] = text.charCodeAt(i);
  } else {
    // Some pair decoded to more than one unit: fill the table pair by pair instead.
    for (const p of pairs) {
      const s = iconv.decode(Buffer.from([p >> 8, p & 0xff]), 'gb18030');
      if (s.length === 1) t[p] = s.charCodeAt(0);
    }
  }
  // 0 marks "not in the table"; no two-byte code maps to U+0000.
  table = t;
  return t;
}

export class Gb18030Decoder {
  private readonly map = twoByteTable();
  private out = new Uint16Array(0);
  private marks = new Int32Array(0);
  /** Ascending positions of , " LF CR in the text the last `write` returned. */
  structural: Int32Array = new Int32Array(0);
  private carry: Uint8Array = new Uint8Array(0);
  /** Bytes consumed before the current chunk (including any carried bytes), for error offsets. */
  private consumed = 0;
  /** Offset of the first invalid byte, once one is met. */
  invalidAt = -1;

  /** The decoded text, or undefined when the bytes are not GB18030 (see `invalidAt`). */
  write(chunk: Uint8Array): string | undefined {
    // Always a plain Uint8Array view (never a Buffer), so the hot loop sees one array shape.
    let b = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    let base = this.consumed;
    if (this.carry.length) {
      const joined = new Uint8Array(this.carry.length + chunk.length);
      joined.set(this.carry);
      joined.set(chunk, this.carry.length);
      b = joined;
      base -= this.carry.length;
    }
    const n = b.length;
    if (this.out.length < n) {
      this.out = new Uint16Array(Math.max(n, 1 << 16));
      this.marks = new Int32Array(Math.max(n, 1 << 16));
    }
    const out = this.out;
    const marks = this.marks;
    const map = this.map;
    let i = 0;
    let j = 0;
    let m = 0;
    let cut = n;
    while (i < n) {
      const c = b[i];
      if (c < 0x80) {
        if (c <= 44 && (c === 44 || c === 34 || c === 10 || c === 13)) marks[m++] = j;
        out[j++] = c;
        i++;
        continue;
      }
      if (i + 1 >= n) {
        cut = i;
        break;
      }
      const u = map[(c << 8) | b[i + 1]];
      if (u !== 0) {
        out[j++] = u;
        i += 2;
        continue;
      }
      const t = b[i + 1];
      if (c >= 0x81 && c <= 0xfe && t >= 0x30 && t <= 0x39) {
        if (i + 3 >= n) {
          if (i + 2 < n && (b[i + 2] < 0x81 || b[i + 2] > 0xfe)) return this.fail(base + i + 2);
          cut = i;
          break;
        }
        const t2 = b[i + 2];
        const t3 = b[i + 3];
        if (t2 < 0x81 || t2 > 0xfe) return this.fail(base + i + 2);
        if (t3 < 0x30 || t3 > 0x39) return this.fail(base + i + 3);
        const s = iconv.decode(Buffer.from([c, t, t2, t3]), 'gb18030');
        if (s === '\uFFFD') return this.fail(base + i);
        for (let k = 0; k < s.length; k++) out[j++] = s.charCodeAt(k);
        i += 4;
        continue;
      }
      // A lead whose second byte fits no sequence: the second byte is the bad one. A lead that cannot lead
      // (0x80, 0xFF), or a well-formed pair with no character: the lead.
      const trail = (t >= 0x40 && t <= 0x7e) || (t >= 0x80 && t <= 0xfe);
      return this.fail(base + (c === 0x80 || c === 0xff || trail ? i : i + 1));
    }
    // A copy: the caller may reuse the chunk's memory for its next read (Buffer#slice would not copy).
    this.carry = cut < n ? new Uint8Array(b.subarray(cut)) : new Uint8Array(0);
    this.consumed = base + n;
    this.structural = marks.slice(0, m);
    return Buffer.from(out.buffer, 0, j * 2).toString('utf16le');
  }

  /** Flushes; undefined when the input ended inside a sequence. */
  end(): string | undefined {
    if (this.carry.length) return this.fail(this.consumed - this.carry.length);
    return '';
  }

  private fail(offset: number): undefined {
    this.invalidAt = offset;
    return undefined;
  }
}
