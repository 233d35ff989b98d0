/**
 * Forward and hand-written backward of the Qwen2/Qwen3/Llama decoder for training, as ggml graph
 * nodes (the way llm.c writes its layers' backward by hand). Every op is one that ggml runs on cpu,
 * vulkan and cuda: MUL_MAT (with stored transposes of the frozen weights, never OUT_PROD through
 * them), OUT_PROD only over adapter-sized or attention-sized F32 operands (the LoRA gradients and
 * r-long products here, the attention's K/V gradients in causal-attention.ts; contiguous inputs, the
 * long axis in ne0), RMS_NORM_BACK, ROPE_BACK, SOFT_MAX_BACK, SILU_BACK, REPEAT_BACK, GET_ROWS_BACK, PAD
 * and CROSS_ENTROPY_LOSS(_BACK).
 *
 * Layout: activations are [H, T, B] (ggml order: hidden fastest); attention works in
 * [hd, T, heads, B]; a LoRA module is A [in, r] and B [r, out] (peft's A [r, in] / B [out, r]
 * row-major, read as ggml tensors). Frozen weights get no gradient.
 */
import type { ModelConfig } from '../config/model-config';
import type { FrozenLayer, FrozenLinear, FrozenWeights, ProjName } from './frozen-weights';
import type { GraphBuilder, T } from './graph';
import { attentionBackward, attentionForward, type AttentionRecord, type QueryBlock } from './causal-attention';

export interface LoraModule {
  a: T; // [in, r]
  b: T; // [r, out]
  scale: number;
  /** Gradient accumulators, same shapes; the step adds into them. */
  gradA: T;
  gradB: T;
}

export interface StepInputs {
  ids: T; // [N] i32
  pos: T; // [N] i32 (real tokens start at P when there is a prefix)
  /** The query blocks of the causal attention, each with its mask [keys, n, 1, B] (0 visible, -1e9 masked). */
  blocks: QueryBlock[];
  /** P-Tuning v2: per layer prefix keys and values [hd, P, nKv, 1], not rotated. */
  prefix?: (layer: number) => { k: T; v: T };
  /** Per (layer, projection) dropout masks [in, T, B] already scaled by 1/(1-p); absent when p = 0. */
  dropout?: (layer: number, proj: ProjName) => T | undefined;
}

interface ProjRecord {
  x: T;
  xd?: T;
  h?: T; // [r, T, B]
  bT?: T; // Bᵀ [out, r]
}

interface LayerRecord {
  x: T;
  h1: T;
  q4?: T;
  k4?: T;
  attn: AttentionRecord;
  o: ProjRecord;
  qr: ProjRecord;
  kr: ProjRecord;
  vr: ProjRecord;
  x2: T;
  h2: T;
  g: T;
  u: T;
  sg: T;
  gate: ProjRecord;
  up: ProjRecord;
  down: ProjRecord;
  out: T;
}

export class DecoderGraph {
  private readonly cfg: ModelConfig;
  readonly grads: { module: LoraModule; dA: T; dB: T }[] = [];
  /** Gradients of each layer's prefix keys/values [hd, P, nKv, 1]. */
  readonly prefixGrads = new Map<number, { dk: T; dv: T }>();

  constructor(
    private readonly g: GraphBuilder,
    private readonly w: FrozenWeights,
    private readonly lora: (layer: number, proj: ProjName) => LoraModule | undefined,
    private readonly inputs: StepInputs,
    private readonly batch: number,
    private readonly steps: number,
  ) {
    this.cfg = w.config;
  }

  private proj(x: T, lin: FrozenLinear, layer: number, name: ProjName, rec: ProjRecord): T {
    const g = this.g;
    let y = g.mulMat(lin.w, x); // [out, T, B]
    if (lin.bias) y = g.add(y, lin.bias);
    rec.x = x;
    const m = this.lora(layer, name);
    if (m) {
      const mask = this.inputs.dropout?.(layer, name);
      const xd = mask ? g.mul(x, mask) : x;
      const h = g.mulMat(m.a, xd); // [r, T, B]
      // B·h contracts over r: as MUL_MAT that is a 16-long dot product per output, where ggml's CPU
      // GEMM spends more on reductions than on products; OUT_PROD over the small transposes of B
      // and h runs along `out` instead (2x less CPU, docs/BENCHMARKS.md).
      const bT = g.transposed(m.b); // [out, r]
      const hT = g.transposed(g.reshape(h, [h.ne[0], h.ne[1] * h.ne[2]])); // [N, r]
      y = g.add(y, g.scale(g.reshape(g.outProd(bT, hT), y.ne), m.scale));
      Object.assign(rec, { xd, h, bT });
    }
    return y;
  }

  private projBack(dy: T, lin: FrozenLinear, layer: number, name: ProjName, rec: ProjRecord): T {
    const g = this.g;
    let dx = g.mulMat(lin.wt, dy); // [in, T, B]
    const m = this.lora(layer, name);
    if (m && rec.h && rec.xd) {
      const n = this.batch * this.steps;
      const du = g.reshape(g.scale(dy, m.scale), [dy.ne[0], n]); // [out, N]
      const h2 = g.reshape(rec.h, [rec.h.ne[0], n]); // [r, N]
      // dBᵀ = out_prod(du, h2) [out, r], then a small transpose: the CPU kernel vectorises along ne0
      // only in whole SIMD steps (32-64 floats), so out_prod(h2, du) ran its r-long rows in scalar
      // leftovers. MUL_MAT over [N, ·] transposes of du and h2 measured slower (docs/BENCHMARKS.md).
      const dB = g.transposed(g.outProd(du, h2)); // [r, out]
      const dh = g.mulMat(rec.bT ?? g.transposed(m.b), du); // [r, N]
      const dA = g.outProd(g.reshape(rec.xd, [rec.xd.ne[0], n]), dh); // [in, r]
      let dxd = g.reshape(g.outProd(m.a, g.transposed(dh)), dx.ne); // A·dh over r, as B·h above: [in, T, B]
      const mask = this.inputs.dropout?.(layer, name);
      if (mask) dxd = g.mul(dxd, mask);
      dx = g.add(dx, dxd);
      this.grads.push({ module: m, dA, dB });
    }
    return dx;
  }

  /** [rows·hd, T, B] -> [hd, T, heads, B] */
  private toHeads(x: T, heads: number): T {
    const { headDim: hd } = this.cfg;
    return this.g.cont(this.g.permute(this.g.reshape(x, [hd, heads, this.steps, this.batch]), [0, 2, 1, 3]));
  }

  /** [hd, T, heads, B] -> [heads·hd, T, B] */
  private fromHeads(x: T): T {
    const perm = this.g.cont(this.g.permute(x, [0, 2, 1, 3])); // [hd, heads, T, B]
    return this.g.reshape(perm, [perm.ne[0] * perm.ne[1], this.steps, this.batch]);
  }

  private rope(x4: T, back: boolean): T {
    const { headDim, rope } = this.cfg;
    const scale = rope.type === 'linear' ? 1 / rope.factor : 1;
    return this.g.rope(x4, this.inputs.pos, headDim, rope.theta, scale, null, back);
  }

  layerForward(x: T, i: number): LayerRecord {
    const g = this.g;
    const cfg = this.cfg;
    const L: FrozenLayer = this.w.layers[i];
    const { headDim: hd, numHeads: nH, numKvHeads: nKv, rmsNormEps: eps } = cfg;
    const n = this.batch * this.steps;
    const rec = { x, qr: {}, kr: {}, vr: {}, o: {}, gate: {}, up: {}, down: {} } as LayerRecord;
    const h1 = g.mul(g.rmsNorm(x, eps), L.inputNorm);
    rec.h1 = h1;
    let q4 = g.reshape(this.proj(h1, L.proj.q, i, 'q', rec.qr), [hd, nH, n]);
    let k4 = g.reshape(this.proj(h1, L.proj.k, i, 'k', rec.kr), [hd, nKv, n]);
    const v = this.proj(h1, L.proj.v, i, 'v', rec.vr);
    if (L.qNorm && L.kNorm) {
      rec.q4 = q4;
      rec.k4 = k4;
      q4 = g.mul(g.rmsNorm(q4, eps), L.qNorm);
      k4 = g.mul(g.rmsNorm(k4, eps), L.kNorm);
    }
    const q = this.toHeads(this.rope(q4, false), nH); // [hd, T, nH, B]
    let k = this.toHeads(this.rope(k4, false), nKv); // [hd, T, nKv, B]
    let vh = this.toHeads(v, nKv);
    const pre = this.inputs.prefix?.(i);
    if (pre) {
      const P = pre.k.ne[1];
      const rows = g.shapeOnly([hd, P, nKv, this.batch]);
      k = g.concat(g.repeat(pre.k, rows), k, 1); // [hd, P + T, nKv, B]
      vh = g.concat(g.repeat(pre.v, rows), vh, 1);
    }
    const attn = attentionForward(g, q, k, vh, this.inputs.blocks, 1 / Math.sqrt(hd)); // [hd, T, nH, B]
    const o = this.proj(this.fromHeads(attn.out), L.proj.o, i, 'o', rec.o);
    rec.attn = attn.rec;
    const x2 = g.add(x, o);
    const h2 = g.mul(g.rmsNorm(x2, eps), L.postNorm);
    const gt = this.proj(h2, L.proj.gate, i, 'gate', rec.gate);
    const u = this.proj(h2, L.proj.up, i, 'up', rec.up);
    const sg = g.silu(gt);
    const d = this.proj(g.mul(sg, u), L.proj.down, i, 'down', rec.down);
    Object.assign(rec, { x2, h2, g: gt, u, sg, out: g.add(x2, d) });
    return rec;
  }

  /** Given d(out) of layer i, the gradient w.r.t. its input (LoRA gradients are recorded on the way). */
  layerBackward(dOut: T, rec: LayerRecord, i: number): T {
    const g = this.g;
    const cfg = this.cfg;
    const L = this.w.layers[i];
    const { headDim: hd, numHeads: nH, numKvHeads: nKv, rmsNormEps: eps } = cfg;
    const n = this.batch * this.steps;
    // MLP
    const da = this.projBack(dOut, L.proj.down, i, 'down', rec.down);
    const dg = g.siluBack(g.mul(da, rec.u), rec.g);
    const du = g.mul(da, rec.sg);
    const dh2 = g.add(this.projBack(dg, L.proj.gate, i, 'gate', rec.gate), this.projBack(du, L.proj.up, i, 'up', rec.up));
    const dx2 = g.add(dOut, g.rmsNormBack(g.mul(dh2, L.postNorm), rec.x2, eps));
    // attention
    const dattn = this.toHeads(this.projBack(dx2, L.proj.o, i, 'o', rec.o), nH); // [hd, T, nH, B]
    const att = attentionBackward(g, dattn, rec.attn, this.inputs.blocks, 1 / Math.sqrt(hd));
    const dq = att.dq;
    let { dk, dv } = att; // [hd, P + T, nKv, B]
    const P = dk.ne[1] - this.steps;
    if (P > 0) {
      const one = g.shapeOnly([hd, P, nKv, 1]);
      this.prefixGrads.set(i, { dk: g.repeatBack(g.slice1(dk, 0, P), one), dv: g.repeatBack(g.slice1(dv, 0, P), one) });
      dk = g.slice1(dk, P, this.steps);
      dv = g.slice1(dv, P, this.steps);
    }
    let dq4 = this.rope(g.reshape(this.fromHeads(dq), [hd, nH, n]), true);
    let dk4 = this.rope(g.reshape(this.fromHeads(dk), [hd, nKv, n]), true);
    if (L.qNorm && L.kNorm && rec.q4 && rec.k4) {
      dq4 = g.rmsNormBack(g.mul(dq4, L.qNorm), rec.q4, eps);
      dk4 = g.rmsNormBack(g.mul(dk4, L.kNorm), rec.k4, eps);
    }
    const shape = [nH * hd, this.steps, this.batch];
    const dh1 = g.add(
      g.add(
        this.projBack(g.reshape(dq4, shape), L.proj.q, i, 'q', rec.qr),
        this.projBack(g.reshape(dk4, [nKv * hd, this.steps, this.batch]), L.proj.k, i, 'k', rec.kr),
      ),
      this.projBack(this.fromHeads(dv), L.proj.v, i, 'v', rec.vr),
    );
    return g.add(dx2, g.rmsNormBack(g.mul(dh1, L.inputNorm), rec.x, eps));
  }
}
