/**
 * The decoder (Qwen2/2.5, Qwen3, Llama; the same normalised ModelConfig as the tfjs engine) as a ggml
 * graph over GgmlModelWeights: embedding -> N x [RMSNorm -> GQA attention (NEOX RoPE, optional q/k
 * RMSNorm, q/k/v/o bias) -> residual -> RMSNorm -> SwiGLU -> residual] -> RMSNorm -> head, with
 * unmerged LoRA on any projection and a KV cache that also holds P-Tuning v2 prefix keys/values.
 *
 * Layout (ggml ne, innermost first): hidden [H, T*B] (token t of row b at column b*T + t); the cache
 * of each layer is K and V [hd, nKv, capacity, B], column j = [prefix P][tokens], keys after RoPE.
 * A call writes its K/V rows with ggml_set_rows at indices given as an input, and attends over a
 * window of W cache columns (W = P + past + T rounded up to WINDOW, the rest masked), so one graph
 * serves every decode step of a window: graphs are built once per (cache, B, T, W, outputs) and reused.
 *
 * Masks and positions are host-built (nn/host-mask.ts: left padding, prefix shift, HF's rules). Scores
 * are f32 throughout (soft_max_ext with an f32 mask); flash attention is used where the backend runs
 * it (ggml_flash_attn_ext, f16 mask) and `flashAttention` allows it.
 */
import type { ModelConfig } from '../config/model-config';
import { loraModuleKey, type Projection } from '../adapters/lora-set';
import type { HostLoraSet } from '../adapters/peft-lora-host';
import { hostMaskAndPositions } from '../nn/host-mask';
import { ropeInverseFrequencies } from '../nn/rope-frequencies';
import type { ComputeBackend } from './backend';
import { GGML_ROPE_TYPE_NEOX, GGML_PREC_F32, GgmlType, type CtxPtr, type GraphPtr, type TensorPtr } from './ffi';
import { BackendBuffer, GgmlContext, GraphAllocator } from './owners';

/** Cache columns are attended in windows of this many, so a decode graph is reused this many steps. */
export const WINDOW = 256;

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;
const i64 = (xs: number[]) => BigInt64Array.from(xs.map(BigInt));

/**
 * The frozen tensors a forward reads, by Hugging Face name: GgmlModelWeights (inference) and the
 * trainer's FrozenWeights both provide them, so one decoder graph serves generation and training's
 * samples over the same device memory.
 */
export interface DecoderWeights {
  readonly config: ModelConfig;
  get(name: string): { tensor: TensorPtr };
  /** A tensor if the checkpoint has it (biases, q/k norms). */
  maybe(name: string): TensorPtr | undefined;
  readonly embed: { tensor: TensorPtr };
  /** `lm_head.weight`, or the embedding when the head is tied. */
  readonly head: { tensor: TensorPtr };
}

/** LoRA A (ne [in, r]) and B (ne [r, out]) of one projection, and its scaling. */
export interface LoraPair {
  a: TensorPtr;
  b: TensorPtr;
  scaling: number;
}

/** Where the forward finds each projection's LoRA: a loaded adapter, or the trainer's live one. */
export interface LoraPairs {
  pair(layer: number, p: Projection): LoraPair | undefined;
}

/** LoRA A/B of an adapter in backend memory (f32), keyed like LoraSet. */
export class GgmlLora implements LoraPairs {
  private readonly pairs = new Map<string, { a: TensorPtr; b: TensorPtr; scaling: number }>();
  private readonly ctx: GgmlContext;
  private readonly buffer: BackendBuffer;

  constructor(backend: ComputeBackend, host: HostLoraSet) {
    const { base, backend: api } = backend.lib;
    const entries = Object.entries(host.modules);
    this.ctx = new GgmlContext(backend.lib, entries.length * 2 + 1);
    try {
      for (const [key, m] of entries) {
        // A [r, in] -> ne [in, r]; B [out, r] -> ne [r, out]: mul_mat(A, x) = A x, mul_mat(B, .) = B (.)
        const a = base.ggml_new_tensor(this.ctx.ptr, GgmlType.F32, 2, i64([m.aShape[1], m.aShape[0]]));
        const b = base.ggml_new_tensor(this.ctx.ptr, GgmlType.F32, 2, i64([m.bShape[1], m.bShape[0]]));
        this.pairs.set(key, { a, b, scaling: m.scaling });
      }
      this.buffer = new BackendBuffer(backend.lib, this.ctx, backend.ptr, 'the LoRA adapter');
    } catch (e) {
      this.ctx.dispose();
      throw e;
    }
    for (const [key, m] of entries) {
      const p = this.pairs.get(key)!;
      api.ggml_backend_tensor_set(p.a, m.a, 0, m.a.byteLength);
      api.ggml_backend_tensor_set(p.b, m.b, 0, m.b.byteLength);
    }
  }

  pair(layer: number, p: Projection): { a: TensorPtr; b: TensorPtr; scaling: number } | undefined {
    return this.pairs.get(loraModuleKey(layer, p));
  }

  dispose(): void {
    this.buffer.dispose();
    this.ctx.dispose();
  }
}

/** Per-layer prefix keys/values of one sequence, on the host: [P][nKv][hd] row-major, not rotated. */
export interface HostPrefix {
  length: number;
  keys: Float32Array[];
  values: Float32Array[];
}

let nextCacheId = 1;

/** A KV cache of B rows and `capacity` columns per layer (prefix included), f32, in backend memory. */
export class GgmlKvCache {
  readonly id = nextCacheId++;
  readonly k: TensorPtr[] = [];
  readonly v: TensorPtr[] = [];
  /** Tokens written so far per row (not counting the prefix). */
  pastLength = 0;
  prefixLength = 0;
  private readonly ctx: GgmlContext;
  private readonly buffer: BackendBuffer;
  onDispose?: () => void;

  constructor(
    private readonly backend: ComputeBackend,
    readonly config: ModelConfig,
    readonly batch: number,
    readonly capacity: number,
  ) {
    const { base } = backend.lib;
    const c = config;
    this.ctx = new GgmlContext(backend.lib, c.numLayers * 2 + 1);
    try {
      for (let i = 0; i < c.numLayers; i++) {
        this.k.push(base.ggml_new_tensor(this.ctx.ptr, GgmlType.F32, 4, i64([c.headDim, c.numKvHeads, capacity, batch])));
        this.v.push(base.ggml_new_tensor(this.ctx.ptr, GgmlType.F32, 4, i64([c.headDim, c.numKvHeads, capacity, batch])));
      }
      this.buffer = new BackendBuffer(backend.lib, this.ctx, backend.ptr, `a KV cache of ${batch} x ${capacity} tokens`);
      // Unwritten columns are masked, but 0 * NaN is NaN: start from zeros.
      backend.lib.backend.ggml_backend_buffer_clear(this.buffer.ptr, 0);
    } catch (e) {
      this.ctx.dispose();
      throw e;
    }
  }

  /** Writes a prefix into columns [0, P) of every row; only before the first token. */
  setPrefix(prefix: HostPrefix): void {
    if (this.pastLength > 0) throw new Error('GgmlKvCache.setPrefix: the cache already holds tokens');
    const api = this.backend.lib.backend;
    const c = this.config;
    const colBytes = c.headDim * c.numKvHeads * 4;
    for (let i = 0; i < c.numLayers; i++) {
      for (let b = 0; b < this.batch; b++) {
        const at = b * this.capacity * colBytes;
        api.ggml_backend_tensor_set(this.k[i], prefix.keys[i], at, prefix.length * colBytes);
        api.ggml_backend_tensor_set(this.v[i], prefix.values[i], at, prefix.length * colBytes);
      }
    }
    this.prefixLength = prefix.length;
  }

  get bytes(): number {
    return this.buffer.bytes;
  }

  dispose(): void {
    this.onDispose?.();
    this.buffer.dispose();
    this.ctx.dispose();
  }
}

export interface GgmlForwardOptions {
  /** [B * (past + T)] 0/1, past + current tokens (HF attention_mask). Default: all ones. */
  keyMask?: ArrayLike<number>;
  /** 'last': logits of each row's last column [B * V]; 'all': every position [B * T * V]. */
  logits: 'last' | 'all';
}

interface BuiltGraph {
  ctx: GgmlContext;
  graph: GraphPtr;
  ids: TensorPtr;
  pos: TensorPtr;
  mask: TensorPtr;
  rows: TensorPtr;
  outRows?: TensorPtr;
  logits: TensorPtr;
  batch: number;
  steps: number;
  window: number;
  maskF16: boolean;
  checked: boolean;
}

/** Op helpers over one graph context (the context's tensors are created in call order). */
interface GraphOps {
  c: CtxPtr;
  input: (type: number, ne: number[], name: string) => TensorPtr;
  reshape: (t: TensorPtr, ...ne: number[]) => TensorPtr;
  /** RMSNorm times its weight. */
  norm: (x: TensorPtr, weight: TensorPtr) => TensorPtr;
  /** mul_mat with f32 precision. */
  matmul: (a: TensorPtr, b: TensorPtr) => TensorPtr;
  /** A projection of layer `layer`: weight, bias if any, unmerged LoRA if any. */
  proj: (x: TensorPtr, layer: number, p: Projection) => TensorPtr;
}

/** What the steps of one forward graph share: its ops, graph, cache, sizes and inputs. */
interface ForwardScope extends GraphOps {
  graph: GraphPtr;
  cache: GgmlKvCache;
  B: number;
  T: number;
  /** Cache columns attended. */
  W: number;
  /** T * B. */
  N: number;
  pos: TensorPtr;
  rows: TensorPtr;
  mask: TensorPtr;
  useFlash: boolean;
}

export interface GgmlCausalLMOptions {
  lora?: LoraPairs;
  /** Use ggml_flash_attn_ext where the backend supports it (default true except on cpu). */
  flashAttention?: boolean;
}

export class GgmlCausalLM {
  readonly config: ModelConfig;
  private readonly allocator: GraphAllocator;
  private readonly constCtx: GgmlContext;
  private readonly constBuffer?: BackendBuffer;
  private readonly freqFactors?: TensorPtr;
  private readonly graphs = new Map<string, BuiltGraph>();
  /** Whether attention runs as ggml_flash_attn_ext (see GgmlCausalLMOptions.flashAttention). */
  readonly flashAttention: boolean;
  lora?: LoraPairs;

  constructor(
    readonly weights: DecoderWeights,
    readonly backend: ComputeBackend,
    opts: GgmlCausalLMOptions = {},
  ) {
    this.config = weights.config;
    this.lora = opts.lora;
    this.flashAttention = opts.flashAttention ?? backend.name !== 'cpu';
    const { base, backend: api } = backend.lib;
    const cfg = this.config;
    this.constCtx = new GgmlContext(backend.lib, 2);
    if (cfg.rope.type !== 'default') {
      // ggml's theta = pos * base^(-2i/d) / ff[i]: ff = default / scaled inverse frequency.
      const plain = ropeInverseFrequencies({ ...cfg.rope, type: 'default' }, cfg.headDim);
      const scaled = ropeInverseFrequencies(cfg.rope, cfg.headDim);
      const ff = Float32Array.from(plain, (p, i) => p / scaled[i]);
      this.freqFactors = base.ggml_new_tensor(this.constCtx.ptr, GgmlType.F32, 1, i64([ff.length]));
      this.constBuffer = new BackendBuffer(backend.lib, this.constCtx, backend.ptr, 'rope frequency factors');
      api.ggml_backend_tensor_set(this.freqFactors, ff, 0, ff.byteLength);
    }
    this.allocator = new GraphAllocator(backend.lib, backend.bufferType());
  }

  /** A cache for `batch` rows of up to `tokens` tokens each (plus `prefixLength` prefix columns). */
  newCache(batch: number, tokens: number, prefix?: HostPrefix): GgmlKvCache {
    const cache = new GgmlKvCache(this.backend, this.config, batch, roundUp((prefix?.length ?? 0) + tokens, WINDOW));
    if (prefix) cache.setPrefix(prefix);
    cache.onDispose = () => this.dropGraphs(cache.id);
    return cache;
  }

  private dropGraphs(cacheId: number): void {
    for (const [key, g] of this.graphs) {
      if (key.startsWith(`${cacheId}:`)) {
        g.ctx.dispose();
        this.graphs.delete(key);
      }
    }
  }

  /**
   * Feeds `ids` ([B * T], row-major) through the model, appending to `cache`, and returns logits
   * (see GgmlForwardOptions.logits). Positions/mask follow the HF rules of nn/host-mask.ts.
   */
  async forward(cache: GgmlKvCache, ids: ArrayLike<number>, steps: number, opts: GgmlForwardOptions): Promise<Float32Array> {
    const b = cache.batch;
    if (ids.length !== b * steps) throw new Error(`GgmlCausalLM.forward: ${ids.length} ids for a batch of ${b} x ${steps}`);
    const past = cache.pastLength;
    const pre = cache.prefixLength;
    const used = pre + past + steps;
    if (used > cache.capacity) throw new Error(`GgmlCausalLM.forward: the KV cache holds ${cache.capacity} columns, this call needs ${used}`);
    const window = Math.min(cache.capacity, roundUp(used, WINDOW));
    const g = this.graphFor(cache, b, steps, window, opts.logits);
    const { backend: api } = this.backend.lib;
    this.allocator.alloc(g.graph, 'the forward graph');
    if (!g.checked) {
      this.backend.assertSupported(g.graph);
      g.checked = true;
    }
    const keyMask = opts.keyMask ?? new Float32Array(b * (past + steps)).fill(1);
    const { mask, positions } = hostMaskAndPositions(keyMask, b, steps, past, pre, window);
    const set = (t: TensorPtr, data: ArrayBufferView) => api.ggml_backend_tensor_set(t, data, 0, data.byteLength);
    set(g.ids, Int32Array.from(ids));
    set(g.pos, positions);
    if (g.maskF16) {
      const half = new Uint16Array(mask.length);
      this.backend.lib.base.ggml_fp32_to_fp16_row(mask, half, mask.length);
      set(g.mask, half);
    } else set(g.mask, mask);
    const rows = new BigInt64Array(b * steps);
    for (let r = 0; r < b; r++) for (let t = 0; t < steps; t++) rows[r * steps + t] = BigInt(r * cache.capacity + pre + past + t);
    set(g.rows, rows);
    if (g.outRows)
      set(
        g.outRows,
        Int32Array.from({ length: b }, (_, r) => r * steps + steps - 1),
      );
    await this.backend.compute(g.graph);
    cache.pastLength += steps;
    const n = (opts.logits === 'last' ? b : b * steps) * this.config.vocabSize;
    const out = new Float32Array(n);
    api.ggml_backend_tensor_get(g.logits, new Uint8Array(out.buffer), 0, out.byteLength);
    return out;
  }

  private graphFor(cache: GgmlKvCache, batch: number, steps: number, window: number, logits: 'last' | 'all'): BuiltGraph {
    const key = `${cache.id}:${batch}:${steps}:${window}:${logits}`;
    let g = this.graphs.get(key);
    if (!g) {
      g = this.build(cache, batch, steps, window, logits);
      this.graphs.set(key, g);
    }
    return g;
  }

  private build(cache: GgmlKvCache, B: number, T: number, W: number, logitsMode: 'last' | 'all'): BuiltGraph {
    const cfg = this.config;
    const nodes = 64 + cfg.numLayers * 160;
    const gctx = new GgmlContext(this.backend.lib, nodes, nodes);
    const ops = this.graphOps(gctx.ptr);
    const N = T * B;
    const ids = ops.input(GgmlType.I32, [N], 'ids');
    const pos = ops.input(GgmlType.I32, [N], 'pos');
    const rows = ops.input(GgmlType.I64, [N], 'kv_rows');
    const useFlash = this.flashAttention;
    const mask = ops.input(useFlash ? GgmlType.F16 : GgmlType.F32, [W, T, 1, B], 'mask');
    const s: ForwardScope = { ...ops, graph: gctx.newGraph(nodes), cache, B, T, W, N, pos, rows, mask, useFlash };
    let x = this.backend.lib.base.ggml_get_rows(s.c, this.weights.embed.tensor, ids); // [H, N]
    for (let i = 0; i < cfg.numLayers; i++) x = this.decoderLayer(s, x, i);
    const { logits, outRows } = this.head(s, x, logitsMode);
    return { ctx: gctx, graph: s.graph, ids, pos, mask, rows, outRows, logits, batch: B, steps: T, window: W, maskF16: useFlash, checked: false };
  }

  /** The small op helpers every step of a forward graph in context `c` uses. */
  private graphOps(c: CtxPtr): GraphOps {
    const { base } = this.backend.lib;
    const w = this.weights;
    const input = (type: number, ne: number[], name: string) => {
      const t = base.ggml_new_tensor(c, type, ne.length, i64(ne));
      base.ggml_set_name(t, name);
      base.ggml_set_input(t);
      return t;
    };
    const reshape = (t: TensorPtr, ...ne: number[]) => base.ggml_reshape_4d(c, t, ne[0], ne[1] ?? 1, ne[2] ?? 1, ne[3] ?? 1);
    const norm = (x: TensorPtr, weight: TensorPtr) => base.ggml_mul(c, base.ggml_rms_norm(c, x, this.config.rmsNormEps), weight);
    // f32 accumulation everywhere: ggml-vulkan otherwise accumulates in f16 where the device has it.
    const matmul = (a: TensorPtr, b: TensorPtr) => {
      const y = base.ggml_mul_mat(c, a, b);
      base.ggml_mul_mat_set_prec(y, GGML_PREC_F32);
      return y;
    };
    const proj = (x: TensorPtr, layer: number, p: Projection) => {
      const prefix = `model.layers.${layer}.${p}`;
      let y = matmul(w.get(`${prefix}.weight`).tensor, x);
      const bias = w.maybe(`${prefix}.bias`);
      if (bias) y = base.ggml_add(c, y, bias);
      const lora = this.lora?.pair(layer, p);
      if (lora) {
        const up = matmul(lora.b, matmul(lora.a, x));
        y = base.ggml_add(c, y, base.ggml_scale(c, up, lora.scaling));
      }
      return y;
    };
    return { c, input, reshape, norm, matmul, proj };
  }

  /** One decoder layer: x + attention(norm(x)), then + SwiGLU MLP of its norm. x is [H, N]. */
  private decoderLayer(s: ForwardScope, x: TensorPtr, i: number): TensorPtr {
    const { base } = this.backend.lib;
    const { c, norm, proj } = s;
    const w = this.weights;
    const p = `model.layers.${i}`;
    const h = norm(x, w.get(`${p}.input_layernorm.weight`).tensor);
    const attn = this.attention(s, h, i); // [hd*nH, N]
    const x1 = base.ggml_add(c, x, proj(attn, i, 'self_attn.o_proj'));
    const h2 = norm(x1, w.get(`${p}.post_attention_layernorm.weight`).tensor);
    const act = base.ggml_mul(c, base.ggml_silu(c, proj(h2, i, 'mlp.gate_proj')), proj(h2, i, 'mlp.up_proj'));
    return base.ggml_add(c, x1, proj(act, i, 'mlp.down_proj'));
  }

  /** Layer i's attention of normed h [H, N]: q/k/v, RoPE, this call's K/V into the cache, attend over W columns. */
  private attention(s: ForwardScope, h: TensorPtr, i: number): TensorPtr {
    const cfg = this.config;
    const { base } = this.backend.lib;
    const { c, reshape, norm, proj, cache, pos, N, B } = s;
    const w = this.weights;
    const { headDim: hd, numHeads: nH, numKvHeads: nKv } = cfg;
    const p = `model.layers.${i}`;
    let q = reshape(proj(h, i, 'self_attn.q_proj'), hd, nH, N); // [hd, nH, N]
    let k = reshape(proj(h, i, 'self_attn.k_proj'), hd, nKv, N);
    const v = reshape(proj(h, i, 'self_attn.v_proj'), hd, nKv, N);
    if (cfg.qkNorm) {
      q = norm(q, w.get(`${p}.self_attn.q_norm.weight`).tensor);
      k = norm(k, w.get(`${p}.self_attn.k_norm.weight`).tensor);
    }
    const rope = (t: TensorPtr) =>
      base.ggml_rope_ext(c, t, pos, this.freqFactors ?? null, hd, GGML_ROPE_TYPE_NEOX, cfg.maxPositions, cfg.rope.theta, 1, 0, 1, 32, 1);
    q = rope(q);
    k = rope(k);
    // Write this call's keys/values into the cache rows [hd*nKv] at the given column indices.
    const kRows = reshape(cache.k[i], hd * nKv, cache.capacity * B);
    const vRows = reshape(cache.v[i], hd * nKv, cache.capacity * B);
    base.ggml_build_forward_expand(s.graph, base.ggml_set_rows(c, kRows, reshape(k, hd * nKv, N), s.rows));
    base.ggml_build_forward_expand(s.graph, base.ggml_set_rows(c, vRows, reshape(v, hd * nKv, N), s.rows));
    return this.attendWindow(s, q, i);
  }

  /** Attention of the roped queries q [hd, nH, N] over the first W cache columns of layer i: [hd*nH, N]. */
  private attendWindow(s: ForwardScope, q: TensorPtr, i: number): TensorPtr {
    const { base } = this.backend.lib;
    const { c, reshape, matmul, cache, mask, N, B, T, W } = s;
    const { headDim: hd, numHeads: nH, numKvHeads: nKv } = this.config;
    const colBytes = hd * nKv * 4;
    const view = (t: TensorPtr) => base.ggml_view_4d(c, t, hd, nKv, W, B, hd * 4, colBytes, colBytes * cache.capacity, 0); // [hd, nKv, W, B]
    const kw = base.ggml_permute(c, view(cache.k[i]), 0, 2, 1, 3); // [hd, W, nKv, B]
    const qh = base.ggml_permute(c, reshape(q, hd, nH, T, B), 0, 2, 1, 3); // [hd, T, nH, B]
    if (s.useFlash) {
      const vw = base.ggml_permute(c, view(cache.v[i]), 0, 2, 1, 3); // [hd, W, nKv, B]
      const fa = base.ggml_flash_attn_ext(c, qh, kw, vw, mask, 1 / Math.sqrt(hd), 0, 0); // [hd, nH, T, B]
      base.ggml_flash_attn_ext_set_prec(fa, GGML_PREC_F32);
      return reshape(fa, hd * nH, N);
    }
    const kq = matmul(kw, qh); // [W, T, nH, B]
    const probs = base.ggml_soft_max_ext(c, kq, mask, 1 / Math.sqrt(hd), 0);
    const vt = base.ggml_cont(c, base.ggml_permute(c, view(cache.v[i]), 1, 2, 0, 3)); // [W, hd, nKv, B]
    const kqv = matmul(vt, probs); // [hd, T, nH, B]
    return reshape(base.ggml_cont(c, base.ggml_permute(c, kqv, 0, 2, 1, 3)), hd * nH, N); // [hd*nH, N]
  }

  /** The final norm and the head, over every column or (logits 'last') each row's last one. */
  private head(s: ForwardScope, xL: TensorPtr, logitsMode: 'last' | 'all'): { logits: TensorPtr; outRows?: TensorPtr } {
    const { base } = this.backend.lib;
    const { c } = s;
    let x = s.norm(xL, this.weights.get('model.norm.weight').tensor); // [H, N]
    let outRows: TensorPtr | undefined;
    if (logitsMode === 'last') {
      outRows = s.input(GgmlType.I32, [s.B], 'out_rows');
      x = base.ggml_get_rows(c, x, outRows); // [H, B]
    }
    const logits = s.matmul(this.weights.head.tensor, x); // [V, rows]
    base.ggml_set_name(logits, 'logits');
    base.ggml_set_output(logits);
    base.ggml_build_forward_expand(s.graph, logits);
    return { logits, outRows };
  }

  dispose(): void {
    for (const g of this.graphs.values()) g.ctx.dispose();
    this.graphs.clear();
    this.allocator.dispose();
    this.constBuffer?.dispose();
    this.constCtx.dispose();
  }
}
