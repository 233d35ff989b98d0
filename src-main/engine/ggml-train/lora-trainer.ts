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
 *
 * The parts: trainer-params.ts (the trained tensors and their buffers), batch-inputs.ts (ids,
 * positions, masks, dropout), prefix-graph.ts (P-Tuning v2), head-loss.ts (the chunked head and loss);
 * this file runs a micro-batch through them and holds the optimiser and checkpoint I/O.
 */
import type { ComputeBackend } from '../ggml/backend';
import { GgmlType, type GraphPtr, type TensorPtr } from '../ggml/ffi';
import { GgmlContext, GraphAllocator, nativeMemory } from '../ggml/owners';
import type { Batch } from '../train/batching';
import { batchInputs, dropoutMasks, type Upload } from './batch-inputs';
import { DecoderGraph, type StepInputs } from './decoder-backward';
import { QUERY_BLOCK_ROWS } from './causal-attention';
import { PROJ_NAMES, type FrozenWeights, type ProjName } from './frozen-weights';
import { PROJECTIONS } from '../adapters/lora-set';
import type { LoraPairs } from '../ggml/causal-lm';
import { GraphBuilder, numel, type T } from './graph';
import { chunkedHeadLoss, targetRows, type HeadLoss } from './head-loss';
import { prefixGraph, type PrefixGraph } from './prefix-graph';
import { allocateTrainerParams, type HostLoraModule, type HostPrefix, type ParamSlot, type TrainerParams } from './trainer-params';

export type { HostLoraModule, HostPrefix };

export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** GRPO's additions to a micro-batch (engine/train/grpo/): per target row, in row-major order. */
interface GrpoRowOptions {
  /** Multiplies each target row's gradient of the logits (the policy-gradient coefficient). */
  rowWeights?: Float32Array;
  /** Filled with log p(target) of each target row. */
  rowLogProbs?: Float32Array;
  /** The reference model: the decoder without the LoRA modules. */
  adapterOff?: boolean;
}

type BatchOptions = {
  backward: boolean;
  normaliser: number;
  dropoutSeed: number;
  checkpointing?: boolean;
  logitsOfLast?: Float32Array;
  measureOnly?: boolean;
} & GrpoRowOptions;

/** One micro-batch's graph while its steps build it. */
interface BatchGraph {
  g: GraphBuilder;
  dec: DecoderGraph;
  inputs: StepInputs;
  /** Host data for the graph's inputs, written after allocation. */
  uploads: Upload[];
  prefix?: PrefixGraph;
  B: number;
  Tq: number;
  /** B * Tq. */
  N: number;
}

/** The forward's saved state: each layer's record, the last layer's output [H, N] and the normed hidden [H, N]. */
interface ForwardPass {
  recs: ReturnType<DecoderGraph['layerForward']>[];
  xL: T;
  hidden: T;
}

export class GgmlLoraTrainer {
  readonly slots: ParamSlot[];
  private readonly params: TrainerParams;
  private readonly alloc: GraphAllocator;
  /** AdamW steps taken (for the bias corrections). */
  t = 0;
  /** High-water mark of the engine's native bytes (weights + adapter + compute buffers). */
  peakBytes = 0;
  /** Query rows per block of the causal attention (causal-attention.ts); tests set it small. */
  queryBlockRows = QUERY_BLOCK_ROWS;

  constructor(
    private readonly backend: ComputeBackend,
    private readonly frozen: FrozenWeights,
    host: HostLoraModule[],
    private readonly dropout = 0,
    private readonly prefixSpec?: HostPrefix,
  ) {
    this.params = allocateTrainerParams(backend, host, prefixSpec);
    this.slots = this.params.slots;
    this.alloc = new GraphAllocator(backend.lib, backend.bufferType());
  }

  private set(p: TensorPtr, data: Float32Array | Int32Array): void {
    this.backend.lib.backend.ggml_backend_tensor_set(p, data, 0, data.byteLength);
  }

  private get(t: T): Float32Array {
    const out = new Float32Array(numel(t.ne));
    this.backend.lib.backend.ggml_backend_tensor_get(t.p, new Uint8Array(out.buffer), 0, out.byteLength);
    return out;
  }

  private module = (layer: number, proj: ProjName) => this.params.modules.get(`${layer}.${proj}`);

  /** The live LoRA tensors as the inference decoder reads them (samples, GRPO rollouts): no copies. */
  loraPairs(): LoraPairs {
    return {
      pair: (layer, p) => {
        const m = this.module(layer, PROJ_NAMES[PROJECTIONS.indexOf(p)]);
        return m ? { a: m.a.p, b: m.b.p, scaling: m.scale } : undefined;
      },
    };
  }

  private notePeak(): void {
    this.peakBytes = Math.max(this.peakBytes, nativeMemory().totalBytes);
  }

  /** Builds, allocates, uploads and computes one micro-batch; returns its (normalised) loss. */
  private async runBatch(batch: Batch, opts: BatchOptions): Promise<number> {
    const lib = this.backend.lib;
    const nodes = 2048 + this.frozen.config.numLayers * 1024;
    const ctx = new GgmlContext(lib, nodes, nodes * 2);
    try {
      const s = this.batchGraph(ctx, batch, opts);
      const fwd = this.forwardLayers(s);
      const graph = ctx.newGraph(nodes * 2);
      if (opts.logitsOfLast) return await this.lastRowLogits(s, graph, fwd.hidden, opts.logitsOfLast);
      const target = targetRows(batch);
      if (!target.rows.length) return 0;
      const head = chunkedHeadLoss(s.g, this.frozen, fwd.hidden, target, opts, s.uploads);
      if (opts.backward) this.backwardInto(s, graph, fwd, head, opts.checkpointing ?? false);
      const loss = s.g.output(head.lossSum, 'loss');
      lib.base.ggml_build_forward_expand(graph, loss.p);
      for (const pr of head.probs) lib.base.ggml_build_forward_expand(graph, pr.out.p);
      this.backend.assertSupported(graph);
      if (opts.measureOnly) return this.measure(graph);
      await this.allocUploadCompute(graph, s.uploads, `a training step of ${s.B} x ${s.Tq} tokens`);
      for (const pr of head.probs) {
        const p = this.get(pr.out);
        // log of a probability that underflowed to 0 in f32 is the smallest f32's log, not -Infinity.
        for (let j = 0; j < pr.n; j++) opts.rowLogProbs![pr.s + j] = Math.log(Math.max(p[j], 1e-45));
      }
      return this.get(loss)[0];
    } finally {
      ctx.dispose();
    }
  }

  /** The micro-batch's inputs (ids, positions, mask, dropout masks), prefix graph and decoder. */
  private batchGraph(ctx: GgmlContext, batch: Batch, opts: BatchOptions): BatchGraph {
    const { batch: B, steps: Tq } = batch;
    const g = new GraphBuilder(this.backend.lib, ctx, this.backend.name === 'cpu');
    const uploads: Upload[] = [];
    const P = this.prefixSpec?.numVirtualTokens ?? 0;
    const inputs = batchInputs(g, batch, P, uploads, this.queryBlockRows);
    if (this.dropout > 0 && opts.backward) {
      const hasModule = (key: string) => this.params.modules.has(key);
      inputs.dropout = dropoutMasks(g, { rate: this.dropout, seed: opts.dropoutSeed, frozen: this.frozen, hasModule, B, Tq }, uploads);
    }
    const prefix = P > 0 ? prefixGraph(g, this.frozen.config, this.prefixSpec!, this.params.prefixSlots) : undefined;
    if (prefix) inputs.prefix = prefix.layer;
    const dec = new DecoderGraph(g, this.frozen, opts.adapterOff ? () => undefined : this.module, inputs, B, Tq);
    return { g, dec, inputs, uploads, prefix, B, Tq, N: B * Tq };
  }

  /** Embedding, every layer (records kept for the backward), final norm. */
  private forwardLayers(s: BatchGraph): ForwardPass {
    const { g, dec, B, Tq, N } = s;
    const cfg = this.frozen.config;
    const H = cfg.hiddenSize;
    const x0 = g.reshape(g.getRows(this.frozen.embed, s.inputs.ids), [H, Tq, B]);
    const recs = [];
    let x = x0;
    for (let i = 0; i < cfg.numLayers; i++) {
      const r = dec.layerForward(x, i);
      recs.push(r);
      x = r.out;
    }
    const xL = g.reshape(x, [H, N]);
    const hidden = g.mul(g.rmsNorm(xL, cfg.rmsNormEps), this.frozen.finalNorm); // [H, N]
    return { recs, xL, hidden };
  }

  /** lastLogits: the head on the last row only, computed and copied into `out`. */
  private async lastRowLogits(s: BatchGraph, graph: GraphPtr, hidden: T, out: Float32Array): Promise<number> {
    const { g, N } = s;
    const last = g.input([1], 'last_row', GgmlType.I32);
    s.uploads.push([last.p, Int32Array.of(N - 1)]);
    const logits = g.output(g.mulMat(this.frozen.head, g.getRows(hidden, last)), 'logits'); // [V, 1]
    this.backend.lib.base.ggml_build_forward_expand(graph, logits.p);
    this.backend.assertSupported(graph);
    await this.allocUploadCompute(graph, s.uploads, `a forward pass of ${N} tokens`);
    out.set(this.get(logits));
    return 0;
  }

  /**
   * From the head's gradient of the target rows back through the final norm and every layer (re-run
   * from its saved input with checkpointing), then the gradient accumulators += this batch's gradients.
   */
  private backwardInto(s: BatchGraph, graph: GraphPtr, fwd: ForwardPass, head: HeadLoss, checkpointing: boolean): void {
    const { g, dec, B, Tq, N } = s;
    const base = this.backend.lib.base;
    const cfg = this.frozen.config;
    const H = cfg.hiddenSize;
    let dhs = head.dChunks[0];
    for (let k = 1; k < head.dChunks.length; k++) dhs = g.concat(dhs, head.dChunks[k], 1);
    const dhidden = g.getRowsBack(dhs, head.idx, g.shapeOnly([H, N]));
    let dx = g.reshape(g.rmsNormBack(g.mul(dhidden, this.frozen.finalNorm), fwd.xL, cfg.rmsNormEps), [H, Tq, B]);
    for (let i = cfg.numLayers - 1; i >= 0; i--) {
      // Activation checkpointing: re-run the layer from its saved input. The `+ 0·dx` makes the
      // recompute depend on the incoming gradient, so ggml schedules it inside the backward and
      // the first forward's intermediates are freed after their last forward use.
      const rec = checkpointing ? dec.layerForward(g.add(fwd.recs[i].x, g.scale(dx, 0)), i) : fwd.recs[i];
      dx = dec.layerBackward(dx, rec, i);
    }
    if (s.prefix) {
      for (const [slot, grad] of s.prefix.backward(dec.prefixGrads)) {
        base.ggml_build_forward_expand(graph, g.copyInto(g.add(slot.grad, grad), slot.grad).p);
      }
    }
    for (const { module, dA, dB } of dec.grads) {
      base.ggml_build_forward_expand(graph, g.copyInto(g.add(module.gradA, dA), module.gradA).p);
      base.ggml_build_forward_expand(graph, g.copyInto(g.add(module.gradB, dB), module.gradB).p);
    }
  }

  /** The compute buffer `graph` would take, measured by a probe allocator (nothing allocated for it). */
  private measure(graph: GraphPtr): number {
    const probe = new GraphAllocator(this.backend.lib, this.backend.bufferType());
    try {
      return probe.measure(graph);
    } finally {
      probe.dispose();
    }
  }

  /** Allocates `graph`'s compute buffer, writes the inputs, computes. */
  private async allocUploadCompute(graph: GraphPtr, uploads: Upload[], what: string): Promise<void> {
    this.alloc.alloc(graph, what);
    this.notePeak();
    for (const [p, data] of uploads) this.set(p, data);
    await this.backend.compute(graph);
  }

  /** Zeroes the accumulators, then forward + backward of every micro-batch of one optimiser step. */
  async lossAndGrads(micro: Batch[], dropoutSeeds: number[], checkpointing = false): Promise<{ loss: number; targets: number; tokens: number }> {
    this.backend.lib.backend.ggml_backend_buffer_clear(this.params.gradBuf.ptr, 0);
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
    this.backend.lib.backend.ggml_backend_buffer_clear(this.params.gradBuf.ptr, 0);
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
    return { frozen: this.frozen.bytes, adapter: this.params.paramBuf.bytes + this.params.gradBuf.bytes, compute };
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
    this.set(this.params.hyper.p, Float32Array.of(h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, 1 / (1 - h.beta1 ** this.t), 1 / (1 - h.beta2 ** this.t)));
    this.set(this.params.clip.p, Float32Array.of(gradScale));
    const nodes = 64 + this.slots.length * 4;
    const ctx = new GgmlContext(lib, nodes, nodes);
    try {
      const g = new GraphBuilder(lib, ctx);
      const graph = ctx.newGraph(nodes);
      for (const s of this.slots) {
        const grad = gradScale === 1 ? s.grad : g.mul(s.grad, this.params.clip);
        lib.base.ggml_build_forward_expand(graph, g.adamw(s.param, grad, s.m, s.v, this.params.hyper).p);
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
    this.params.gradBuf.dispose();
    this.params.paramBuf.dispose();
    this.params.gradCtx.dispose();
    this.params.paramCtx.dispose();
  }
}
