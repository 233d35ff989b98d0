/**
 * Encoding detection from a file's head: a byte-order mark first, then UTF-16 without one (see
 * `utf16WithoutBom`), then strict UTF-8, then GB18030 (which also reads GBK and GB2312 files, its subsets).
 * The confidence is a plain, documented score:
 * - BOM: 1; pure ASCII: 1 (every candidate reads it the same); UTF-16 without a BOM: 0.9;
 * - UTF-8 with multi-byte text: 0.99 from 4 multi-byte characters on (legacy Chinese bytes almost never
 *   form valid UTF-8 by chance), 0.9 below;
 * - GB18030: 0.5 + 0.49 x the share of two-byte characters in GB2312's hanzi and punctuation rows
 *   (lead 0xA1-0xA9 or 0xB0-0xF7, trail 0xA1-0xFE), so real Chinese text scores near 0.99 and bytes that
 *   merely happen to fit the structure score near 0.5.
 */
import type { EncodingName } from '../types';
import { firstInvalidGb18030, firstInvalidUtf16, firstInvalidUtf8 } from './validate';

export interface DetectedEncoding {
  encoding: EncodingName;
  confidence: number;
  /** Bytes of byte-order mark to skip. */
  bomLength: number;
}

export interface UndecodableSample {
  /**
   * Where the candidate that read furthest stopped: the file's own encoding reads up to its damaged byte,
   * while the other one usually fails at its first non-ASCII character.
   */
  invalidAt: number;
  utf8InvalidAt: number;
}

export function bomOf(b: Uint8Array): DetectedEncoding | undefined {
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf-8', confidence: 1, bomLength: 3 };
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le', confidence: 1, bomLength: 2 };
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', confidence: 1, bomLength: 2 };
  return undefined;
}

/**
 * UTF-16 saved without a byte-order mark (Windows "Unicode" exports do this): text datasets are full of
 * ASCII (newlines, quotes, braces, commas, digits), which UTF-16 stores as the byte and a zero, so zeros
 * sit on one side of the byte pairs. At least 20% of the pairs with a zero on one side and under an
 * eighth as many on the other (a CJK character such as 开 U+5F00 has a zero byte too, 1 in 256 of them),
 * with no unpaired surrogate, is UTF-16 (LE: zeros at odd offsets). 8-bit text has no zeros at all, so
 * this cannot take a UTF-8 or GB18030 file.
 */
export function utf16WithoutBom(b: Uint8Array, atEof: boolean): DetectedEncoding | undefined {
  const pairs = b.length >> 1;
  if (pairs < 2) return undefined;
  let even = 0;
  let odd = 0;
  for (let i = 0; i + 1 < b.length; i += 2) {
    if (b[i] === 0) even++;
    if (b[i + 1] === 0) odd++;
  }
  const le = odd >= pairs * 0.2 && even * 8 < odd;
  const be = even >= pairs * 0.2 && odd * 8 < even;
  if (!le && !be) return undefined;
  if (firstInvalidUtf16(b, le, !atEof) >= 0) return undefined;
  return { encoding: le ? 'utf-16le' : 'utf-16be', confidence: 0.9, bomLength: 0 };
}

/** `atEof`: the sample is the whole file, so a sequence cut at its end is an error, not a chunk boundary. */
export function detectEncoding(sample: Uint8Array, atEof: boolean): DetectedEncoding | UndecodableSample {
  const bom = bomOf(sample);
  if (bom) return bom;
  const utf16 = utf16WithoutBom(sample, atEof);
  if (utf16) return utf16;
  const utf8Bad = firstInvalidUtf8(sample, !atEof);
  if (utf8Bad < 0) {
    const multi = countUtf8Leads(sample);
    return { encoding: 'utf-8', confidence: multi === 0 ? 1 : multi >= 4 ? 0.99 : 0.9, bomLength: 0 };
  }
  const gbBad = firstInvalidGb18030(sample, !atEof);
  if (gbBad < 0) return { encoding: 'gb18030', confidence: gb2312Score(sample), bomLength: 0 };
  return { invalidAt: Math.max(gbBad, utf8Bad), utf8InvalidAt: utf8Bad };
}

function countUtf8Leads(b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) if (b[i] >= 0xc0) n++;
  return n;
}

function gb18030Pairs(b: Uint8Array): { pairs: number; common: number } {
  let pairs = 0;
  let common = 0;
  for (let i = 0; i < b.length;) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const t = b[i + 1];
    if (t >= 0x30 && t <= 0x39) {
      i += 4;
      continue;
    }
    pairs++;
    if (((c >= 0xa1 && c <= 0xa9) || (c >= 0xb0 && c <= 0xf7)) && t >= 0xa1 && t <= 0xfe) common++;
    i += 2;
  }
  return { pairs, common };
}

function gb2312Score(b: Uint8Array): number {
  const { pairs, common } = gb18030Pairs(b);
  if (pairs === 0) return 1;
  return Math.round((0.5 + (0.49 * common) / pairs) * 100) / 100;
}
