/**
 * The memory of a ggml training step, before anything is loaded (the wizard plans before a run
 * opens the model). Pure: no ggml, no fs. Three parts, as the engine allocates them:
 *
 * - frozen weights: every tensor FrozenWeights declares (ggml-train/frozen-weights.ts) in its type,
 *   W and its transpose Wᵀ per projection, the embedding and Wᵀ of the head; ggml's per-type row
 *   sizes (ggml_row_size: q8_0 34 bytes per 32 values, q4_0 18), each tensor padded to the buffer's
 *   alignment as ggml_backend_alloc_ctx_tensors pads it. Exact (tested against the loaded buffer).
 * - adapter: LoRA A/B or the prefix parameters, their gradient accumulators and both AdamW moments,
 *   F32, as GgmlLoraTrainer allocates them. Exact.
 * - compute: the buffer ggml_gallocr reserves for the worst micro-batch's graph. This is a model of
 *   what that graph keeps alive at its peak, which is the start of the backward pass:
 *     the graph's inputs (allocated first, live until their last use: mask, one-hot label rows,
 *       dropout masks);
 *     the head: every chunk's [V, rows] logits stay until the loss nodes at the end of the graph,
 *       plus one chunk's cross-entropy gradient in flight;
 *     the forward activations the hand-written backward reads (decoder-backward.ts LayerRecord), for
 *       every layer, or with checkpointing each layer's input;
 *     a layer's backward in flight (with checkpointing, the recomputed layer's record), where it
 *       is larger than the head's transients (they are gone by then).
 *   Checked against gallocr on the real graph (ggml-train/measure-memory.ts) in ggml-memory.test.ts
 *   and against measured peaks in docs/BENCHMARKS.md "Memory planner".
 */
import type { ModelConfig } from '../config/model-config';

export type FrozenType = 'f32' | 'bf16' | 'f16' | 'q8_0' | 'q4_0';
/** Most precise first (the default picks the first that fits); bf16 is exact for bf16 checkpoints. */
export const FROZEN_TYPES: readonly FrozenType[] = ['f32', 'bf16', 'f16', 'q8_0', 'q4_0'];

/** [values per block, bytes per block] of each ggml type (ggml.c type_traits). */
const BLOCK: Record<FrozenType, [number, number]> = { f32: [1, 4], bf16: [1, 2], f16: [1, 2], q8_0: [32, 34], q4_0: [32, 18] };
/** The CPU buffer type's alignment (ggml TENSOR_ALIGNMENT); GPU buffers differ by a few hundred bytes a tensor. */
export const CPU_ALIGNMENT = 32;
const F32 = 4;

export type ProjName = 'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down';
export const PROJ_NAMES: readonly ProjName[] = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];

export type GgmlAdapter =
  { method: 'lora'; r: number; targets: readonly ProjName[] } | { method: 'ptuning'; prefixLen: number; projection: boolean; encoderHidden?: number };

export interface GgmlStepShape {
  batch: number;
  seqLen: number;
  /** Rows with a loss target in the micro-batch (the worst case is batch * seqLen). */
  targetRows: number;
}

export interface GgmlMemoryInput {
  config: ModelConfig;
  frozenType: FrozenType;
  adapter: GgmlAdapter;
  shape: GgmlStepShape;
  checkpointing: boolean;
  /** LoRA dropout > 0 uploads a mask per targeted module and layer. */
  loraDropout?: number;
  alignment?: number;
}

export interface GgmlMemory {
  weights: number;
  /** Parameters + gradient accumulators. */
  adapter: number;
  /** AdamW m and v. */
  optimizer: number;
  /** The compute buffer, by what holds it (`backward`: a layer's backward beyond the head's transients). */
  compute: { inputs: number; head: number; activations: number; backward: number; total: number };
  total: number;
}

const pad = (bytes: number, align: number): number => Math.ceil(bytes / align) * align;

/** Bytes of one [ne0, rows] tensor in `type`; a quantised type whose rows do not split into blocks is stored f16, as FrozenWeights does. */
function tensorBytes(ne0: number, rows: number, type: FrozenType, align: number): number {
  const t = BLOCK[type][0] > 1 && ne0 % BLOCK[type][0] !== 0 ? 'f16' : type;
  const [block, size] = BLOCK[t];
  return pad((ne0 / block) * size * rows, align);
}

/** [out, in] of each projection (HF layout). */
export function projShape(cfg: ModelConfig, p: ProjName): [out: number, inp: number] {
  const { hiddenSize: h, numHeads, numKvHeads, headDim: hd, intermediateSize: ff } = cfg;
  const s: Record<ProjName, [number, number]> = {
    q: [numHeads * hd, h],
    k: [numKvHeads * hd, h],
    v: [numKvHeads * hd, h],
    o: [h, numHeads * hd],
    gate: [ff, h],
    up: [ff, h],
    down: [h, ff],
  };
  return s[p];
}

function hasBias(cfg: ModelConfig, p: ProjName): boolean {
  if (p === 'q' || p === 'k' || p === 'v') return cfg.qkvBias;
  if (p === 'o') return cfg.oBias;
  return cfg.mlpBias;
}

/** The frozen weights' buffer in `type`, with the transposed copies the backward reads. */
/**
 * `repackedHead`: q4_0 on the CPU keeps a tied head apart from the embedding (the head goes to the
 * CPU_REPACK buffer, the embedding stays for GET_ROWS: FrozenWeights); on other backends it is one
 * V x H matrix too many, a small overestimate.
 */
export function frozenWeightsBytes(cfg: ModelConfig, type: FrozenType, align = CPU_ALIGNMENT, repackedHead = type === 'q4_0'): number {
  const { hiddenSize: H, vocabSize: V } = cfg;
  const vec = (n: number) => tensorBytes(n, 1, 'f32', align);
  let bytes = tensorBytes(H, V, type, align) * (cfg.tieWordEmbeddings && !repackedHead ? 1 : 2) + tensorBytes(V, H, type, align) + vec(H);
  for (let i = 0; i < cfg.numLayers; i++) {
    bytes += 2 * vec(H) + (cfg.qkNorm ? 2 * vec(cfg.headDim) : 0);
    for (const p of PROJ_NAMES) {
      const [out, inp] = projShape(cfg, p);
      bytes += tensorBytes(inp, out, type, align) + tensorBytes(out, inp, type, align) + (hasBias(cfg, p) ? vec(out) : 0);
    }
  }
  return bytes;
}

/** Shapes [ne0, ne1] of the trainable tensors (LoRA A [in, r] and B [r, out]; peft's prefix tensors). */
export function trainableTensors(cfg: ModelConfig, adapter: GgmlAdapter): [number, number][] {
  if (adapter.method === 'lora') {
    const out: [number, number][] = [];
    for (let i = 0; i < cfg.numLayers; i++) {
      for (const p of PROJ_NAMES.filter((t) => adapter.targets.includes(t))) {
        const [o, inp] = projShape(cfg, p);
        out.push([inp, adapter.r], [adapter.r, o]);
      }
    }
    return out;
  }
  const flat = cfg.numLayers * 2 * cfg.numKvHeads * cfg.headDim;
  const P = adapter.prefixLen;
  if (!adapter.projection) return [[flat, P]];
  const E = adapter.encoderHidden ?? cfg.hiddenSize;
  return [
    [cfg.hiddenSize, P],
    [cfg.hiddenSize, E],
    [E, 1],
    [E, flat],
    [flat, 1],
  ];
}

/** Parameters + gradients, and the two moments, as GgmlLoraTrainer allocates them (plus its 8 hyper-parameter floats). */
export function adapterBytes(cfg: ModelConfig, adapter: GgmlAdapter, align = CPU_ALIGNMENT): { params: number; moments: number } {
  const one = trainableTensors(cfg, adapter).reduce((n, [a, b]) => n + pad(a * b * F32, align), 0);
  return { params: 2 * one + pad(7 * F32, align) + pad(F32, align), moments: 2 * one };
}

/** Rows of the head computed at once (lora-trainer.ts headChunkRows). */
export function headChunkRows(vocab: number): number {
  return Math.max(1, Math.min(512, Math.floor(2 ** 26 / (4 * vocab))));
}

/** The compute buffer (bytes) of one micro-batch's forward + backward graph. */
export function computeBytes(input: GgmlMemoryInput): GgmlMemory['compute'] {
  const cfg = input.config;
  const { batch: B, seqLen: T } = input.shape;
  const { hiddenSize: H, intermediateSize: F, vocabSize: V, numLayers: L, numHeads: nH, numKvHeads: nKv, headDim: hd } = cfg;
  const N = B * T;
  const M = Math.max(1, Math.min(input.shape.targetRows, N));
  const lora = input.adapter.method === 'lora' ? input.adapter : undefined;
  const P = input.adapter.method === 'ptuning' ? input.adapter.prefixLen : 0;
  const Tk = T + P;
  const Q = nH * hd;
  const K = nKv * hd;
  const targets = lora ? PROJ_NAMES.filter((p) => lora.targets.includes(p)) : [];
  const dropout = lora !== undefined && (input.loraDropout ?? 0) > 0;
  const inSum = targets.reduce((n, p) => n + projShape(cfg, p)[1], 0);
  const scores = nH * Tk * T * B; // one layer's [Tk, T, nH, B]

  // Elements, F32 unless noted; the i32 inputs are 4 bytes too.
  const inputs = 2 * N + Tk * T * B + M + M * V + (dropout ? L * inSum * N : 0);
  // What one layer's backward reads (LayerRecord): always the layer's input and x2 (the norms'
  // backward), gate, up and silu(gate), q, the expanded keys/values and the softmax (Qwen3: the
  // pre-norm q/k); a LoRA target's input (h1 for q/k/v, the attention output for o, h2 for gate/up,
  // silu(gate)·up for down) and its [r, N] product. Dropout masks are counted with the inputs: the
  // masked copies measured no extra beyond them.
  const has = (...ps: ProjName[]) => ps.some((p) => targets.includes(p));
  const loraInputs = (has('q', 'k', 'v') ? H : 0) + (has('o') ? Q : 0) + (has('gate', 'up') ? H : 0) + (has('down') ? F : 0);
  const saved = N * (2 * H + Q + 3 * F + loraInputs + targets.length * (lora?.r ?? 0) + (cfg.qkNorm ? Q + K : 0)) + 2 * nH * hd * Tk * B + scores;
  // Kept from the forward until the backward reads them: every layer's record, or with
  // checkpointing only each layer's input.
  const activations = input.checkpointing ? L * H * N : L * saved;
  // The peak is where the larger of two transients sits on top of the rest: the head's (one chunk's
  // cross-entropy gradient, the final hidden states and their target rows), or a layer's backward
  // (the head's are freed by then): one score-sized gradient in flight, plus with checkpointing the
  // recomputed layer's record. Fitted to gallocr on the real graph (ggml-memory.test.ts).
  const headTransient = Math.min(headChunkRows(V), M) * V + H * N + H * M;
  const backward = Math.max(0, (input.checkpointing ? saved : 0) + scores - headTransient);
  const head = M * V + headTransient;
  const e = { inputs: inputs * F32, head: head * F32, activations: activations * F32, backward: backward * F32 };
  return { ...e, total: e.inputs + e.head + e.activations + e.backward };
}

export function ggmlTrainingMemory(input: GgmlMemoryInput): GgmlMemory {
  const align = input.alignment ?? CPU_ALIGNMENT;
  const weights = frozenWeightsBytes(input.config, input.frozenType, align);
  const a = adapterBytes(input.config, input.adapter, align);
  const compute = computeBytes(input);
  return { weights, adapter: a.params, optimizer: a.moments, compute, total: weights + a.params + a.moments + compute.total };
}

/**
 * Share of the device's free memory the frozen weights may take; the rest holds the adapter, its
 * optimiser state and the compute buffers (the 7B shape in q4_0 measured 7.7 GiB of weights in a
 * 9.3 GiB peak at seq 512 with checkpointing, docs/BENCHMARKS.md).
 */
export const WEIGHT_SHARE = 0.8;

/** The most precise type whose frozen weights fit the device's free memory with room to train. */
export function defaultFrozenType(cfg: ModelConfig, freeBytes: number): FrozenType {
  return FROZEN_TYPES.find((t) => frozenWeightsBytes(cfg, t) <= WEIGHT_SHARE * freeBytes) ?? 'q4_0';
}
