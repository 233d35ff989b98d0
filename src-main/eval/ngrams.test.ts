import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clippedNgramOverlap, distinctNgramOverlap, internPair, lcsLength } from './ngrams';

/** The definition, by string keys and counts. */
function naiveClipped(h: string[], r: string[], n: number): number {
  const count = (t: string[]) => {
    const m = new Map<string, number>();
    for (let i = 0; i + n <= t.length; i++) m.set(t.slice(i, i + n).join(' '), (m.get(t.slice(i, i + n).join(' ')) ?? 0) + 1);
    return m;
  };
  const hc = count(h);
  const rc = count(r);
  let s = 0;
  for (const [k, c] of hc) s += Math.min(c, rc.get(k) ?? 0);
  return s;
}

test('clipped overlap equals the count-based definition, on the numeric-key path and the large-vocabulary fallback', () => {
  let seed = 1;
  const rnd = (m: number) => ((seed = (seed * 48271) % 0x7fffffff), seed % m);
  for (const vocab of [3, 50, 20000]) {
    for (let trial = 0; trial < 20; trial++) {
      const h = Array.from({ length: rnd(40) }, () => `t${rnd(vocab)}`);
      const r = Array.from({ length: rnd(40) }, () => `t${rnd(vocab)}`);
      // Pad the joint vocabulary past 9,741 distinct tokens so 4-gram keys leave exact-number range.
      const big = vocab === 20000 ? [...r, ...Array.from({ length: 10000 }, (_, i) => `u${i}`)] : r;
      const pair = internPair(h, big);
      for (let n = 1; n <= 4; n++) assert.equal(clippedNgramOverlap(pair, n), naiveClipped(h, big, n), `vocab ${vocab} n ${n}`);
    }
  }
});

test('distinct overlap and LCS by hand', () => {
  const pair = internPair(['a', 'a', 'b', 'a', 'b'], ['a', 'b', 'c']);
  assert.deepEqual(distinctNgramOverlap(pair, 1), { hyp: 2, ref: 3, overlap: 2 });
  assert.deepEqual(distinctNgramOverlap(pair, 2), { hyp: 3, ref: 2, overlap: 1 }); // {aa, ab, ba} vs {ab, bc}
  assert.equal(lcsLength(pair.hyp, pair.ref), 2);
});
