/**
 * The trainable tensors of GgmlLoraTrainer (lora-trainer.ts): LoRA A/B and P-Tuning v2 prefix
 * parameters, each with its gradient accumulator and AdamW moments, F32 in two backend buffers — the
 * parameters with their moments and the optimiser's hyper-parameter/clip inputs in one, the gradients
 * (cleared before every accumulation group) in the other. Apart from the trainer so that what is
 * trained, and in which layout, reads in one place.
 */
import type { ComputeBackend } from '../ggml/backend';
import { GgmlType, type TensorPtr } from '../ggml/ffi';
import { BackendBuffer, GgmlContext } from '../ggml/owners';
import type { LoraModule } from './decoder-backward';
import type { ProjName } from './frozen-weights';
import type { T } from './graph';

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

export interface ParamSlot {
  /** The checkpoint / PEFT name. */
  name: string;
  param: T;
  grad: T;
  m: T;
  v: T;
}

/** The trainer's tensors and the contexts and buffers that own them. */
export interface TrainerParams {
  slots: ParamSlot[];
  /** LoRA modules by `${layer}.${proj}`. */
  modules: Map<string, LoraModule>;
  /** Prefix parameters by peft name. */
  prefixSlots: Map<string, ParamSlot>;
  paramCtx: GgmlContext;
  gradCtx: GgmlContext;
  paramBuf: BackendBuffer;
  gradBuf: BackendBuffer;
  /** AdamW's [lr, beta1, beta2, eps, wd, 1/(1-beta1^t), 1/(1-beta2^t)], uploaded before each step. */
  hyper: T;
  /** The clipping scale of the gradients [1]. */
  clip: T;
}

const F32 = GgmlType.F32;

function peftName(key: string, which: 'A' | 'B'): string {
  return `base_model.model.model.${key}.lora_${which}.weight`;
}

/** Declares every tensor, allocates both buffers (zeroed) and uploads the initial values. */
export function allocateTrainerParams(backend: ComputeBackend, host: HostLoraModule[], prefixSpec?: HostPrefix): TrainerParams {
  const lib = backend.lib;
  const slots: ParamSlot[] = [];
  const modules = new Map<string, LoraModule>();
  const prefixSlots = new Map<string, ParamSlot>();
  const nPrefix = prefixSpec?.params.size ?? 0;
  const paramCtx = new GgmlContext(lib, (host.length * 2 + nPrefix) * 3 + 2);
  const gradCtx = new GgmlContext(lib, host.length * 2 + nPrefix);
  const mk = (ctx: GgmlContext, ne: number[], name: string): T => {
    const full = [...ne, 1, 1, 1].slice(0, 4) as T['ne'];
    const p = lib.base.ggml_new_tensor(ctx.ptr, F32, 4, BigInt64Array.from(full.map(BigInt)));
    lib.base.ggml_set_name(p, name);
    return { p, ne: full };
  };
  const initial: [TensorPtr, Float32Array][] = [];
  for (const h of host) {
    const a = mk(paramCtx, [h.inDim, h.r], `${h.key}.A`);
    const b = mk(paramCtx, [h.r, h.outDim], `${h.key}.B`);
    lib.base.ggml_set_param(a.p);
    lib.base.ggml_set_param(b.p);
    const gradA = mk(gradCtx, a.ne, `${h.key}.A.grad`);
    const gradB = mk(gradCtx, b.ne, `${h.key}.B.grad`);
    modules.set(`${h.layer}.${h.proj}`, { a, b, scale: h.scale, gradA, gradB });
    slots.push({
      name: peftName(h.key, 'A'),
      param: a,
      grad: gradA,
      m: mk(paramCtx, a.ne, `${h.key}.A.m`),
      v: mk(paramCtx, a.ne, `${h.key}.A.v`),
    });
    slots.push({
      name: peftName(h.key, 'B'),
      param: b,
      grad: gradB,
      m: mk(paramCtx, b.ne, `${h.key}.B.m`),
      v: mk(paramCtx, b.ne, `${h.key}.B.v`),
    });
    initial.push([a.p, h.a], [b.p, h.b]);
  }
  for (const [name, t] of prefixSpec?.params ?? []) {
    const ne = [...t.shape].reverse(); // row-major [rows, cols] is ggml [cols, rows]
    const param = mk(paramCtx, ne, name);
    lib.base.ggml_set_param(param.p);
    const slot = { name, param, grad: mk(gradCtx, ne, `${name}.grad`), m: mk(paramCtx, ne, `${name}.m`), v: mk(paramCtx, ne, `${name}.v`) };
    slots.push(slot);
    prefixSlots.set(name, slot);
    initial.push([param.p, t.data]);
  }
  const hyper = mk(paramCtx, [7], 'adamw.hyper');
  const clip = mk(paramCtx, [1], 'clip.scale');
  const paramBuf = new BackendBuffer(lib, paramCtx, backend.ptr, 'the LoRA parameters and AdamW moments');
  const gradBuf = new BackendBuffer(lib, gradCtx, backend.ptr, 'the LoRA gradients');
  lib.backend.ggml_backend_buffer_clear(paramBuf.ptr, 0);
  lib.backend.ggml_backend_buffer_clear(gradBuf.ptr, 0);
  for (const [p, data] of initial) lib.backend.ggml_backend_tensor_set(p, data, 0, data.byteLength);
  return { slots, modules, prefixSlots, paramCtx, gradCtx, paramBuf, gradBuf, hyper, clip };
}
