/**
 * P-Tuning v2 in the training graph: every layer's prefix keys/values from the prefix parameters
 * (peft's PREFIX_TUNING layout, trainer-params.ts HostPrefix), through the tanh MLP with
 * prefix_projection, and the backward that turns the keys'/values' gradients into the parameters'.
 */
import type { ModelConfig } from '../config/model-config';
import type { GraphBuilder, T } from './graph';
import type { HostPrefix, ParamSlot } from './trainer-params';

export interface PrefixGraph {
  /** Layer l's prefix keys and values [hd, P, nKv, 1], not rotated (built on first use). */
  layer(l: number): { k: T; v: T };
  /** Each prefix parameter's slot and its gradient, from every layer's key/value gradients. */
  backward(grads: Map<number, { dk: T; dv: T }>): [ParamSlot, T][];
}

export function prefixGraph(g: GraphBuilder, cfg: ModelConfig, spec: HostPrefix, prefixSlots: Map<string, ParamSlot>): PrefixGraph {
  const { headDim: hd, numKvHeads: nKv, numLayers: L } = cfg;
  const kv = nKv * hd;
  const P = spec.numVirtualTokens;
  const slot = (n: string) => prefixSlots.get(n)!;
  const emb = slot('embedding.weight').param;
  let flat: T; // [L*2*kvDim, P]
  let th: T | undefined;
  if (spec.projection) {
    th = g.tanh(g.add(g.mulMat(slot('transform.0.weight').param, emb), slot('transform.0.bias').param)); // [E, P]
    flat = g.add(g.mulMat(slot('transform.2.weight').param, th), slot('transform.2.bias').param);
  } else flat = emb;
  const cache = new Map<number, { k: T; v: T }>();
  // peft's view [P, L*2, nKv, hd]: block 2l is layer l's keys, 2l+1 its values.
  const block = (j: number) => g.cont(g.permute(g.reshape(g.slice0(flat, j * kv, kv), [hd, nKv, P, 1]), [0, 2, 1, 3])); // [hd, P, nKv, 1]
  const layer = (l: number) => {
    let e = cache.get(l);
    if (!e) cache.set(l, (e = { k: block(2 * l), v: block(2 * l + 1) }));
    return e;
  };
  const backward = (grads: Map<number, { dk: T; dv: T }>): [ParamSlot, T][] => {
    const back = (d: T) => g.reshape(g.cont(g.permute(d, [0, 2, 1, 3])), [kv, P]); // [hd, P, nKv, 1] -> [kvDim, P]
    let dFlat: T | undefined;
    for (let l = 0; l < L; l++) {
      const d = grads.get(l)!;
      const both = g.concat(back(d.dk), back(d.dv), 0);
      dFlat = dFlat ? g.concat(dFlat, both, 0) : both;
    }
    if (!th) return [[slot('embedding.weight'), dFlat!]];
    const w2 = slot('transform.2.weight');
    const w1 = slot('transform.0.weight');
    const rowSum = (x: T) => g.reshape(g.sumRows(g.transposed(x)), [x.ne[0]]); // sum over P
    const dth = g.mulMat(g.transposed(w2.param), dFlat!); // [E, P]
    const du = g.sub(dth, g.mul(dth, g.sqr(th))); // tanh' = 1 - tanh²
    return [
      [w2, g.outProd(th, dFlat!)], // [E, flat]
      [slot('transform.2.bias'), rowSum(dFlat!)],
      [w1, g.outProd(emb, du)], // [H, E]
      [slot('transform.0.bias'), rowSum(du)],
      [slot('embedding.weight'), g.mulMat(g.transposed(w1.param), du)], // [H, P]
    ];
  };
  return { layer, backward };
}
