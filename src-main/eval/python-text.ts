/**
 * Python's idea of whitespace, for metrics that must split and strip text exactly as the Python
 * reference tools do (sacrebleu, rouge-chinese, NLTK pipelines).
 *
 * `str.split()` / `str.strip()` in Python use `str.isspace()`, which differs from JavaScript's `\s`:
 * Python counts U+001C..U+001F and U+0085 as whitespace, JavaScript counts U+FEFF. A BLEU score that
 * must match sacrebleu to 0.01 cannot afford either difference.
 */

const PY_WS_CLASS = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_WS_LEADING = new RegExp(`^[${PY_WS_CLASS}]+`);
const PY_WS_TRAILING = new RegExp(`[${PY_WS_CLASS}]+$`);

/** Code units up to U+3000 that Python calls whitespace (none lies above it). */
const PY_WS_TABLE: Uint8Array = (() => {
  const t = new Uint8Array(0x3001);
  for (let c = 0; c <= 0x3000; c++) if (new RegExp(`^[${PY_WS_CLASS}]$`).test(String.fromCharCode(c))) t[c] = 1;
  return t;
})();

export function isPyWhitespace(codeUnit: number): boolean {
  return codeUnit <= 0x3000 && PY_WS_TABLE[codeUnit] === 1;
}

/** Python `s.split()`: runs of whitespace separate, no empty strings. A scan, not a regex: it is hot. */
export function pySplit(s: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x3000 && PY_WS_TABLE[c] === 1) {
      if (start >= 0) {
        out.push(s.slice(start, i));
        start = -1;
      }
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(s.slice(start));
  return out;
}

/** Python `s.rstrip()`. */
export function pyRstrip(s: string): string {
  return s.replace(PY_WS_TRAILING, '');
}

/** Python `s.strip()`. */
export function pyStrip(s: string): string {
  return s.replace(PY_WS_LEADING, '').replace(PY_WS_TRAILING, '');
}

/** Python `round(x, digits)` as far as printed scores go (ties are vanishingly rare in binary). */
export function pyRound(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}
