/**
 * The frozen base weights a training step reads, in one backend buffer, F32. Each projection is held
 * twice: W [in, out] for the forward (y = mul_mat(W, x)) and its transpose Wᵀ [out, in] for the
 * backward (dx = mul_mat(Wᵀ, dy)). ggml's own autodiff would use OUT_PROD(W, dyᵀ) there, which is
 * 4–30x slower on the CPU and takes only contiguous F32 inputs on Vulkan; a stored transpose makes
 * the backward a plain MUL_MAT on every backend, at the price of a second copy of the weights.
 *
 * Built from host arrays (`HostWeights`), so it does not care which reader produced them.
 */
import type { ModelConfig } from '../config/model-config';
import type { ComputeBackend } from '../ggml/backend';
import { GgmlType, type TensorPtr } from '../ggml/ffi';
import { BackendBuffer, GgmlContext } from '../ggml/owners';
import type { Ne, T } from './graph';

export const PROJ_NAMES = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
export type ProjName = (typeof PROJ_NAMES)[number];

/** Host copies in Hugging Face layout: projections [out, in] row-major, embeddings [V, H]. */
export interface HostLinear {
  weight: Float32Array; // [out, in]
  bias?: Float32Array; // [out]
  out: number;
  in: number;
}

export interface HostLayer {
  inputNorm: Float32Array;
  postNorm: Float32Array;
  proj: Record<ProjName, HostLinear>;
  qNorm?: Float32Array;
  kNorm?: Float32Array;
}

export interface HostWeights {
  embed: Float32Array; // [V, H]
  lmHead?: Float32Array; // [V, H] when untied
  finalNorm: Float32Array;
  layers: HostLayer[];
}

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
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

export class FrozenWeights {
  readonly head: T; // [H, V]
  readonly headT: T; // [V, H]
  readonly embed: T; // [H, V]
  readonly finalNorm: T;
  readonly layers: FrozenLayer[];
  private readonly ctx: GgmlContext;
  private readonly buffer: BackendBuffer;

  constructor(
    readonly config: ModelConfig,
    backend: ComputeBackend,
    host: HostWeights,
  ) {
    const lib = backend.lib;
    const { hiddenSize: H, vocabSize: V } = config;
    const uploads: [TensorPtr, Float32Array][] = [];
    const count = 4 + config.numLayers * (4 + 3 * PROJ_NAMES.length);
    this.ctx = new GgmlContext(lib, count);
    const make = (ne: Ne, data: Float32Array, name: string): T => {
      const p = lib.base.ggml_new_tensor(this.ctx.ptr, GgmlType.F32, 4, BigInt64Array.from(ne.map(BigInt)));
      lib.base.ggml_set_name(p, name);
      uploads.push([p, data]);
      return { p, ne };
    };
    this.embed = make([H, V, 1, 1], host.embed, 'embed');
    const headRows = host.lmHead ?? host.embed;
    this.head = host.lmHead ? make([H, V, 1, 1], host.lmHead, 'lm_head') : this.embed;
    this.headT = make([V, H, 1, 1], transpose(headRows, V, H), 'lm_head.T');
    this.finalNorm = make([H, 1, 1, 1], host.finalNorm, 'norm');
    this.layers = host.layers.map((l, i) => {
      const proj = {} as Record<ProjName, FrozenLinear>;
      for (const name of PROJ_NAMES) {
        const p = l.proj[name];
        proj[name] = {
          w: make([p.in, p.out, 1, 1], p.weight, `l${i}.${name}`),
          wt: make([p.out, p.in, 1, 1], transpose(p.weight, p.out, p.in), `l${i}.${name}.T`),
          bias: p.bias ? make([p.out, 1, 1, 1], p.bias, `l${i}.${name}.bias`) : undefined,
        };
      }
      return {
        inputNorm: make([H, 1, 1, 1], l.inputNorm, `l${i}.ln1`),
        postNorm: make([H, 1, 1, 1], l.postNorm, `l${i}.ln2`),
        proj,
        qNorm: l.qNorm ? make([config.headDim, 1, 1, 1], l.qNorm, `l${i}.q_norm`) : undefined,
        kNorm: l.kNorm ? make([config.headDim, 1, 1, 1], l.kNorm, `l${i}.k_norm`) : undefined,
      };
    });
    this.buffer = new BackendBuffer(lib, this.ctx, backend.ptr, `the frozen weights (${config.numLayers} layers, F32 + transposed copies)`);
    for (const [p, data] of uploads) lib.backend.ggml_backend_tensor_set(p, data, 0, data.byteLength);
  }

  get bytes(): number {
    return this.buffer.bytes;
  }

  dispose(): void {
    this.buffer.dispose();
    this.ctx.dispose();
  }
}
