/**
 * What one training step of this engine keeps alive, in float32 elements, derived from the code that
 * runs it (models/causal-lm.ts, nn/*, train/train-forward.ts, train/cross-entropy.ts) and from how
 * tfjs-core's engine records gradients (engine.js `gradients`, tape.js `backpropagateGradients`):
 *
 * - Forward: every kernel run while the tape is on keeps a clone of the inputs/outputs its gradient
 *   config names (`inputsToSave` / `outputsToSave`). A clone shares its data buffer, so what costs
 *   memory is each distinct buffer some gradient needs. Reshape shares its input's buffer; transpose,
 *   slice/split and every arithmetic op allocate. The saved tensors live until the whole backward
 *   pass ends (they are disposed together after `backpropagateGradients`).
 * - Backward: every gradient produced for an input on the path from the trainable tensors to the loss
 *   stays in the backward scope until it ends (only a replaced running sum is disposed), so the peak
 *   is reached at the end of the backward pass: saved tensors + all those gradients. Add and Reshape
 *   gradients are reshapes of dy (no new buffer); a tensor read by k > 1 ops ends with k buffers
 *   (k - 1 gradients that allocate, plus the running sum), fewer when some of them share dy.
 *   Softmax's gradient allocates dy*y eagerly, outside the per-input tidy, so it lives on too.
 * - Gradient checkpointing (tf.customGrad per layer, tape off inside): only each layer's input is
 *   saved; during the backward pass one layer at a time is recomputed under its own tape.
 * - Cross-entropy (nllSum): the [rows, V] logits exist only inside one chunk's tidy (3 of them in the
 *   backward chunk: logits, logits - lse, exp), never kept for the backward pass.
 *
 * Symbols: N = B*T rows, H hidden, Q = nH*hd, K = nKv*hd, I intermediate, S = P + T key columns,
 * r LoRA rank. Small per-row terms (norm variances, 1/rms) are counted where they occur.
 */
import type { ModelConfig } from '../config/model-config';
import type { TrainMethod } from '../train/train-settings';

export type ProjectionName = 'q_proj' | 'k_proj' | 'v_proj' | 'o_proj' | 'gate_proj' | 'up_proj' | 'down_proj';
export const PROJECTION_NAMES: ProjectionName[] = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];

export interface ActivationShape {
  config: ModelConfig;
  method: TrainMethod;
  /** LoRA: targeted projections (empty for prefix tuning). */
  targets: ProjectionName[];
  loraR: number;
  /** LoRA dropout > 0 keeps a random mask chain per targeted module. */
  loraDropout: boolean;
  prefixLen: number;
  batch: number;
  seqLen: number;
  /** Rows with a target (the loss only reads those); at most batch * seqLen. */
  targetRows: number;
  checkpointing: boolean;
}

/** Elements (float32) at the step's peak, split by where they come from. */
export interface ActivationElements {
  /** Saved for backward by the decoder layers (+ embedding output). */
  saved: number;
  /** Gradients alive at the peak (layers + loss head). */
  grads: number;
  /** Cross-entropy chunk transient at the peak (0 when the peak is at the end of backward). */
  logits: number;
  /** Saved by the final norm and the loss (hidden states, picked rows, log-sum-exp). */
  lossSaved: number;
  /** Context tensors: RoPE cos/sin, the additive mask, ids. */
  context: number;
}

interface Dims {
  N: number;
  B: number;
  T: number;
  S: number;
  P: number;
  H: number;
  Q: number;
  K: number;
  I: number;
  r: number;
  nH: number;
  nRep: number;
}

const IO: Record<ProjectionName, (d: Dims) => [number, number]> = {
  q_proj: (d) => [d.H, d.Q],
  k_proj: (d) => [d.H, d.K],
  v_proj: (d) => [d.H, d.K],
  o_proj: (d) => [d.Q, d.H],
  gate_proj: (d) => [d.H, d.I],
  up_proj: (d) => [d.H, d.I],
  down_proj: (d) => [d.I, d.H],
};

function hasBias(cfg: ModelConfig, p: ProjectionName): boolean {
  if (p === 'q_proj' || p === 'k_proj' || p === 'v_proj') return cfg.qkvBias;
  if (p === 'o_proj') return cfg.oBias;
  return cfg.mlpBias;
}

/** nn/rms-norm.ts over `rows` rows of width D: square, mean, +eps, rsqrt, two muls. */
const normSaved = (rows: number, D: number) => 3 * rows * D + 4 * rows; // sq, x*rs, output; var, var+eps, rs...
const normGradsInternal = (rows: number, D: number) => 2 * rows * D + 3 * rows; // d(sq), d(xn); small row terms

export class LayerLedger {
  private readonly d: Dims;
  private readonly lora: Set<ProjectionName>;

  constructor(private readonly s: ActivationShape) {
    const c = s.config;
    const P = s.method === 'ptuning' ? s.prefixLen : 0;
    this.d = {
      N: s.batch * s.seqLen,
      B: s.batch,
      T: s.seqLen,
      S: P + s.seqLen,
      P,
      H: c.hiddenSize,
      Q: c.numHeads * c.headDim,
      K: c.numKvHeads * c.headDim,
      I: c.intermediateSize,
      r: s.loraR,
      nH: c.numHeads,
      nRep: c.numHeads / c.numKvHeads,
    };
    this.lora = new Set(s.method === 'lora' ? s.targets : []);
  }

  /** nn/linear.ts: matMul (+ bias add) (+ LoRA down, up, scale, add) then reshape; each output kept by the next op. */
  private linearSaved(p: ProjectionName): number {
    const { N, r } = this.d;
    const [din, dout] = IO[p](this.d);
    const bias = hasBias(this.s.config, p) ? 1 : 0;
    if (!this.lora.has(p)) return N * dout * (1 + bias);
    const dropout = this.s.loraDropout ? 4 * N * din : 0; // uniform noise, floor, multiplier, x*mask
    return N * dout * (2 + bias + 2) + N * r + dropout; // y, (y+b), up, up*scale, sum; down
  }

  /** Gradients a linear allocates inside itself (LoRA path: d(up*scale)->d(up), d(down), d(x*mask)). */
  private linearGradsInternal(p: ProjectionName): number {
    if (!this.lora.has(p)) return 0;
    const { N, r } = this.d;
    const [din, dout] = IO[p](this.d);
    return N * dout + N * r + (this.s.loraDropout ? N * din : 0);
  }

  /** Gradient buffers of a linear's reshaped input: base matMul, plus the LoRA matMul (or the dropout mul). */
  private linearGradsInput(p: ProjectionName): number {
    const [din] = IO[p](this.d);
    return this.d.N * din * (this.lora.has(p) ? 2 : 1);
  }

  /** Saved by one decoder layer, not counting its input (the previous layer's output). */
  savedPerLayer(): number {
    const { N, B, T, S, P, H, Q, K, I, nH, nRep } = this.d;
    const c = this.s.config;
    let n = normSaved(N, H); // input norm -> h
    for (const p of ['q_proj', 'k_proj', 'v_proj'] as const) n += this.linearSaved(p);
    if (c.qkNorm) n += normSaved(N * c.numHeads, c.headDim) + normSaved(N * c.numKvHeads, c.headDim);
    n += 4 * N * Q + 4 * N * K; // RoPE on q and k: x1, -x2, rotate_half, x*cos, rot*sin
    n += N * Q + 2 * N * K; // transposed q (kept via the GQA reshape), k, v
    if (P) n += 2 * B * P * K + 2 * B * S * K; // transposed prefix k/v and the concatenated keys/values
    n += 3 * B * nH * T * S; // scores, scores/sqrt(hd), softmax
    if (nRep > 1) n += B * nRep * T * S; // the mask tiled over the query heads of a KV head
    n += 2 * N * Q; // attention output and its transpose
    n += this.linearSaved('o_proj');
    n += N * H; // x + attn
    n += normSaved(N, H); // post-attention norm -> h2
    n += this.linearSaved('gate_proj') + this.linearSaved('up_proj');
    n += 3 * N * I; // sigmoid(g), g*sigmoid(g), *u
    n += this.linearSaved('down_proj');
    return n;
  }

  /** Gradient buffers one decoder layer leaves in the backward scope when all of it is on the path. */
  gradsPerLayer(): number {
    const { N, B, T, S, P, H, Q, K, I, nH } = this.d;
    const c = this.s.config;
    let n = 3 * N * H + normGradsInternal(N, H); // x: square, mul, residual add (shares dy)
    n += N * H; // h: running sum over the q/k/v reshapes
    for (const p of ['q_proj', 'k_proj', 'v_proj'] as const) n += this.linearGradsInput(p) + this.linearGradsInternal(p);
    if (c.qkNorm) n += 4 * N * Q + 4 * N * K;
    n += 5.5 * N * Q + 5.5 * N * K; // RoPE: x (2), x1, -x2, x2 (1/2 each), rotate_half, transpose
    n += N * K; // transpose of v
    n += N * Q; // q rows
    n += P ? 2 * (2 * B * S * K + B * P * K) : 2 * N * K; // keys, values (+ concat split and prefix transpose)
    n += 4 * B * nH * T * S; // probs, softmax (dy*y and dx), scale
    n += N * Q; // transpose back of the heads
    n += this.linearGradsInput('o_proj') + this.linearGradsInternal('o_proj');
    n += 3 * N * H + normGradsInternal(N, H); // x1
    n += N * H; // h2: running sum over gate/up reshapes
    for (const p of ['gate_proj', 'up_proj'] as const) n += this.linearGradsInput(p) + this.linearGradsInternal(p);
    n += 5 * N * I; // g (2), sigmoid, g*sigmoid, u
    n += this.linearGradsInput('down_proj') + this.linearGradsInternal('down_proj');
    return n;
  }

  /**
   * What layer 0 does not compute: its input comes from the frozen embedding, so gradients start at
   * the first trainable tensor. LoRA on an attention projection: the input norm and the q/k/v inputs
   * are off the path; LoRA on the MLP only: the whole attention block is; prefix tuning: everything
   * before the keys/values meet the prefix.
   */
  layerZeroOffPath(): number {
    const { N, H, Q, K } = this.d;
    const c = this.s.config;
    const before = 4 * N * H + normGradsInternal(N, H); // x (3) + h sum... of layer 0
    const qkvInputs = (['q_proj', 'k_proj', 'v_proj'] as const).reduce((a, p) => a + this.linearGradsInput(p), 0);
    const attnTargets = (['q_proj', 'k_proj', 'v_proj', 'o_proj'] as const).some((p) => this.lora.has(p));
    if (this.s.method === 'ptuning') {
      return before + qkvInputs + 5.5 * N * Q + 5.5 * N * K + N * K + N * Q + (c.qkNorm ? 4 * N * Q + 4 * N * K : 0);
    }
    if (attnTargets) return before + qkvInputs;
    const full = this.gradsPerLayer();
    const mlp =
      (['gate_proj', 'up_proj', 'down_proj'] as const).reduce((a, p) => a + this.linearGradsInput(p) + this.linearGradsInternal(p), 0) + 5 * N * this.d.I;
    return full - mlp;
  }

  /** Final norm + loss: saved, gradients, and the largest cross-entropy chunk transient. */
  lossHead(): { saved: number; grads: number; backwardChunk: number } {
    const { N, H } = this.d;
    const V = this.s.config.vocabSize;
    const Nt = Math.min(this.s.targetRows, N);
    const rows = Math.min(Nt, Math.max(1, Math.floor((1 << 25) / V))); // cross-entropy.ts defaultChunkRows
    return {
      saved: normSaved(N, H) + Nt * H + Nt, // final norm -> hidden; picked rows; log-sum-exp
      grads: 4 * N * H + N * H + Nt * H, // last output (2) + sq + xn; scatter back to [N, H]; picked rows
      backwardChunk: 3 * rows * V + 5 * rows * H + (Nt > rows ? Nt * H : 0), // logits, -lse, exp; slices/products; concat of parts
    };
  }

  context(): number {
    const { N, B, T, S } = this.d;
    return 2 * N * this.s.config.headDim + B * T * S + 2 * N; // cos, sin, mask, ids + attention mask
  }

  /** The step's activation peak (elements), the larger of the start and the end of the backward pass. */
  peak(): ActivationElements {
    const L = this.s.config.numLayers;
    const { N, H } = this.d;
    const head = this.lossHead();
    const layerSaved = this.savedPerLayer();
    const layerGrads = this.gradsPerLayer();
    const context = this.context();
    if (!this.s.checkpointing) {
      const saved = L * layerSaved + N * H; // + the embedding output (layer 0's input)
      const grads = L * layerGrads - this.layerZeroOffPath() + head.grads;
      return grads >= head.backwardChunk
        ? { saved, grads, logits: 0, lossSaved: head.saved, context }
        : { saved, grads: 0, logits: head.backwardChunk, lossSaved: head.saved, context };
    }
    // Checkpointed: each layer keeps its input; at layer 0's recompute the outer pass holds every
    // later layer's input gradient, and layer 0 runs whole under its own tape (+ its output value).
    // The recompute differentiates the layer input too (it is an argument of the nested
    // valueAndGrads), so layer 0 has no off-path part there.
    const saved = (L + 1) * N * H;
    const recompute = layerSaved + layerGrads + N * H;
    const grads = head.grads + (L - 1) * N * H + recompute;
    return grads >= head.backwardChunk
      ? { saved, grads, logits: 0, lossSaved: head.saved, context }
      : { saved, grads: 0, logits: head.backwardChunk, lossSaved: head.saved, context };
  }
}
