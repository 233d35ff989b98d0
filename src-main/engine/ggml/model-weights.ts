/**
 * A decoder's frozen weights in ggml backend buffers: one ggml tensor per Hugging Face weight name,
 * independent of what runs on them (inference here; training reuses it as the frozen base).
 *
 * ```ts
 * const w = await loadGgmlWeights(store, cfg, backend, { weights: 'q8_0', configWhere });
 * w.get('model.layers.0.self_attn.q_proj.weight')  // { tensor, type, ne: [in, out], shape: [out, in] }
 * w.head                                           // lm_head.weight, or the embedding when tied
 * w.dispose();                                     // frees the context and the backend buffer(s)
 * ```
 *
 * Layout: ggml's ne is the reverse of the checkpoint's shape, so a row-major HF `[out, in]` matrix
 * is ggml `[in, out]` as is (no transpose) and `ggml_mul_mat(W, x[in, N])` gives `[out, N]`; the
 * embedding `[V, H]` is `[H, V]`, read with `ggml_get_rows`. Only 2-D matrices take the chosen type
 * (`f32 | f16 | q8_0 | q4` = F32, F16, Q8_0, Q4_0, quantised on the host with ggml_quantize_chunk);
 * norms and biases stay F32. A matrix whose rows do not split into the type's blocks stays F16.
 * Sources may be F32/F16/BF16/F64, sharded (the WeightStore hides shards); each tensor is converted
 * a slice of rows at a time, so host memory stays near one slice, not one f32 copy of the model.
 *
 * Before anything is allocated the sizes are checked against the device (total memory, and the
 * largest single buffer: lavapipe binds 128 MiB) and a model that does not fit is one line saying
 * how much it needs and which --weights type would fit. Nothing is left allocated on any error.
 */
import { UserError } from '../errors';
import type { ModelConfig } from '../config/model-config';
import type { WeightStore } from '../io/weight-store';
import { checkWeights, type LoadProgress } from '../models/weight-shapes';
import { formatBytes, type ComputeBackend } from './backend';
import { GgmlType, type GgmlTypeId, type TensorPtr } from './ffi';
import type { GgmlLibrary } from './library';
import { BackendAllocationError, BackendBuffer, GgmlContext } from './owners';

export type GgmlWeightsType = 'f32' | 'f16' | 'q8_0' | 'q4';
export const GGML_WEIGHTS_TYPES: readonly GgmlWeightsType[] = ['f32', 'f16', 'q8_0', 'q4'];

const MATRIX_TYPE: Record<GgmlWeightsType, GgmlTypeId> = { f32: GgmlType.F32, f16: GgmlType.F16, q8_0: GgmlType.Q8_0, q4: GgmlType.Q4_0 };

export interface GgmlWeight {
  /** The Hugging Face name (`model.layers.0.mlp.up_proj.weight`). */
  name: string;
  tensor: TensorPtr;
  type: GgmlTypeId;
  /** ggml dims, innermost first: the reverse of `shape`. */
  ne: number[];
  /** The checkpoint's shape (`[out, in]` for a projection). */
  shape: number[];
  bytes: number;
}

export interface GgmlWeightsOptions {
  /** Matrix storage; default: the most precise type that fits the device (`defaultWeightsType`). */
  weights?: GgmlWeightsType;
  /** config.json's path, for error messages. */
  configWhere: string;
  onProgress?: (p: LoadProgress) => void;
}

/** Bytes each weights type needs for a config (what the fit check and the planner compare). */
export function weightsBytes(
  lib: GgmlLibrary,
  cfg: ModelConfig,
  weights: GgmlWeightsType,
  shapes: Map<string, number[]>,
): { total: number; largest: number; largestName: string } {
  let total = 0;
  let largest = 0;
  let largestName = '';
  for (const [name, shape] of shapes) {
    const type = storageType(lib, shape, weights);
    const rows = shape.length === 2 ? shape[0] : 1;
    const bytes = Number(lib.base.ggml_row_size(type, shape[shape.length - 1])) * rows;
    total += bytes;
    if (bytes > largest) {
      largest = bytes;
      largestName = name;
    }
  }
  void cfg;
  return { total, largest, largestName };
}

function storageType(lib: GgmlLibrary, shape: number[], weights: GgmlWeightsType): GgmlTypeId {
  if (shape.length !== 2) return GgmlType.F32;
  const t = MATRIX_TYPE[weights];
  return shape[1] % Number(lib.base.ggml_blck_size(t)) === 0 ? t : GgmlType.F16;
}

/** Headroom left on the device for activations, the KV cache and the compute buffer. */
const FIT_FRACTION = 0.8;

function fits(backend: ComputeBackend, need: { total: number; largest: number }): boolean {
  const mem = backend.device.memoryFree;
  const max = backend.maxBufferBytes;
  return (mem <= 0 || need.total <= mem * FIT_FRACTION) && (max <= 0 || need.largest <= max);
}

/** The most precise weights type that fits the device, or undefined when none does. */
export function defaultWeightsType(backend: ComputeBackend, cfg: ModelConfig, shapes: Map<string, number[]>): GgmlWeightsType | undefined {
  return GGML_WEIGHTS_TYPES.find((w) => fits(backend, weightsBytes(backend.lib, cfg, w, shapes)));
}

/** One line: what does not fit where, and which --weights would. */
function doesNotFit(backend: ComputeBackend, cfg: ModelConfig, shapes: Map<string, number[]>, weights: GgmlWeightsType, configWhere: string): UserError {
  const need = weightsBytes(backend.lib, cfg, weights, shapes);
  const alt = GGML_WEIGHTS_TYPES.find((w) => fits(backend, weightsBytes(backend.lib, cfg, w, shapes)));
  const hint = alt
    ? `use --weights ${alt} (${formatBytes(weightsBytes(backend.lib, cfg, alt, shapes).total)})`
    : 'no --weights type fits this device: use a smaller model or another --backend';
  const max = backend.maxBufferBytes;
  if (max > 0 && need.largest > max) {
    return new UserError(
      `${need.largestName} takes ${formatBytes(need.largest)} as ${weights}, more than the ${formatBytes(max)} one buffer can hold on ${backend.device.name} (${backend.device.description})`,
      { where: configWhere, hint },
    );
  }
  return new UserError(
    `the model needs ${formatBytes(need.total)} of weights as ${weights}, but ${backend.device.name} (${backend.device.description}) has ${formatBytes(backend.device.memoryFree)} free, ${Math.round(FIT_FRACTION * 100)}% of it usable`,
    { where: configWhere, hint, kind: 'oom' },
  );
}

/** Rows converted per slice: ~16 MiB of f32 at a time. */
const SLICE_VALUES = 4 * 2 ** 20;

export class GgmlModelWeights {
  private constructor(
    readonly config: ModelConfig,
    readonly weights: GgmlWeightsType,
    private readonly byName: Map<string, GgmlWeight>,
    private readonly ctx: GgmlContext,
    private readonly buffer: BackendBuffer,
  ) {}

  /** Bytes of the backend buffer(s) holding the weights. */
  get bytes(): number {
    return this.buffer.bytes;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): GgmlWeight {
    const w = this.byName.get(name);
    if (!w) throw new Error(`GgmlModelWeights: no tensor ${name}`);
    return w;
  }

  /** A tensor if the checkpoint has it (biases, q/k norms). */
  maybe(name: string): TensorPtr | undefined {
    return this.byName.get(name)?.tensor;
  }

  get embed(): GgmlWeight {
    return this.get('model.embed_tokens.weight');
  }

  /** `lm_head.weight`, or the embedding when the head is tied. */
  get head(): GgmlWeight {
    return this.config.tieWordEmbeddings ? this.embed : this.get('lm_head.weight');
  }

  get isDisposed(): boolean {
    return this.buffer.isDisposed;
  }

  dispose(): void {
    this.buffer.dispose();
    this.ctx.dispose();
  }

  /** Internal: see loadGgmlWeights. */
  static async load(store: WeightStore, cfg: ModelConfig, backend: ComputeBackend, opts: GgmlWeightsOptions): Promise<GgmlModelWeights> {
    const lib = backend.lib;
    const { base, backend: api } = lib;
    const shapes = checkWeights(store, cfg, opts.configWhere);
    const weights = opts.weights ?? defaultWeightsType(backend, cfg, shapes);
    if (!weights) throw doesNotFit(backend, cfg, shapes, 'q4', opts.configWhere);
    if (!fits(backend, weightsBytes(lib, cfg, weights, shapes))) throw doesNotFit(backend, cfg, shapes, weights, opts.configWhere);

    const ctx = new GgmlContext(lib, shapes.size + 1);
    let buffer: BackendBuffer | undefined;
    try {
      const byName = new Map<string, GgmlWeight>();
      for (const [name, shape] of shapes) {
        const type = storageType(lib, shape, weights);
        const ne = [...shape].reverse();
        const tensor = base.ggml_new_tensor(ctx.ptr, type, ne.length, BigInt64Array.from(ne.map(BigInt)));
        base.ggml_set_name(tensor, name.length < 64 ? name : name.slice(-63));
        byName.set(name, { name, tensor, type, ne, shape, bytes: Number(base.ggml_nbytes(tensor)) });
      }
      try {
        buffer = new BackendBuffer(lib, ctx, backend.ptr, `the weights (${weights})`);
      } catch (e) {
        if (e instanceof BackendAllocationError) throw doesNotFit(backend, cfg, shapes, weights, opts.configWhere);
        throw e;
      }
      let loaded = 0;
      for (const w of byName.values()) {
        await uploadTensor(lib, store, w);
        opts.onProgress?.({ loaded: ++loaded, total: byName.size, name: w.name });
      }
      void api;
      return new GgmlModelWeights(cfg, weights, byName, ctx, buffer);
    } catch (e) {
      buffer?.dispose();
      ctx.dispose();
      throw e;
    }
  }
}

/** Reads, converts and uploads one tensor a slice of rows at a time. */
async function uploadTensor(lib: GgmlLibrary, store: WeightStore, w: GgmlWeight): Promise<void> {
  const { base, backend: api } = lib;
  const rowLen = w.ne[0];
  const rows = w.shape.length === 2 ? w.shape[0] : 1;
  const rowBytes = Number(base.ggml_row_size(w.type, rowLen));
  const perSlice = Math.max(1, Math.floor(SLICE_VALUES / rowLen));
  for (let r0 = 0; r0 < rows; r0 += perSlice) {
    const n = Math.min(perSlice, rows - r0);
    const values = await store.readRange(w.name, r0 * rowLen, n * rowLen);
    let bytes: Uint8Array;
    if (w.type === GgmlType.F32) bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    else if (w.type === GgmlType.F16) {
      const half = new Uint16Array(values.length);
      base.ggml_fp32_to_fp16_row(values, half, values.length);
      bytes = new Uint8Array(half.buffer, half.byteOffset, half.byteLength);
    } else {
      bytes = new Uint8Array(n * rowBytes);
      const written = Number(base.ggml_quantize_chunk(w.type, values, bytes, 0, n, rowLen, null));
      if (written !== bytes.byteLength) throw new Error(`ggml_quantize_chunk wrote ${written} bytes for ${w.name}, expected ${bytes.byteLength}`);
    }
    api.ggml_backend_tensor_set(w.tensor, bytes, r0 * rowBytes, bytes.byteLength);
  }
}

/**
 * Loads every weight `cfg` implies from `store` into `backend` as `opts.weights` (default: the most
 * precise type that fits). The caller owns the result: call dispose().
 */
export function loadGgmlWeights(store: WeightStore, cfg: ModelConfig, backend: ComputeBackend, opts: GgmlWeightsOptions): Promise<GgmlModelWeights> {
  return GgmlModelWeights.load(store, cfg, backend, opts);
}

export function parseWeightsType(value: string, where = '--weights'): GgmlWeightsType {
  if ((GGML_WEIGHTS_TYPES as readonly string[]).includes(value)) return value as GgmlWeightsType;
  throw new UserError(`unknown weights type "${value}"`, { where, hint: `choose one of ${GGML_WEIGHTS_TYPES.join(', ')}` });
}
