/**
 * Causal self-attention of the training step, forward and hand-written backward, in blocks of query
 * rows. Block j's queries [t0, t0 + n) see at most the prefix and the keys up to their last row
 * (P + t0 + n of them): the keys after that are masked for every row of the block, so their scores,
 * softmax and products are never computed. With 4 blocks that is 62.5% of the full square's work.
 * The result equals the full computation: a masked score's probability is exactly 0.
 *
 * The gradients of V and K are outer products over the block's queries (OUT_PROD with ne0 = hd, whole
 * SIMD steps), so the [T, Tk] probability and score gradients are never transposed; MUL_MAT over
 * transposed copies of them measured slower (docs/BENCHMARKS.md).
 *
 * Layout: q [hd, T, nH, B] (roped), k/v [hd, Tk, nKv, B] with Tk = P + T (prefix keys first).
 */
import type { GraphBuilder, T } from './graph';

/** One block of query rows and its attention mask [keys, n, 1, B]. */
export interface QueryBlock {
  t0: number;
  n: number;
  /** Keys the block sees: P + t0 + n. */
  keys: number;
  mask: T;
}

/** Query rows per block: big enough that each block's products stay efficient GEMMs. */
export const QUERY_BLOCK_ROWS = 128;

/** The query blocks of T rows: ceil(T / rows) blocks, the last one possibly shorter. */
export function queryBlockSpans(T: number, rows: number): { t0: number; n: number }[] {
  const spans: { t0: number; n: number }[] = [];
  for (let t0 = 0; t0 < T; t0 += rows) spans.push({ t0, n: Math.min(rows, T - t0) });
  return spans;
}

export interface AttentionRecord {
  k: T;
  v: T;
  /** Kᵀ and Vᵀ [Tk, hd, nKv, B]. */
  kT: T;
  vT: T;
  /** Per block: its queries [hd, n, nH, B] and probabilities [keys, n, nH, B]. */
  blocks: { q: T; pm: T }[];
}

/** The block's rows of a [·, T, ·, ·] tensor: the tensor itself when there is one block. */
function blockRows(g: GraphBuilder, a: T, b: QueryBlock, single: boolean): T {
  return single ? a : g.slice1(a, b.t0, b.n);
}

/**
 * softmax(Kᵀ Q · scale + mask) V per block, concatenated: [hd, T, nH, B]. k and v are [hd, Tk, nKv, B]:
 * MUL_MAT broadcasts them over each group of nH / nKv query heads (transformers' repeat_kv: head h
 * reads kv head floor(h · nKv / nH)), so they are never copied per head.
 */
export function attentionForward(g: GraphBuilder, q: T, k: T, v: T, blocks: QueryBlock[], scale: number): { out: T; rec: AttentionRecord } {
  const single = blocks.length === 1;
  const rec: AttentionRecord = { k, v, kT: g.transposed(k), vT: g.transposed(v), blocks: [] };
  let out: T | undefined;
  for (const b of blocks) {
    const qb = blockRows(g, q, b, single); // [hd, n, nH, B]
    const s = g.mulMat(g.firstRows(k, b.keys), qb); // [keys, n, nH, B]
    const pm = g.softMax(s, b.mask, scale);
    const o = g.mulMat(g.firstCols(rec.vT, b.keys), pm); // [hd, n, nH, B]
    rec.blocks.push({ q: qb, pm });
    out = out ? g.concat(out, o, 1) : o;
  }
  return { out: out!, rec };
}

/** A per-query-head gradient [hd, keys, nH, B] summed over each kv head's group, zero-padded to Tk rows. */
function toKvHeads(g: GraphBuilder, d: T, nKv: number, Tk: number): T {
  const [hd, keys, nH, B] = d.ne;
  let out = d;
  if (nH !== nKv) {
    const rep = nH / nKv;
    out = g.reshape(g.repeatBack(g.reshape(d, [hd * keys, rep, nKv, B]), g.shapeOnly([hd * keys, 1, nKv, B])), [hd, keys, nKv, B]);
  }
  return keys === Tk ? out : g.pad1(out, Tk - keys);
}

/** Given d(out) [hd, T, nH, B]: dq [hd, T, nH, B] and the key/value gradients [hd, Tk, nKv, B]. */
export function attentionBackward(g: GraphBuilder, dOut: T, rec: AttentionRecord, blocks: QueryBlock[], scale: number): { dq: T; dk: T; dv: T } {
  const single = blocks.length === 1;
  const [, Tk, nKv] = rec.k.ne;
  let dq: T | undefined;
  let dk: T | undefined;
  let dv: T | undefined;
  blocks.forEach((b, j) => {
    const { q: qb, pm } = rec.blocks[j];
    const dob = blockRows(g, dOut, b, single); // [hd, n, nH, B]
    const dpm = g.mulMat(g.firstRows(rec.v, b.keys), dob); // [keys, n, nH, B]
    const dvb = toKvHeads(g, g.outProd(dob, pm), nKv, Tk); // [hd, Tk, nKv, B]
    const ds = g.softMaxBack(dpm, pm, scale);
    const dqb = g.mulMat(g.firstCols(rec.kT, b.keys), ds); // [hd, n, nH, B]
    const dkb = toKvHeads(g, g.outProd(qb, ds), nKv, Tk);
    dq = dq ? g.concat(dq, dqb, 1) : dqb;
    dk = dk ? g.add(dk, dkb) : dkb;
    dv = dv ? g.add(dv, dvb) : dvb;
  });
  return { dq: dq!, dk: dk!, dv: dv! };
}
