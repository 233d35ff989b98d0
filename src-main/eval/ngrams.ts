/**
 * N-gram overlap and LCS for the BLEU and ROUGE implementations. A hypothesis and its reference
 * are first interned to small integer ids (their joint vocabulary), so an n-gram is one number
 * (its ids as base-V digits, built from the (n-1)-gram keys) and counting needs no string
 * building: 10k pairs must score in well under 2 s.
 */

/** Hypothesis and reference tokens as ids in [0, vocab). */
export interface IdPair {
  hyp: Int32Array;
  ref: Int32Array;
  vocab: number;
}

export function internPair(hyp: readonly string[], ref: readonly string[]): IdPair {
  const ids = new Map<string, number>();
  const toIds = (tokens: readonly string[]) => {
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      let id = ids.get(tokens[i]);
      if (id === undefined) {
        id = ids.size;
        ids.set(tokens[i], id);
      }
      out[i] = id;
    }
    return out;
  };
  const h = toIds(hyp);
  const r = toIds(ref);
  return { hyp: h, ref: r, vocab: Math.max(1, ids.size) };
}

/** The same for two strings taken character by character (code points): numeric keys, no strings. */
export function internCodePoints(hyp: string, ref: string): IdPair {
  const ids = new Map<number, number>();
  const toIds = (s: string) => {
    const out: number[] = [];
    for (let i = 0; i < s.length; i++) {
      let cp = s.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < s.length) {
        const lo = s.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          i++;
        }
      }
      let id = ids.get(cp);
      if (id === undefined) {
        id = ids.size;
        ids.set(cp, id);
      }
      out.push(id);
    }
    return Int32Array.from(out);
  };
  const h = toIds(hyp);
  const r = toIds(ref);
  return { hyp: h, ref: r, vocab: Math.max(1, ids.size) };
}

type NgramKey = number | string;

/** Keys of every n-gram of `ids`: exact numbers while vocab^n < 2^53, else strings of the ids. */
function ngramKeys(ids: Int32Array, n: number, vocab: number): Float64Array | string[] {
  const count = Math.max(0, ids.length - n + 1);
  if (Math.pow(vocab, n) < Number.MAX_SAFE_INTEGER) {
    const keys = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      let k = 0;
      for (let j = 0; j < n; j++) k = k * vocab + ids[i + j];
      keys[i] = k;
    }
    return keys;
  }
  const keys: string[] = [];
  for (let i = 0; i < count; i++) keys.push(Array.prototype.join.call(ids.subarray(i, i + n), ','));
  return keys;
}

/**
 * A reusable open-addressing multiset of numeric keys (typed arrays, cleared by a generation
 * stamp): counting n-grams of one pair costs no allocation and no sort.
 */
class KeyCounter {
  #keys = new Float64Array(1024);
  #counts = new Int32Array(1024);
  #stamps = new Int32Array(1024);
  #gen = 0;
  #mask = 1023;

  reset(capacity: number): void {
    if (capacity * 2 > this.#keys.length) {
      let size = this.#keys.length;
      while (size < capacity * 2) size *= 2;
      this.#keys = new Float64Array(size);
      this.#counts = new Int32Array(size);
      this.#stamps = new Int32Array(size);
      this.#mask = size - 1;
      this.#gen = 0;
    }
    this.#gen++;
    if (this.#gen === 0x7fffffff) {
      this.#stamps.fill(0);
      this.#gen = 1;
    }
  }

  #slot(k: number): number {
    let h = Math.imul((k | 0) ^ ((k / 4294967296) | 0), 0x9e3779b1) & this.#mask;
    while (this.#stamps[h] === this.#gen && this.#keys[h] !== k) h = (h + 1) & this.#mask;
    return h;
  }

  add(k: number): void {
    const h = this.#slot(k);
    if (this.#stamps[h] !== this.#gen) {
      this.#stamps[h] = this.#gen;
      this.#keys[h] = k;
      this.#counts[h] = 0;
    }
    this.#counts[h]++;
  }

  /** Takes one occurrence of k if any is left; says whether it did. */
  take(k: number): boolean {
    const h = this.#slot(k);
    if (this.#stamps[h] !== this.#gen || this.#counts[h] === 0) return false;
    this.#counts[h]--;
    return true;
  }
}

const counter = new KeyCounter();

/** Sum over the hypothesis n-grams of min(count in hyp, count in ref): BLEU's clipped matches. */
export function clippedNgramOverlap(pair: IdPair, n: number): number {
  const { hyp, ref, vocab } = pair;
  if (hyp.length < n || ref.length < n) return 0;
  if (Math.pow(vocab, n) < Number.MAX_SAFE_INTEGER) {
    // Taking each hypothesis n-gram out of the reference's counts pairs them off: min(hyp, ref).
    counter.reset(ref.length);
    for (let i = 0; i + n <= ref.length; i++) {
      let k = 0;
      for (let j = 0; j < n; j++) k = k * vocab + ref[i + j];
      counter.add(k);
    }
    let overlap = 0;
    for (let i = 0; i + n <= hyp.length; i++) {
      let k = 0;
      for (let j = 0; j < n; j++) k = k * vocab + hyp[i + j];
      if (counter.take(k)) overlap++;
    }
    return overlap;
  }
  const h = ngramKeys(hyp, n, vocab);
  const r = ngramKeys(ref, n, vocab);
  const left = new Map<NgramKey, number>();
  for (let k = 0; k < r.length; k++) left.set(r[k], (left.get(r[k]) ?? 0) + 1);
  let overlap = 0;
  for (let k = 0; k < h.length; k++) {
    const c = left.get(h[k]);
    if (c !== undefined && c > 0) {
      overlap++;
      left.set(h[k], c - 1);
    }
  }
  return overlap;
}

function keySet(keys: Float64Array | string[]): Set<NgramKey> {
  const out = new Set<NgramKey>();
  for (let i = 0; i < keys.length; i++) out.add(keys[i]);
  return out;
}

/** Number of distinct n-grams of hyp and ref, and of those shared (set semantics, for rouge-chinese). */
export function distinctNgramOverlap(pair: IdPair, n: number): { hyp: number; ref: number; overlap: number } {
  const refSet = keySet(ngramKeys(pair.ref, n, pair.vocab));
  const hypSet = keySet(ngramKeys(pair.hyp, n, pair.vocab));
  let overlap = 0;
  for (const k of hypSet) if (refSet.has(k)) overlap++;
  return { hyp: hypSet.size, ref: refSet.size, overlap };
}

/** Length of the longest common subsequence (O(n·m) time, O(m) memory). */
export function lcsLength(a: Int32Array, b: Int32Array): number {
  if (a.length === 0 || b.length === 0) return 0;
  let prev = new Int32Array(b.length + 1);
  let cur = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    const ai = a[i - 1];
    for (let j = 1; j <= b.length; j++) {
      if (ai === b[j - 1]) cur[j] = prev[j - 1] + 1;
      else cur[j] = prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[b.length];
}
