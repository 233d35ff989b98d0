/**
 * The frozen base weights a training step reads, in one backend buffer. Each projection is held
 * twice: W [in, out] for the forward (y = mul_mat(W, x)) and its transpose Wᵀ [out, in] for the
 * backward (dx = mul_mat(Wᵀ, dy)). ggml's own autodiff would use OUT_PROD(W, dyᵀ) there, which is
 * 4–30x slower on the CPU, has no BF16 or quantised path, and takes only contiguous F32 inputs on
 * Vulkan; a stored transpose makes the backward a plain MUL_MAT on every backend, in any type.
 *
 * Types (`FrozenType`): projections, the embedding and the head in f32, f16, q8_0 or q4_0 (QLoRA-style
 * low-bit frozen weights: ggml's quantised MUL_MAT kernels do the forward and the backward); norms and
 * biases stay f32. A tensor whose rows do not split into 32-value blocks falls back to f16.
 *
 * Loaded tensor by tensor from a WeightStore (the same reader and shape checks as every other load),
 * so the host never holds more than one f32 tensor and its transpose at a time.
 */
import type { ModelConfig } from '../config/model-config';
import type { ComputeBackend } from '../ggml/backend';
import type { DecoderWeights } from '../ggml/causal-lm';
import { GgmlType, type BufferTypePtr } from '../ggml/ffi';
import { BackendBuffer, GgmlContext, PlaceholderBuffer } from '../ggml/owners';
import type { WeightStore } from '../io/weight-store';
import { checkWeights } from '../models/weight-shapes';
import type { Ne, T } from './graph';

import { FROZEN_TYPES, PROJ_NAMES, type FrozenType, type ProjName } from '../planner/ggml-memory';

export { FROZEN_TYPES, PROJ_NAMES, type FrozenType, type ProjName };
const HF_PROJ: Record<ProjName, string> = {
  q: 'self_attn.q_proj',
  k: 'self_attn.k_proj',
  v: 'self_attn.v_proj',
  o: 'self_attn.o_proj',
  gate: 'mlp.gate_proj',
  up: 'mlp.up_proj',
  down: 'mlp.down_proj',
};

const GGML_OF: Record<FrozenType, number> = { f32: GgmlType.F32, bf16: GgmlType.BF16, f16: GgmlType.F16, q8_0: GgmlType.Q8_0, q4_0: GgmlType.Q4_0 };

export interface FrozenLinear {
  w: T; // [in, out]
  wt: T; // [out, in]
  bias?: T; // [out]
}

export interface FrozenLayer {
  inputNorm: T;
  postNorm: T;
  proj: Record<ProjName, FrozenLinear>;
  qNorm?: T;
  kNorm?: T;
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  const tile = 64;
  for (let r0 = 0; r0 < rows; r0 += tile) {
    for (let c0 = 0; c0 < cols; c0 += tile) {
      const r1 = Math.min(rows, r0 + tile);
      const c1 = Math.min(cols, c0 + tile);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * rows + r] = data[r * cols + c];
    }
  }
  return out;
}

/** Where each device tensor's data comes from: a store tensor, transposed or not. */
interface Pending {
  t: T;
  type: number;
  name: string;
  transposed: boolean;
}

export class FrozenWeights {
  readonly head!: T; // [H, V]
  readonly headT!: T; // [V, H]
  readonly embed!: T; // [H, V]
  readonly finalNorm!: T;
  readonly layers: FrozenLayer[] = [];
  private readonly ctx: GgmlContext;
  private buffer?: BackendBuffer | PlaceholderBuffer;
  /** Q4_0 matrices on the CPU live in the CPU_REPACK buffer type (int8 GEMM kernels): MUL_MAT only. */
  private readonly repackBuft?: BufferTypePtr;
  private readonly repackCtx?: GgmlContext;
  private repackBuffer?: BackendBuffer | PlaceholderBuffer;
  private repackCount = 0;
  private readonly pending: Pending[] = [];
  /** The forward copies (not the transposes) by Hugging Face name, for asDecoderWeights(). */
  private readonly plain = new Map<string, T>();

  private constructor(
    readonly config: ModelConfig,
    private readonly backend: ComputeBackend,
    readonly type: FrozenType,
  ) {
    const count = 5 + config.numLayers * (4 + 3 * PROJ_NAMES.length);
    this.ctx = new GgmlContext(backend.lib, count);
    this.repackBuft = type === 'q4_0' ? backend.repackBufferType() : undefined;
    if (this.repackBuft) this.repackCtx = new GgmlContext(backend.lib, count);
  }

  /** Loads every frozen tensor of `cfg` from the store into the backend, in `type`. */
  static async load(store: WeightStore, cfg: ModelConfig, backend: ComputeBackend, type: FrozenType, configWhere = 'config.json'): Promise<FrozenWeights> {
    checkWeights(store, cfg, configWhere);
    const w = new FrozenWeights(cfg, backend, type);
    try {
      w.declare();
      w.buffer = new BackendBuffer(backend.lib, w.ctx, backend.ptr, `the frozen weights (${cfg.numLayers} layers in ${type}, with transposed copies)`);
      if (w.repackCtx && w.repackBuft && w.repackCount > 0)
        w.repackBuffer = new BackendBuffer(
          backend.lib,
          w.repackCtx,
          { buft: w.repackBuft },
          `the frozen weights (${cfg.numLayers} layers in ${type}, repacked for the CPU)`,
        );
      await w.upload(store);
      return w;
    } catch (e) {
      w.dispose();
      throw e;
    }
  }

  /**
   * The same tensors with no data (owners.ts PlaceholderBuffer): for measuring the compute buffer a
   * training step over this model needs before any weight is read (the memory planner's figure).
   */
  static placeholder(cfg: ModelConfig, backend: ComputeBackend, type: FrozenType): FrozenWeights {
    const w = new FrozenWeights(cfg, backend, type);
    try {
      w.declare();
      w.pending.length = 0;
      w.buffer = new PlaceholderBuffer(backend.lib, w.ctx, backend.bufferType());
      // Repacked tensors are the same size; a plain placeholder stands in for the CPU_REPACK buffer.
      if (w.repackCtx && w.repackCount > 0) w.repackBuffer = new PlaceholderBuffer(backend.lib, w.repackCtx, backend.bufferType());
      return w;
    } catch (e) {
      w.dispose();
      throw e;
    }
  }

  /** `matmulOnly`: the tensor only ever feeds MUL_MAT as its first operand (may be repacked). */
  private tensor(ne: Ne, type: number, source: string, transposed = false, matmulOnly = false): T {
    const lib = this.backend.lib;
    const usable = type === GgmlType.F32 || type === GgmlType.F16 || type === GgmlType.BF16 || ne[0] % 32 === 0 ? type : GgmlType.F16;
    // ggml repacks Q4_0 in blocks of 8 rows (q4_0_8x8); other shapes stay in the plain buffer.
    const repack = matmulOnly && this.repackCtx && usable === GgmlType.Q4_0 && ne[1] % 8 === 0;
    const p = lib.base.ggml_new_tensor((repack ? this.repackCtx! : this.ctx).ptr, usable, 4, BigInt64Array.from(ne.map(BigInt)));
    lib.base.ggml_set_name(p, (transposed ? `${source}.T` : source).slice(-63));
    if (repack) this.repackCount++;
    const t = { p, ne };
    this.pending.push({ t, type: usable, name: source, transposed });
    if (!transposed && !this.plain.has(source)) this.plain.set(source, t);
    return t;
  }

  /** Whether the Q4_0 matrices run on the CPU's repacked int8 kernels (for the run's label). */
  get repacked(): boolean {
    return this.repackBuffer !== undefined;
  }

  private declare(): void {
    const cfg = this.config;
    const { hiddenSize: H, vocabSize: V } = cfg;
    const big = GGML_OF[this.type];
    const F32 = GgmlType.F32;
    const self = this as { -readonly [K in keyof FrozenWeights]: FrozenWeights[K] };
    self.embed = this.tensor([H, V, 1, 1], big, 'model.embed_tokens.weight');
    const headName = cfg.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
    // A tied head shares the embedding, unless the head is repacked (the embedding needs GET_ROWS).
    self.head = cfg.tieWordEmbeddings && !this.repackCtx ? this.embed : this.tensor([H, V, 1, 1], big, headName, false, true);
    self.headT = this.tensor([V, H, 1, 1], big, headName, true, true);
    self.finalNorm = this.tensor([H, 1, 1, 1], F32, 'model.norm.weight');
    for (let i = 0; i < cfg.numLayers; i++) {
      const p = `model.layers.${i}`;
      const proj = {} as Record<ProjName, FrozenLinear>;
      for (const name of PROJ_NAMES) {
        const base = `${p}.${HF_PROJ[name]}`;
        const [out, inp] = this.shapeOf(name);
        proj[name] = {
          w: this.tensor([inp, out, 1, 1], big, `${base}.weight`, false, true),
          wt: this.tensor([out, inp, 1, 1], big, `${base}.weight`, true, true),
          bias: this.hasBias(name) ? this.tensor([out, 1, 1, 1], F32, `${base}.bias`) : undefined,
        };
      }
      this.layers.push({
        inputNorm: this.tensor([H, 1, 1, 1], F32, `${p}.input_layernorm.weight`),
        postNorm: this.tensor([H, 1, 1, 1], F32, `${p}.post_attention_layernorm.weight`),
        proj,
        qNorm: cfg.qkNorm ? this.tensor([cfg.headDim, 1, 1, 1], F32, `${p}.self_attn.q_norm.weight`) : undefined,
        kNorm: cfg.qkNorm ? this.tensor([cfg.headDim, 1, 1, 1], F32, `${p}.self_attn.k_norm.weight`) : undefined,
      });
    }
  }

  private shapeOf(name: ProjName): [number, number] {
    const { hiddenSize: h, numHeads, numKvHeads, headDim: hd, intermediateSize: ff } = this.config;
    const s: Record<ProjName, [number, number]> = {
      q: [numHeads * hd, h],
      k: [numKvHeads * hd, h],
      v: [numKvHeads * hd, h],
      o: [h, numHeads * hd],
      gate: [ff, h],
      up: [ff, h],
      down: [h, ff],
    };
    return s[name];
  }

  private hasBias(name: ProjName): boolean {
    const c = this.config;
    if (name === 'q' || name === 'k' || name === 'v') return c.qkvBias;
    if (name === 'o') return c.oBias;
    return c.mlpBias;
  }

  private async upload(store: WeightStore): Promise<void> {
    const lib = this.backend.lib;
    // A store tensor feeds its plain and its transposed copy: read it once for both.
    const bySource = new Map<string, Pending[]>();
    for (const p of this.pending) bySource.set(p.name, [...(bySource.get(p.name) ?? []), p]);
    for (const [name, targets] of bySource) {
      const data = await store.read(name);
      for (const { t, type, transposed } of targets) {
        // ggml ne [ne0, ne1] is row-major [ne1, ne0]; a transposed copy's source is row-major [ne0, ne1].
        const src = transposed ? transpose(data, t.ne[0], t.ne[1]) : data;
        const rowBytes = Number(lib.base.ggml_row_size(type, t.ne[0]));
        const bytes = new Uint8Array(rowBytes * (src.length / t.ne[0]));
        lib.base.ggml_quantize_chunk(type, src, bytes, 0, src.length / t.ne[0], t.ne[0], null);
        lib.backend.ggml_backend_tensor_set(t.p, bytes, 0, bytes.byteLength);
      }
    }
    this.pending.length = 0;
  }

  get bytes(): number {
    return (this.buffer?.bytes ?? 0) + (this.repackBuffer?.bytes ?? 0);
  }

  /** The same device tensors as the inference decoder reads them (GgmlCausalLM): no copies. */
  asDecoderWeights(): DecoderWeights {
    const tensorOf = (name: string) => {
      const t = this.plain.get(name);
      if (!t) throw new Error(`FrozenWeights: no tensor ${name}`);
      return { tensor: t.p };
    };
    return {
      config: this.config,
      get: tensorOf,
      maybe: (name) => this.plain.get(name)?.p,
      embed: { tensor: this.embed.p },
      head: { tensor: this.head.p },
    };
  }

  dispose(): void {
    this.buffer?.dispose();
    this.repackBuffer?.dispose();
    this.ctx.dispose();
    this.repackCtx?.dispose();
  }
}
