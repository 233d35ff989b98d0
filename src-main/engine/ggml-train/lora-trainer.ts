/**
 * LoRA training on ggml: the adapter (A, B), its gradient accumulators and AdamW moments live in
 * backend buffers (F32); each micro-batch is one graph — forward, chunked head + cross-entropy over
 * the target rows only, the hand-written backward of decoder-backward.ts — that adds its gradients
 * into the accumulators. AdamW (torch semantics: decoupled weight decay, bias-corrected moments) runs
 * on the device with ggml_opt_step_adamw; clipping scales the gradients on the device first.
 *
 * Loss normalisation as transformers with num_items_in_batch: every micro-batch's summed token NLL is
 * divided by the number of targets in the whole accumulation group, so k accumulated micro-batches
 * give the gradient of the mean over all their targets.
 */
import type { ComputeBackend } from '../ggml/backend';
import { GgmlType, type TensorPtr } from '../ggml/ffi';
import { BackendBuffer, GgmlContext, GraphAllocator, nativeMemory } from '../ggml/owners';
import { hostMaskAndPositions, MASKED } from '../nn/host-mask';
import type { Batch } from '../train/batching';
import { packedMaskAndPositions } from '../train/packed-mask';
import { Rng } from '../train/rng';
import { DecoderGraph, type LoraModule, type StepInputs } from './decoder-backward';
import { PROJ_NAMES, type FrozenWeights, type ProjName } from './frozen-weights';
import { PROJECTIONS } from '../adapters/lora-set';
import type { LoraPairs } from '../ggml/causal-lm';
import { GraphBuilder, numel, type T } from './graph';

/** One LoRA module's initial values in peft's layout: A [r, in], B [out, r], row-major. */
export interface HostLoraModule {
  /** peft key prefix, e.g. `layers.0.self_attn.q_proj`. */
  key: string;
  layer: number;
  proj: ProjName;
  r: number;
  inDim: number;
  outDim: number;
  scale: number;
  a: Float32Array;
  b: Float32Array;
}

export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/**
 * P-Tuning v2 parameters in peft's PREFIX_TUNING layout (engine/train/prefix-tuning.ts): without
 * reparameterisation `embedding.weight` [P, L*2*kvDim]; with it `embedding.weight` [P, H] and
 * `transform.0.{weight [E, H], bias [E]}`, `transform.2.{weight [L*2*kvDim, E], bias}` (tanh between).
 */
export interface HostPrefix {
  numVirtualTokens: number;
  projection: boolean;
  params: Map<string, { shape: number[]; data: Float32Array }>;
}

interface ParamSlot {
  /** The checkpoint / PEFT name. */
  name: string;
  param: T;
  grad: T;
  m: T;
  v: T;
}

const F32 = GgmlType.F32;

/** GRPO's additions to a micro-batch (engine/train/grpo/): per target row, in row-major order. */
interface GrpoRowOptions {
  /** Multiplies each target row's gradient of the logits (the policy-gradient coefficient). */
  rowWeights?: Float32Array;
  /** Filled with log p(target) of each target row. */
  rowLogProbs?: Float32Array;
  /** The reference model: the decoder without the LoRA modules. */
  adapterOff?: boolean;
}

function peftName(key: string, which: 'A' | 'B'): string {
  return `base_model.model.model.${key}.lora_${which}.weight`;
}

/** Rows of the head computed at once: the logits of a chunk are [V, rows] floats. */
function headChunkRows(vocab: number): number {
  return Math.max(1, Math.min(512, Math.floor(2 ** 26 / (4 * vocab))));
}

export class GgmlLoraTrainer {
  readonly slots: ParamSlot[] = [];
  private readonly modules = new Map<string, LoraModule>();
  private readonly prefixSlots = new Map<string, ParamSlot>();
  private readonly paramCtx: GgmlContext;
  private readonly gradCtx: GgmlContext;
  private readonly paramBuf: BackendBuffer;
  private readonly gradBuf: BackendBuffer;
  private readonly alloc: GraphAllocator;
  private readonly hyper: T;
  private readonly clip: T;
  /** AdamW steps taken (for the bias corrections). */
  t = 0;
  /** High-water mark of the engine's native bytes (weights + adapter + compute buffers). */
  peakBytes = 0;

  constructor(
    private readonly backend: ComputeBackend,
    private readonly frozen: FrozenWeights,
    host: HostLoraModule[],
    private readonly dropout = 0,
    private readonly prefixSpec?: HostPrefix,
  ) {
    const lib = backend.lib;
    const nPrefix = prefixSpec?.params.size ?? 0;
    this.paramCtx = new GgmlContext(lib, (host.length * 2 + nPrefix) * 3 + 2);
    this.gradCtx = new GgmlContext(lib, host.length * 2 + nPrefix);
    const mk = (ctx: GgmlContext, ne: number[], name: string): T => {
      const full = [...ne, 1, 1, 1].slice(0, 4) as T['ne'];
      const p = lib.base.ggml_new_tensor(ctx.ptr, F32, 4, BigInt64Array.from(full.map(BigInt)));
      lib.base.ggml_set_name(p, name);
      return { p, ne: full };
    };
    const initial: [TensorPtr, Float32Array][] = [];
    for (const h of host) {
      const a = mk(this.paramCtx, [h.inDim, h.r], `${h.key}.A`);
      const b = mk(this.paramCtx, [h.r, h.outDim], `${h.key}.B`);
      lib.base.ggml_set_param(a.p);
      lib.base.ggml_set_param(b.p);
      const gradA = mk(this.gradCtx, a.ne, `${h.key}.A.grad`);
      const gradB = mk(this.gradCtx, b.ne, `${h.key}.B.grad`);
      this.modules.set(`${h.layer}.${h.proj}`, { a, b, scale: h.scale, gradA, gradB });
      this.slots.push({
        name: peftName(h.key, 'A'),
        param: a,
        grad: gradA,
        m: mk(this.paramCtx, a.ne, `${h.key}.A.m`),
        v: mk(this.paramCtx, a.ne, `${h.key}.A.v`),
      });
      this.slots.push({
        name: peftName(h.key, 'B'),
        param: b,
        grad: gradB,
        m: mk(this.paramCtx, b.ne, `${h.key}.B.m`),
        v: mk(this.paramCtx, b.ne, `${h.key}.B.v`),
      });
      initial.push([a.p, h.a], [b.p, h.b]);
    }
    for (const [name, t] of prefixSpec?.params ?? []) {
      const ne = [...t.shape].reverse(); // row-major [rows, cols] is ggml [cols, rows]
      const param = mk(this.paramCtx, ne, name);
      lib.base.ggml_set_param(param.p);
      const slot = { name, param, grad: mk(this.gradCtx, ne, `${name}.grad`), m: mk(this.paramCtx, ne, `${name}.m`), v: mk(this.paramCtx, ne, `${name}.v`) };
      this.slots.push(slot);
      this.prefixSlots.set(name, slot);
      initial.push([param.p, t.data]);
    }
    this.hyper = mk(this.paramCtx, [7], 'adamw.hyper');
    this.clip = mk(this.paramCtx, [1], 'clip.scale');
    this.paramBuf = new BackendBuffer(lib, this.paramCtx, backend.ptr, 'the LoRA parameters and AdamW moments');
    this.gradBuf = new BackendBuffer(lib, this.gradCtx, backend.ptr, 'the LoRA gradients');
    lib.backend.ggml_backend_buffer_clear(this.paramBuf.ptr, 0);
    lib.backend.ggml_backend_buffer_clear(this.gradBuf.ptr, 0);
    for (const [p, data] of initial) this.set(p, data);
    this.alloc = new GraphAllocator(lib, backend.bufferType());
  }

  private set(p: TensorPtr, data: Float32Array | Int32Array): void {
    this.backend.lib.backend.ggml_backend_tensor_set(p, data, 0, data.byteLength);
  }

  private get(t: T): Float32Array {
    const out = new Float32Array(numel(t.ne));
    this.backend.lib.backend.ggml_backend_tensor_get(t.p, new Uint8Array(out.buffer), 0, out.byteLength);
    return out;
  }

  private module = (layer: number, proj: ProjName) => this.modules.get(`${layer}.${proj}`);

  /** The live LoRA tensors as the inference decoder reads them (samples, GRPO rollouts): no copies. */
  loraPairs(): LoraPairs {
    return {
      pair: (layer, p) => {
        const m = this.module(layer, PROJ_NAMES[PROJECTIONS.indexOf(p)]);
        return m ? { a: m.a.p, b: m.b.p, scaling: m.scale } : undefined;
      },
    };
  }

  /** Builds, allocates, uploads and computes one micro-batch; returns its (normalised) loss. */
  private notePeak(): void {
    this.peakBytes = Math.max(this.peakBytes, nativeMemory().totalBytes);
  }

  private async runBatch(
    batch: Batch,
    opts: {
      backward: boolean;
      normaliser: number;
      dropoutSeed: number;
      checkpointing?: boolean;
      logitsOfLast?: Float32Array;
      measureOnly?: boolean;
    } & GrpoRowOptions,
  ): Promise<number> {
    const lib = this.backend.lib;
    const cfg = this.frozen.config;
    const { batch: B, steps: Tq } = batch;
    const N = B * Tq;
    const nodes = 2048 + cfg.numLayers * 1024;
    const ctx = new GgmlContext(lib, nodes, nodes * 2);
    const uploads: [TensorPtr, Float32Array | Int32Array][] = [];
    try {
      const g = new GraphBuilder(lib, ctx);
      const ids = g.input([N], 'ids', GgmlType.I32);
      const pos = g.input([N], 'pos', GgmlType.I32);
      const P = this.prefixSpec?.numVirtualTokens ?? 0;
      const cols = P + Tq;
      const mask = g.input([cols, Tq, 1, B], 'mask');
      const { mask: maskData, positions } = batch.segments ? packedMaskAndPositions(batch, P) : hostMaskAndPositions(batch.attentionMask, B, Tq, 0, P);
      // A padding row sees nothing: let it see itself so its softmax stays finite (it is never a target).
      for (let r = 0; r < N; r++) {
        const at = r * cols + P + (r % Tq);
        if (maskData[at] === MASKED) maskData[at] = 0;
      }
      uploads.push([ids.p, batch.ids], [pos.p, positions], [mask.p, maskData]);
      const dropoutMasks = new Map<string, T>();
      const inputs: StepInputs = { ids, pos, mask };
      if (this.dropout > 0 && opts.backward) {
        const keep = 1 / (1 - this.dropout);
        inputs.dropout = (layer, proj) => {
          const key = `${layer}.${proj}`;
          if (!this.modules.has(key)) return undefined;
          let m = dropoutMasks.get(key);
          if (!m) {
            const inDim = this.frozen.layers[layer].proj[proj].w.ne[0];
            m = g.input([inDim, Tq, B], `dropout.${key}`);
            const rng = new Rng((opts.dropoutSeed * 1_000_003 + layer * 16 + PROJ_NAMES.indexOf(proj)) >>> 0);
            const data = new Float32Array(inDim * N);
            for (let i = 0; i < data.length; i++) data[i] = rng.nextFloat() < this.dropout ? 0 : keep;
            uploads.push([m.p, data]);
            dropoutMasks.set(key, m);
          }
          return m;
        };
      }
      const prefix = P > 0 ? this.prefixForward(g) : undefined;
      if (prefix) inputs.prefix = prefix.layer;
      const dec = new DecoderGraph(g, this.frozen, opts.adapterOff ? () => undefined : this.module, inputs, B, Tq);
      const H = cfg.hiddenSize;
      const x0 = g.reshape(g.getRows(this.frozen.embed, ids), [H, Tq, B]);
      const recs = [];
      let x = x0;
      for (let i = 0; i < cfg.numLayers; i++) {
        const r = dec.layerForward(x, i);
        recs.push(r);
        x = r.out;
      }
      const xL = g.reshape(x, [H, N]);
      const hidden = g.mul(g.rmsNorm(xL, cfg.rmsNormEps), this.frozen.finalNorm); // [H, N]
      // Target rows only: the head never sees padding or prompt tokens.
      const rows: number[] = [];
      const labels: number[] = [];
      for (let i = 0; i < N; i++) {
        if (batch.targets[i] < 0) continue;
        rows.push(i);
        labels.push(batch.targets[i]);
      }
      const graph = ctx.newGraph(nodes * 2);
      const V = cfg.vocabSize;
      if (opts.logitsOfLast) {
        const last = g.input([1], 'last_row', GgmlType.I32);
        uploads.push([last.p, Int32Array.of(N - 1)]);
        const logits = g.output(g.mulMat(this.frozen.head, g.getRows(hidden, last)), 'logits'); // [V, 1]
        lib.base.ggml_build_forward_expand(graph, logits.p);
        this.backend.assertSupported(graph);
        this.alloc.alloc(graph, `a forward pass of ${N} tokens`);
        this.notePeak();
        for (const [p, data] of uploads) this.set(p, data);
        await this.backend.compute(graph);
        opts.logitsOfLast.set(this.get(logits));
        return 0;
      }
      let lossSum: T | undefined;
      const probs: { out: T; s: number; n: number }[] = [];
      if (rows.length) {
        const idx = g.input([rows.length], 'target_rows', GgmlType.I32);
        uploads.push([idx.p, Int32Array.from(rows)]);
        const hs = g.getRows(hidden, idx); // [H, M]
        const C = headChunkRows(V);
        const dChunks: T[] = [];
        for (let s = 0; s < rows.length; s += C) {
          const n = Math.min(C, rows.length - s);
          const part = n === rows.length ? hs : g.slice1(hs, s, n);
          const logits = g.mulMat(this.frozen.head, part); // [V, n]
          // The one-hot labels are scattered on the device (GET_ROWS_BACK of n ones into the flat
          // [V·n] grid), so the host neither fills nor uploads V·n floats per chunk (155 MB for the
          // 0.5B shape's 255 target rows). The loss ops see the same dense labels as before.
          const at = g.input([n], `label_at.${s}`, GgmlType.I32);
          const ones = g.input([1, n], `label_one.${s}`);
          uploads.push([at.p, Int32Array.from({ length: n }, (_, j) => j * V + labels[s + j])], [ones.p, new Float32Array(n).fill(1)]);
          const onehot = g.reshape(g.getRowsBack(ones, at, g.shapeOnly([1, V * n])), [V, n]);
          const scaled = g.scale(g.crossEntropy(logits, onehot), n / opts.normaliser);
          lossSum = lossSum ? g.add(lossSum, scaled) : scaled;
          if (opts.rowLogProbs) probs.push({ out: g.output(g.sumRows(g.mul(g.softMax(logits, null, 1), onehot)), `p.${s}`), s, n }); // [1, n]: p(label)
          if (opts.backward) {
            const dl = g.input([1], `dloss.${s}`);
            uploads.push([dl.p, Float32Array.of(n / opts.normaliser)]);
            let dlogits = g.crossEntropyBack(dl, logits, onehot); // [V, n]
            if (opts.rowWeights) {
              const w = g.input([1, n], `row_weights.${s}`);
              uploads.push([w.p, opts.rowWeights.slice(s, s + n)]);
              dlogits = g.mul(dlogits, w); // each row scaled by its weight (broadcast over V)
            }
            dChunks.push(g.mulMat(this.frozen.headT, dlogits)); // [H, n]
          }
        }
        if (opts.backward) {
          let dhs = dChunks[0];
          for (let k = 1; k < dChunks.length; k++) dhs = g.concat(dhs, dChunks[k], 1);
          const dhidden = g.getRowsBack(dhs, idx, g.shapeOnly([H, N]));
          let dx = g.reshape(g.rmsNormBack(g.mul(dhidden, this.frozen.finalNorm), xL, cfg.rmsNormEps), [H, Tq, B]);
          for (let i = cfg.numLayers - 1; i >= 0; i--) {
            // Activation checkpointing: re-run the layer from its saved input. The `+ 0·dx` makes the
            // recompute depend on the incoming gradient, so ggml schedules it inside the backward and
            // the first forward's intermediates are freed after their last forward use.
            const rec = opts.checkpointing ? dec.layerForward(g.add(recs[i].x, g.scale(dx, 0)), i) : recs[i];
            dx = dec.layerBackward(dx, rec, i);
          }
          if (prefix) {
            for (const [slot, grad] of prefix.backward(dec.prefixGrads)) {
              lib.base.ggml_build_forward_expand(graph, g.copyInto(g.add(slot.grad, grad), slot.grad).p);
            }
          }
          for (const { module, dA, dB } of dec.grads) {
            lib.base.ggml_build_forward_expand(graph, g.copyInto(g.add(module.gradA, dA), module.gradA).p);
            lib.base.ggml_build_forward_expand(graph, g.copyInto(g.add(module.gradB, dB), module.gradB).p);
          }
        }
      }
      const loss = lossSum ? g.output(lossSum, 'loss') : undefined;
      if (loss) lib.base.ggml_build_forward_expand(graph, loss.p);
      for (const pr of probs) lib.base.ggml_build_forward_expand(graph, pr.out.p);
      if (!loss) return 0;
      this.backend.assertSupported(graph);
      if (opts.measureOnly) {
        const probe = new GraphAllocator(lib, this.backend.bufferType());
        try {
          return probe.measure(graph);
        } finally {
          probe.dispose();
        }
      }
      this.alloc.alloc(graph, `a training step of ${B} x ${Tq} tokens`);
      this.notePeak();
      for (const [p, data] of uploads) this.set(p, data);
      await this.backend.compute(graph);
      for (const pr of probs) {
        const p = this.get(pr.out);
        // log of a probability that underflowed to 0 in f32 is the smallest f32's log, not -Infinity.
        for (let j = 0; j < pr.n; j++) opts.rowLogProbs![pr.s + j] = Math.log(Math.max(p[j], 1e-45));
      }
      return this.get(loss)[0];
    } finally {
      ctx.dispose();
    }
  }

  /**
   * The prefix keys/values of every layer from the prefix parameters, and the backward that turns
   * their gradients into the parameters' gradients (through the tanh MLP with prefix_projection).
   */
  private prefixForward(g: GraphBuilder) {
    const cfg = this.frozen.config;
    const { headDim: hd, numKvHeads: nKv, numLayers: L } = cfg;
    const kv = nKv * hd;
    const P = this.prefixSpec!.numVirtualTokens;
    const slot = (n: string) => this.prefixSlots.get(n)!;
    const emb = slot('embedding.weight').param;
    let flat: T; // [L*2*kvDim, P]
    let th: T | undefined;
    if (this.prefixSpec!.projection) {
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

  /** Zeroes the accumulators, then forward + backward of every micro-batch of one optimiser step. */
  async lossAndGrads(micro: Batch[], dropoutSeeds: number[], checkpointing = false): Promise<{ loss: number; targets: number; tokens: number }> {
    this.backend.lib.backend.ggml_backend_buffer_clear(this.gradBuf.ptr, 0);
    const targets = micro.reduce((n, b) => n + b.numTargets, 0);
    const normaliser = Math.max(1, targets);
    let loss = 0;
    for (const [k, b] of micro.entries()) loss += await this.runBatch(b, { backward: true, normaliser, dropoutSeed: dropoutSeeds[k] ?? 0, checkpointing });
    return { loss, targets, tokens: micro.reduce((n, b) => n + b.numTokens, 0) };
  }

  /**
   * GRPO: log p(target) of every target row of `batch` (row-major order), with the adapter or, for the
   * reference, without it (the frozen base model). No gradients.
   */
  async targetLogProbs(batch: Batch, adapterOff: boolean): Promise<Float32Array> {
    const out = new Float32Array(batch.numTargets);
    await this.runBatch(batch, { backward: false, normaliser: 1, dropoutSeed: 0, rowLogProbs: out, adapterOff });
    return out;
  }

  /**
   * GRPO: zeroes the accumulators, then accumulates the gradient of sum_t c_t * logp_t over the target
   * rows (c_t = `coefficients`, row-major): the cross-entropy backward (softmax - onehot) = -d logp /
   * d logits, scaled per row by -c_t.
   */
  async weightedGrads(batches: { batch: Batch; coefficients: Float32Array }[], dropoutSeed = 0): Promise<void> {
    this.backend.lib.backend.ggml_backend_buffer_clear(this.gradBuf.ptr, 0);
    for (const { batch, coefficients } of batches) {
      const rowWeights = coefficients.map((c) => -c);
      await this.runBatch(batch, { backward: true, normaliser: 1, dropoutSeed, rowWeights });
    }
  }

  /** Summed token NLL and target count, no dropout, no gradients. */
  async evalLoss(batches: Batch[], breathe?: () => Promise<void>): Promise<{ sum: number; count: number }> {
    let sum = 0;
    for (const b of batches) {
      sum += await this.runBatch(b, { backward: false, normaliser: 1, dropoutSeed: 0 });
      await breathe?.();
    }
    return { sum, count: batches.reduce((n, b) => n + b.numTargets, 0) };
  }

  /**
   * Peak bytes of a training step on a micro-batch of `rows` x `seqLen` tokens with `targetRows`
   * loss rows: the weights, adapter, gradient and moment buffers as allocated, plus the compute
   * buffer ggml's allocator reserves for that graph (measured on the graph, nothing computed).
   */
  async estimateBytes(rows: number, seqLen: number, targetRows: number, checkpointing: boolean): Promise<number> {
    const p = await this.estimateParts(rows, seqLen, targetRows, checkpointing);
    return p.frozen + p.adapter + p.compute;
  }

  /** estimateBytes by buffer: frozen weights, adapter (parameters, gradients, moments), compute. */
  async estimateParts(rows: number, seqLen: number, targetRows: number, checkpointing: boolean): Promise<{ frozen: number; adapter: number; compute: number }> {
    const N = rows * seqLen;
    const targets = new Int32Array(N).fill(-100);
    for (let i = 0, left = targetRows; i < N && left > 0; i++) {
      if (i % seqLen === seqLen - 1) continue;
      targets[i] = 0;
      left--;
    }
    const batch: Batch = {
      batch: rows,
      steps: seqLen,
      ids: new Int32Array(N),
      targets,
      attentionMask: new Int32Array(N).fill(1),
      numTargets: targetRows,
      numTokens: N,
    };
    const compute = await this.runBatch(batch, { backward: true, normaliser: Math.max(1, targetRows), dropoutSeed: 0, checkpointing, measureOnly: true });
    return { frozen: this.frozen.bytes, adapter: this.paramBuf.bytes + this.gradBuf.bytes, compute };
  }

  /** Logits [V] after the last of `ids`, adapter applied (a full forward: no KV cache here). */
  async lastLogits(ids: number[]): Promise<Float32Array> {
    const T = ids.length;
    const batch: Batch = {
      batch: 1,
      steps: T,
      ids: Int32Array.from(ids),
      targets: new Int32Array(T).fill(-100),
      attentionMask: new Int32Array(T).fill(1),
      numTargets: 0,
      numTokens: T,
    };
    const out = new Float32Array(this.frozen.config.vocabSize);
    await this.runBatch(batch, { backward: false, normaliser: 1, dropoutSeed: 0, logitsOfLast: out });
    return out;
  }

  /** L2 norm over every accumulated gradient. */
  async gradNorm(): Promise<number> {
    const lib = this.backend.lib;
    const nodes = 64 + this.slots.length * 4;
    const ctx = new GgmlContext(lib, nodes, nodes);
    try {
      const g = new GraphBuilder(lib, ctx);
      const graph = ctx.newGraph(nodes);
      let total: T | undefined;
      for (const s of this.slots) {
        const part = g.sum(g.sqr(s.grad));
        total = total ? g.add(total, part) : part;
      }
      if (!total) return 0;
      const out = g.output(total, 'grad_norm_sq');
      lib.base.ggml_build_forward_expand(graph, out.p);
      this.backend.assertSupported(graph);
      this.alloc.alloc(graph, 'the gradient norm');
      await this.backend.compute(graph);
      return Math.sqrt(this.get(out)[0]);
    } finally {
      ctx.dispose();
    }
  }

  /** One AdamW step on every parameter with its accumulated gradient times `gradScale` (clipping). */
  async adamwStep(h: AdamWHyper, gradScale = 1): Promise<void> {
    const lib = this.backend.lib;
    this.t++;
    this.set(this.hyper.p, Float32Array.of(h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, 1 / (1 - h.beta1 ** this.t), 1 / (1 - h.beta2 ** this.t)));
    this.set(this.clip.p, Float32Array.of(gradScale));
    const nodes = 64 + this.slots.length * 4;
    const ctx = new GgmlContext(lib, nodes, nodes);
    try {
      const g = new GraphBuilder(lib, ctx);
      const graph = ctx.newGraph(nodes);
      for (const s of this.slots) {
        const grad = gradScale === 1 ? s.grad : g.mul(s.grad, this.clip);
        lib.base.ggml_build_forward_expand(graph, g.adamw(s.param, grad, s.m, s.v, this.hyper).p);
      }
      this.backend.assertSupported(graph);
      this.alloc.alloc(graph, 'the optimiser step');
      await this.backend.compute(graph);
    } finally {
      ctx.dispose();
    }
  }

  /** peft key (…lora_A.weight) -> values in peft's layout (A [r, in], B [out, r]). */
  readParams(): Map<string, Float32Array> {
    return new Map(this.slots.map((s) => [s.name, this.get(s.param)]));
  }

  readGrads(): Map<string, Float32Array> {
    return new Map(this.slots.map((s) => [s.name, this.get(s.grad)]));
  }

  /** Moments for a checkpoint, keyed like the parameters with `.m` / `.v`. */
  readOptimizerState(): { t: number; moments: Map<string, Float32Array> } {
    const moments = new Map<string, Float32Array>();
    for (const s of this.slots) {
      const k = s.name;
      moments.set(`${k}.m`, this.get(s.m));
      moments.set(`${k}.v`, this.get(s.v));
    }
    return { t: this.t, moments };
  }

  writeState(params: Map<string, Float32Array>, opt?: { t: number; moments: Map<string, Float32Array> }): void {
    for (const s of this.slots) {
      const k = s.name;
      const p = params.get(k);
      if (!p || p.length !== numel(s.param.ne)) throw new Error(`no tensor ${k} of ${numel(s.param.ne)} values to restore`);
      this.set(s.param.p, p);
      if (opt) {
        this.set(s.m.p, opt.moments.get(`${k}.m`)!);
        this.set(s.v.p, opt.moments.get(`${k}.v`)!);
      }
    }
    if (opt) this.t = opt.t;
  }

  dispose(): void {
    this.alloc.dispose();
    this.gradBuf.dispose();
    this.paramBuf.dispose();
    this.gradCtx.dispose();
    this.paramCtx.dispose();
  }
}
