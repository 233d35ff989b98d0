/**
 * Byte-level validators for the encodings we accept, used to decide an encoding from a sample and to name
 * the first bad byte when a file does not decode. Each returns the offset of the first invalid byte, or -1:
 * the byte at which the bytes stop being valid, i.e. a byte no character may start with, or the first one
 * that cannot continue the sequence before it (E6 96 FF: the FF, not the E6 that began the character).
 * UTF-8 follows RFC 3629 (no overlongs, no surrogates, nothing above U+10FFFF); GB18030 follows the
 * GB 18030-2005 byte structure: ASCII, lead 0x81-0xFE then 0x40-0x7E/0x80-0xFE (two bytes), or
 * lead, 0x30-0x39, 0x81-0xFE, 0x30-0x39 (four bytes).
 * `truncatedOk` accepts a sequence cut by the end of the buffer, for samples taken from a file's head;
 * the result then is -(start + 2) where `start` is where that cut sequence begins, so a caller streaming a
 * file can carry those bytes over to the next chunk. Any negative result means "valid so far".
 */

export function firstInvalidUtf8(b: Uint8Array, truncatedOk = false): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return truncatedOk ? -(i + 2) : i;
      const t = b[i + k];
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (t < min || t > max) return i + k;
    }
    i += need + 1;
  }
  return -1;
}

export function firstInvalidGb18030(b: Uint8Array, truncatedOk = false): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c === 0x80 || c === 0xff) return i;
    if (i + 1 >= n) return truncatedOk ? -(i + 2) : i;
    // (A lead with no valid second byte: the second byte is the bad one.)
    const t = b[i + 1];
    if ((t >= 0x40 && t <= 0x7e) || (t >= 0x80 && t <= 0xfe)) {
      i += 2;
      continue;
    }
    if (t >= 0x30 && t <= 0x39) {
      if (i + 3 >= n) {
        if (i + 2 < n && (b[i + 2] < 0x81 || b[i + 2] > 0xfe)) return i + 2;
        if (!truncatedOk) return i;
        return -(i + 2);
      }
      const t2 = b[i + 2];
      const t3 = b[i + 3];
      if (t2 < 0x81 || t2 > 0xfe) return i + 2;
      if (t3 < 0x30 || t3 > 0x39) return i + 3;
      i += 4;
      continue;
    }
    return i + 1;
  }
  return -1;
}

/**
 * Text datasets never hold NUL, and hold control bytes only as tab, newline, carriage return, form feed
 * or escape. Returns the offset of the first byte that marks the sample as binary, or -1.
 * One stray control byte in a large text is tolerated; a NUL, or control bytes above 1 in 1000, are not.
 */
export function binaryMarker(b: Uint8Array): number {
  let first = -1;
  let count = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c >= 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c || c === 0x1b) continue;
    if (c === 0) return i;
    if (first < 0) first = i;
    count++;
  }
  return count > 0 && count * 1000 > b.length ? first : -1;
}

/** First unpaired surrogate in UTF-16 code units (`le`: little-endian), as a byte offset; -1 when valid. */
export function firstInvalidUtf16(b: Uint8Array, le: boolean, truncatedOk = false): number {
  const n = b.length - (b.length % 2);
  for (let i = 0; i < n; i += 2) {
    const u = le ? b[i] | (b[i + 1] << 8) : (b[i] << 8) | b[i + 1];
    if (u >= 0xdc00 && u <= 0xdfff) return i;
    if (u >= 0xd800 && u <= 0xdbff) {
      if (i + 3 >= b.length) return truncatedOk ? -(i + 2) : i;
      const v = le ? b[i + 2] | (b[i + 3] << 8) : (b[i + 2] << 8) | b[i + 3];
      if (v < 0xdc00 || v > 0xdfff) return i + 2;
      i += 2;
    }
  }
  if (n !== b.length) return truncatedOk ? -(n + 2) : n;
  return -1;
}

/** Big5 (as WHATWG/TextDecoder reads it, HKSCS included): ASCII, or a lead 0x81-0xFE and a trail 0x40-0x7E / 0xA1-0xFE. */
export function firstInvalidBig5(b: Uint8Array, truncatedOk = false): number {
  const n = b.length;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c < 0x80) continue;
    if (c < 0x81 || c > 0xfe) return i;
    if (i + 1 >= n) return truncatedOk ? -(i + 2) : i;
    const t = b[i + 1];
    if (!((t >= 0x40 && t <= 0x7e) || (t >= 0xa1 && t <= 0xfe))) return i;
    i++;
  }
  return -1;
}
