/**
 * SQuAD-style exact match and token F1 (the official SQuAD v1.1/v2 evaluate script, and CMRC 2018's
 * character-level variant for Chinese), which the handbook Q&A flow reports.
 *
 * Normalisation: lowercase, punctuation and symbols deleted (Unicode P* and S*, which covers
 * ASCII `string.punctuation` and the full-width Chinese marks), for English the articles a/an/the
 * removed, whitespace collapsed. Tokens: for `en`, the whitespace-separated words; for `zh`, every
 * CJK character is its own token and other runs (Latin words, numbers) stay whole, as CMRC does.
 * Both empty after normalisation counts as a match (F1 = EM = 1); one empty scores 0.
 */
import { clippedNgramOverlap, internPair } from './ngrams';
import { isPyWhitespace } from './python-text';

export type MetricLang = 'zh' | 'en';

const PUNCT_OR_SYMBOL = /^[\p{P}\p{S}]$/u;
// Han ideographs (all blocks, incl. astral extensions), kana, hangul syllables: one token each.
const CJK_CHAR = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]$/u;
const ENGLISH_ARTICLES = new Set(['a', 'an', 'the']);

const enum CharClass {
  Word = 0,
  Deleted = 1,
  Cjk = 2,
  Space = 3,
}

function classify(ch: string): CharClass {
  if (PUNCT_OR_SYMBOL.test(ch)) return CharClass.Deleted;
  if (CJK_CHAR.test(ch)) return CharClass.Cjk;
  if (ch.length === 1 && isPyWhitespace(ch.charCodeAt(0))) return CharClass.Space;
  return CharClass.Word;
}

/** Classes of the BMP, built on first use (a one-off ~30 ms) because this scan is hot. */
let bmpClasses: Uint8Array | undefined;
function bmpTable(): Uint8Array {
  if (!bmpClasses) {
    bmpClasses = new Uint8Array(0x10000);
    for (let c = 0; c < 0x10000; c++) if (c < 0xd800 || c > 0xdfff) bmpClasses[c] = classify(String.fromCharCode(c));
  }
  return bmpClasses;
}

/**
 * Normalised tokens. Punctuation is deleted, not replaced by a space, as SQuAD's `remove_punc`
 * does ("don't" -> "dont"); English articles are dropped as whole words.
 */
export function squadTokens(text: string, lang: MetricLang): string[] {
  const table = bmpTable();
  const s = text.toLowerCase();
  const tokens: string[] = [];
  // Words are collected as slices between deleted characters (`parts`), not char by char.
  let parts: string[] = [];
  let runStart = -1;
  const endRun = (at: number) => {
    if (runStart >= 0) parts.push(s.slice(runStart, at));
    runStart = -1;
  };
  const flush = () => {
    const word = parts.length === 1 ? parts[0] : parts.join('');
    if (word !== '' && !(lang === 'en' && ENGLISH_ARTICLES.has(word))) tokens.push(word);
    parts = [];
  };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const pairLen = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
    const cls = pairLen === 1 ? (table[c] as CharClass) : classify(s.slice(i, i + 2));
    if (cls === CharClass.Word) {
      if (runStart < 0) runStart = i;
    } else {
      endRun(i);
      if (cls === CharClass.Space) flush();
      else if (cls === CharClass.Cjk && lang === 'zh') {
        flush();
        tokens.push(s.slice(i, i + pairLen));
      } else if (cls === CharClass.Cjk) {
        if (runStart < 0) runStart = i; // in English a CJK character is part of a word
      }
    }
    i += pairLen - 1;
  }
  endRun(s.length);
  flush();
  return tokens;
}

export interface SquadScore {
  f1: number;
  em: number;
}

/** F1 and EM of one prediction against one answer, as fractions in [0, 1]. */
export function squadScore(prediction: string, answer: string, lang: MetricLang): SquadScore {
  const pred = squadTokens(prediction, lang);
  const gold = squadTokens(answer, lang);
  const em = pred.length === gold.length && pred.every((t, i) => t === gold[i]) ? 1 : 0;
  if (pred.length === 0 || gold.length === 0) return { f1: em, em };
  const common = clippedNgramOverlap(internPair(pred, gold), 1);
  if (common === 0) return { f1: 0, em };
  const precision = common / pred.length;
  const recall = common / gold.length;
  return { f1: (2 * precision * recall) / (precision + recall), em };
}
