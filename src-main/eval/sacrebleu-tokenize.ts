/**
 * The two sacrebleu tokenizers Tuneloom scores with: `13a` (mteval-v13a, the WMT default, for
 * English and other space-delimited text) and `zh` (every CJK character its own token, the rest by
 * the 13a rules). Follows sacrebleu 2.6 `tokenizers/tokenizer_13a.py`, `tokenizer_zh.py` and
 * `tokenizer_re.py` rule for rule, including their quirks, because BLEU must match sacrebleu's
 * numbers to 0.01.
 */
import { pySplit, pyStrip } from './python-text';

export type SacreTokenizer = '13a' | 'zh';

/**
 * sacrebleu's mteval post-tokenizer. The first class is, char for char: `{|}~`, `[\]^_\``,
 * space to `&`, `(` to `+`, `:` to `@`, and `/`.
 */
const RE_SYMBOLS = /([\x7b-\x7e\x5b-\x60\x21-\x26\x28-\x2b\x3a-\x40\x2f])/g;
const RE_PERIOD_COMMA_AFTER_NON_DIGIT = /([^0-9])([.,])/gu;
const RE_PERIOD_COMMA_BEFORE_NON_DIGIT = /([.,])([^0-9])/gu;
const RE_DASH_AFTER_DIGIT = /([0-9])(-)/gu;

function mtevalPostTokenize(line: string): string[] {
  let spaced = line.replace(RE_SYMBOLS, ' $1 ');
  // The later rules cannot match without their characters; skipping them saves most of the time.
  if (spaced.includes('.') || spaced.includes(',')) {
    spaced = spaced.replace(RE_PERIOD_COMMA_AFTER_NON_DIGIT, '$1 $2 ').replace(RE_PERIOD_COMMA_BEFORE_NON_DIGIT, ' $1 $2');
  }
  if (spaced.includes('-')) spaced = spaced.replace(RE_DASH_AFTER_DIGIT, '$1 $2 ');
  return pySplit(spaced);
}

/** sacrebleu `Tokenizer13a.__call__`, returning the tokens rather than the joined string. */
export function tokenize13a(line: string): string[] {
  let s = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (s.includes('&')) {
    s = s.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  }
  return mtevalPostTokenize(` ${s} `);
}

/**
 * Code-point ranges sacrebleu's `_is_chinese_char` accepts. Two of its table entries are written
 * `u'\u20000'` and `u'\u2f800'`: Python reads a 4-digit `\u` escape, so those are two-character
 * strings ('\u2000' + '0'), and `start <= ch <= end` on one character then accepts U+2001..U+2A6D
 * and U+2F81..U+2FA1 (general punctuation such as “ ” — …, arrows, maths symbols), while the real
 * Extension B ideographs (U+20000..) are never split. We reproduce what it does, not what it meant.
 */
const ZH_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x3400, 0x4db5],
  [0x4e00, 0x9fa5],
  [0x9fa6, 0x9fbb],
  [0xf900, 0xfa2d],
  [0xfa30, 0xfa6a],
  [0xfa70, 0xfad9],
  [0x2001, 0x2a6d], // written (u'\u20000', u'\u2a6d6'), see above
  [0x2f81, 0x2fa1], // written (u'\u2f800', u'\u2fa1d')
  [0xff00, 0xffef],
  [0x2e80, 0x2eff],
  [0x3000, 0x303f],
  [0x31c0, 0x31ef],
  [0x2f00, 0x2fdf],
  [0x2ff0, 0x2fff],
  [0x3100, 0x312f],
  [0x31a0, 0x31bf],
  [0xfe10, 0xfe1f],
  [0xfe30, 0xfe4f],
  [0x2600, 0x26ff],
  [0x2700, 0x27bf],
  [0x3200, 0x32ff],
  [0x3300, 0x33ff],
];

/** A lookup table over the BMP: every range above lies in it, so astral code points are never CJK here. */
const ZH_TABLE: Uint8Array = (() => {
  const t = new Uint8Array(0x10000);
  for (const [lo, hi] of ZH_RANGES) t.fill(1, lo, hi + 1);
  return t;
})();

export function isSacreZhChar(codePoint: number): boolean {
  return codePoint < 0x10000 && ZH_TABLE[codePoint] === 1;
}

const hex4 = (cp: number) => cp.toString(16).padStart(4, '0');
/** The same ranges as one regex (all BMP, none in the surrogate block, so no `u` flag needed). */
const RE_ZH_CHAR = new RegExp(`([${ZH_RANGES.map(([lo, hi]) => `\\u${hex4(lo)}-\\u${hex4(hi)}`).join('')}])`, 'g');

/** sacrebleu `TokenizerZh.__call__`, returning the tokens. */
export function tokenizeZh(line: string): string[] {
  return mtevalPostTokenize(pyStrip(line).replace(RE_ZH_CHAR, ' $1 '));
}

export function sacreTokenize(line: string, tokenizer: SacreTokenizer): string[] {
  return tokenizer === 'zh' ? tokenizeZh(line) : tokenize13a(line);
}
