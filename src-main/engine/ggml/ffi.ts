/**
 * koffi declarations of the ggml functions the engine calls, transcribed from the headers of the exact
 * ggml that node-llama-cpp 3.21.1 ships (llama.cpp tag in node_modules/node-llama-cpp/llama/
 * llama.cpp.info.json; `ggml/include/ggml.h`, `ggml-backend.h`, `ggml-alloc.h`, `ggml-cpu.h` from its
 * gitRelease.bundle; ggml 0.23.0, commit 5b4ebc5). The version pin and the struct sizes are checked at
 * load time (abi-check.ts), so a different library is refused before any call reads a struct.
 *
 * Pointers are koffi 3 BigInts; the branded aliases below keep a context from being passed where a
 * tensor is expected. Nothing here owns memory: see owners.ts.
 */
import koffi, { type LibraryHandle } from 'koffi';

/**
 * Deep graphs recurse in ggml's graph walk; koffi's default 2 MiB sync stack overflowed on them.
 * koffi takes its configuration only before the first library is loaded, so it is set when this
 * module is first imported (every koffi.load in the engine goes through modules that import it).
 */
koffi.config({ ...koffi.config(), sync_stack_size: 16 * 2 ** 20, async_stack_size: 16 * 2 ** 20 });

declare const brand: unique symbol;
type Ptr<B extends string> = bigint & { readonly [brand]: B };
export type CtxPtr = Ptr<'ggml_context'>;
export type TensorPtr = Ptr<'ggml_tensor'>;
export type GraphPtr = Ptr<'ggml_cgraph'>;
export type BackendPtr = Ptr<'ggml_backend'>;
export type DevicePtr = Ptr<'ggml_backend_dev'>;
export type RegPtr = Ptr<'ggml_backend_reg'>;
export type BufferPtr = Ptr<'ggml_backend_buffer'>;
export type BufferTypePtr = Ptr<'ggml_backend_buffer_type'>;
export type GallocrPtr = Ptr<'ggml_gallocr'>;
export type ThreadpoolPtr = Ptr<'ggml_threadpool'>;

/** ggml_rope_ext and its backward take the same arguments (ggml.h). */
type RopeExtFn = (
  ctx: CtxPtr,
  a: TensorPtr,
  pos: TensorPtr,
  ff: TensorPtr | null,
  nDims: number,
  mode: number,
  nCtxOrig: number,
  base: number,
  scale: number,
  ext: number,
  attn: number,
  bf: number,
  bs: number,
) => TensorPtr;

/** `enum ggml_type` values used here (ggml.h). */
export const GgmlType = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8, Q4_K: 12, I32: 26, I64: 27, BF16: 30 } as const;
export type GgmlTypeId = (typeof GgmlType)[keyof typeof GgmlType];
export const GGML_ROPE_TYPE_NEOX = 2;
export const GGML_PREC_F32 = 10;
export const GGML_MAX_DIMS = 4;
export const GGML_MAX_SRC = 10;
export const GGML_MAX_NAME = 64;
/** `enum ggml_backend_dev_type`. */
export const DeviceType = { CPU: 0, GPU: 1, IGPU: 2, ACCEL: 3, META: 4 } as const;

export const InitParams = koffi.struct('ggml_init_params', { mem_size: 'size_t', mem_buffer: 'void *', no_alloc: 'bool' });

/** `struct ggml_tensor` (ggml.h). Its size is checked against ggml_tensor_overhead() at load. */
export const TensorStruct = koffi.struct('ggml_tensor', {
  type: 'int',
  buffer: 'void *',
  ne: koffi.array('int64_t', GGML_MAX_DIMS),
  nb: koffi.array('size_t', GGML_MAX_DIMS),
  op: 'int',
  op_params: koffi.array('int32_t', 16),
  flags: 'int32_t',
  src: koffi.array('void *', GGML_MAX_SRC),
  view_src: 'void *',
  view_offs: 'size_t',
  data: 'void *',
  name: koffi.array('char', GGML_MAX_NAME, 'String'),
  extra: 'void *',
  padding: koffi.array('char', 8),
});
/** `struct ggml_object`, the header ggml puts before each tensor in a context (ggml.c). */
export const GGML_OBJECT_SIZE = 32;

export const ThreadpoolParams = koffi.struct('ggml_threadpool_params', {
  cpumask: koffi.array('bool', 512),
  n_threads: 'int',
  prio: 'int',
  poll: 'uint32_t',
  strict_cpu: 'bool',
  paused: 'bool',
});

export interface TensorFields {
  type: number;
  ne: bigint[] | number[];
  nb: bigint[] | number[];
  op: number;
  data: bigint | null;
  name: string;
}

type Fn = (...args: never[]) => unknown;
interface AsyncFn<F extends Fn> {
  (...args: Parameters<F>): ReturnType<F>;
  async(...args: [...Parameters<F>, (err: unknown, res: ReturnType<F>) => void]): void;
}

/** A typed binder over one library: `f<Signature>('C prototype')`. */
function binder(lib: LibraryHandle) {
  return <F extends Fn>(proto: string) => lib.func(proto) as unknown as AsyncFn<F>;
}

const T = 'void *'; // ggml_tensor *
const C = 'void *'; // ggml_context *

/**
 * Base library (libggml-base): tensors, ops, graphs, quantisation. Declared in groups, in this order
 * (the order of the koffi bindings and of the object's keys is the one the single table had).
 */
export function declareBase(lib: LibraryHandle) {
  const f = binder(lib);
  return { ...declareContextAndGraph(f), ...declareOps(f), ...declareHostConversion(f) };
}

/** Version, contexts, tensors and their metadata, graphs. */
function declareContextAndGraph(f: ReturnType<typeof binder>) {
  return {
    ggml_version: f<() => string>('const char *ggml_version()'),
    ggml_commit: f<() => string>('const char *ggml_commit()'),
    ggml_tensor_overhead: f<() => number>('size_t ggml_tensor_overhead()'),
    ggml_graph_overhead_custom: f<(size: number, grads: boolean) => number>('size_t ggml_graph_overhead_custom(size_t, bool)'),
    ggml_init: f<(p: { mem_size: number; mem_buffer: null; no_alloc: boolean }) => CtxPtr>('void *ggml_init(ggml_init_params)'),
    ggml_free: f<(ctx: CtxPtr) => void>(`void ggml_free(${C})`),
    ggml_new_tensor: f<(ctx: CtxPtr, type: number, nDims: number, ne: BigInt64Array) => TensorPtr>(`${T} ggml_new_tensor(${C}, int, int, const int64_t *ne)`),
    ggml_set_name: f<(t: TensorPtr, name: string) => TensorPtr>(`${T} ggml_set_name(${T}, const char *)`),
    ggml_set_input: f<(t: TensorPtr) => void>(`void ggml_set_input(${T})`),
    ggml_set_output: f<(t: TensorPtr) => void>(`void ggml_set_output(${T})`),
    ggml_set_param: f<(t: TensorPtr) => void>(`void ggml_set_param(${T})`),
    ggml_nbytes: f<(t: TensorPtr) => number>(`size_t ggml_nbytes(${T})`),
    ggml_nelements: f<(t: TensorPtr) => number>(`int64_t ggml_nelements(${T})`),
    ggml_row_size: f<(type: number, ne: number) => number>('size_t ggml_row_size(int, int64_t)'),
    ggml_blck_size: f<(type: number) => number>('int64_t ggml_blck_size(int)'),
    ggml_type_name: f<(type: number) => string>('const char *ggml_type_name(int)'),
    ggml_op_desc: f<(t: TensorPtr) => string>(`const char *ggml_op_desc(${T})`),
    ggml_is_contiguous: f<(t: TensorPtr) => boolean>(`bool ggml_is_contiguous(${T})`),
    ggml_get_first_tensor: f<(ctx: CtxPtr) => TensorPtr | null>(`${T} ggml_get_first_tensor(${C})`),
    ggml_get_next_tensor: f<(ctx: CtxPtr, t: TensorPtr) => TensorPtr | null>(`${T} ggml_get_next_tensor(${C}, ${T})`),
    // graphs
    ggml_new_graph_custom: f<(ctx: CtxPtr, size: number, grads: boolean) => GraphPtr>(`void *ggml_new_graph_custom(${C}, size_t, bool)`),
    ggml_build_forward_expand: f<(g: GraphPtr, t: TensorPtr) => void>(`void ggml_build_forward_expand(void *, ${T})`),
    ggml_graph_n_nodes: f<(g: GraphPtr) => number>('int ggml_graph_n_nodes(void *)'),
    ggml_graph_node: f<(g: GraphPtr, i: number) => TensorPtr>(`${T} ggml_graph_node(void *, int)`),
  };
}

/** The graph ops (each builds a node in a context). */
function declareOps(f: ReturnType<typeof binder>) {
  return {
    ggml_dup: f<(ctx: CtxPtr, a: TensorPtr) => TensorPtr>(`${T} ggml_dup(${C}, ${T})`),
    ggml_add: f<(ctx: CtxPtr, a: TensorPtr, b: TensorPtr) => TensorPtr>(`${T} ggml_add(${C}, ${T}, ${T})`),
    ggml_sub: f<(ctx: CtxPtr, a: TensorPtr, b: TensorPtr) => TensorPtr>(`${T} ggml_sub(${C}, ${T}, ${T})`),
    ggml_mul: f<(ctx: CtxPtr, a: TensorPtr, b: TensorPtr) => TensorPtr>(`${T} ggml_mul(${C}, ${T}, ${T})`),
    ggml_div: f<(ctx: CtxPtr, a: TensorPtr, b: TensorPtr) => TensorPtr>(`${T} ggml_div(${C}, ${T}, ${T})`),
    ggml_scale: f<(ctx: CtxPtr, a: TensorPtr, s: number) => TensorPtr>(`${T} ggml_scale(${C}, ${T}, float)`),
    ggml_sqr: f<(ctx: CtxPtr, a: TensorPtr) => TensorPtr>(`${T} ggml_sqr(${C}, ${T})`),
    ggml_sum: f<(ctx: CtxPtr, a: TensorPtr) => TensorPtr>(`${T} ggml_sum(${C}, ${T})`),
    ggml_sum_rows: f<(ctx: CtxPtr, a: TensorPtr) => TensorPtr>(`${T} ggml_sum_rows(${C}, ${T})`),
    ggml_log: f<(ctx: CtxPtr, a: TensorPtr) => TensorPtr>(`${T} ggml_log(${C}, ${T})`),
    ggml_tanh: f<(ctx: CtxPtr, a: TensorPtr) => TensorPtr>(`${T} ggml_tanh(${C}, ${T})`),
    ggml_silu: f<(ctx: CtxPtr, a: TensorPtr) => TensorPtr>(`${T} ggml_silu(${C}, ${T})`),
    ggml_silu_back: f<(ctx: CtxPtr, a: TensorPtr, b: TensorPtr) => TensorPtr>(`${T} ggml_silu_back(${C}, ${T}, ${T})`),
    ggml_mul_mat: f<(ctx: CtxPtr, a: TensorPtr, b: TensorPtr) => TensorPtr>(`${T} ggml_mul_mat(${C}, ${T}, ${T})`),
    ggml_mul_mat_set_prec: f<(a: TensorPtr, prec: number) => void>(`void ggml_mul_mat_set_prec(${T}, int)`),
    ggml_rms_norm: f<(ctx: CtxPtr, a: TensorPtr, eps: number) => TensorPtr>(`${T} ggml_rms_norm(${C}, ${T}, float)`),
    ggml_rms_norm_back: f<(ctx: CtxPtr, a: TensorPtr, b: TensorPtr, eps: number) => TensorPtr>(`${T} ggml_rms_norm_back(${C}, ${T}, ${T}, float)`),
    ggml_get_rows: f<(ctx: CtxPtr, a: TensorPtr, b: TensorPtr) => TensorPtr>(`${T} ggml_get_rows(${C}, ${T}, ${T})`),
    ggml_get_rows_back: f<(ctx: CtxPtr, a: TensorPtr, b: TensorPtr, c: TensorPtr) => TensorPtr>(`${T} ggml_get_rows_back(${C}, ${T}, ${T}, ${T})`),
    ggml_out_prod: f<(ctx: CtxPtr, a: TensorPtr, b: TensorPtr) => TensorPtr>(`${T} ggml_out_prod(${C}, ${T}, ${T})`),
    ggml_set_rows: f<(ctx: CtxPtr, a: TensorPtr, b: TensorPtr, c: TensorPtr) => TensorPtr>(`${T} ggml_set_rows(${C}, ${T}, ${T}, ${T})`),
    ggml_cpy: f<(ctx: CtxPtr, a: TensorPtr, b: TensorPtr) => TensorPtr>(`${T} ggml_cpy(${C}, ${T}, ${T})`),
    ggml_cast: f<(ctx: CtxPtr, a: TensorPtr, type: number) => TensorPtr>(`${T} ggml_cast(${C}, ${T}, int)`),
    ggml_cont: f<(ctx: CtxPtr, a: TensorPtr) => TensorPtr>(`${T} ggml_cont(${C}, ${T})`),
    ggml_reshape_4d: f<(ctx: CtxPtr, a: TensorPtr, n0: number, n1: number, n2: number, n3: number) => TensorPtr>(
      `${T} ggml_reshape_4d(${C}, ${T}, int64_t, int64_t, int64_t, int64_t)`,
    ),
    ggml_view_4d: f<
      (ctx: CtxPtr, a: TensorPtr, n0: number, n1: number, n2: number, n3: number, nb1: number, nb2: number, nb3: number, offset: number) => TensorPtr
    >(`${T} ggml_view_4d(${C}, ${T}, int64_t, int64_t, int64_t, int64_t, size_t, size_t, size_t, size_t)`),
    ggml_permute: f<(ctx: CtxPtr, a: TensorPtr, a0: number, a1: number, a2: number, a3: number) => TensorPtr>(
      `${T} ggml_permute(${C}, ${T}, int, int, int, int)`,
    ),
    ggml_transpose: f<(ctx: CtxPtr, a: TensorPtr) => TensorPtr>(`${T} ggml_transpose(${C}, ${T})`),
    ggml_concat: f<(ctx: CtxPtr, a: TensorPtr, b: TensorPtr, dim: number) => TensorPtr>(`${T} ggml_concat(${C}, ${T}, ${T}, int)`),
    ggml_pad: f<(ctx: CtxPtr, a: TensorPtr, p0: number, p1: number, p2: number, p3: number) => TensorPtr>(`${T} ggml_pad(${C}, ${T}, int, int, int, int)`),
    ggml_repeat: f<(ctx: CtxPtr, a: TensorPtr, b: TensorPtr) => TensorPtr>(`${T} ggml_repeat(${C}, ${T}, ${T})`),
    ggml_repeat_back: f<(ctx: CtxPtr, a: TensorPtr, b: TensorPtr) => TensorPtr>(`${T} ggml_repeat_back(${C}, ${T}, ${T})`),
    ggml_soft_max_ext: f<(ctx: CtxPtr, a: TensorPtr, mask: TensorPtr | null, scale: number, maxBias: number) => TensorPtr>(
      `${T} ggml_soft_max_ext(${C}, ${T}, ${T}, float, float)`,
    ),
    ggml_soft_max_ext_back: f<(ctx: CtxPtr, a: TensorPtr, b: TensorPtr, scale: number, maxBias: number) => TensorPtr>(
      `${T} ggml_soft_max_ext_back(${C}, ${T}, ${T}, float, float)`,
    ),
    ggml_rope_ext: f<RopeExtFn>(`${T} ggml_rope_ext(${C}, ${T}, ${T}, ${T}, int, int, int, float, float, float, float, float, float)`),
    ggml_rope_ext_back: f<RopeExtFn>(`${T} ggml_rope_ext_back(${C}, ${T}, ${T}, ${T}, int, int, int, float, float, float, float, float, float)`),
    ggml_flash_attn_ext: f<
      (ctx: CtxPtr, q: TensorPtr, k: TensorPtr, v: TensorPtr, mask: TensorPtr | null, scale: number, maxBias: number, softcap: number) => TensorPtr
    >(`${T} ggml_flash_attn_ext(${C}, ${T}, ${T}, ${T}, ${T}, float, float, float)`),
    ggml_flash_attn_ext_set_prec: f<(a: TensorPtr, prec: number) => void>(`void ggml_flash_attn_ext_set_prec(${T}, int)`),
    ggml_cross_entropy_loss: f<(ctx: CtxPtr, a: TensorPtr, b: TensorPtr) => TensorPtr>(`${T} ggml_cross_entropy_loss(${C}, ${T}, ${T})`),
    ggml_cross_entropy_loss_back: f<(ctx: CtxPtr, a: TensorPtr, b: TensorPtr, c: TensorPtr) => TensorPtr>(
      `${T} ggml_cross_entropy_loss_back(${C}, ${T}, ${T}, ${T})`,
    ),
    ggml_opt_step_adamw: f<(ctx: CtxPtr, a: TensorPtr, g: TensorPtr, m: TensorPtr, v: TensorPtr, p: TensorPtr) => TensorPtr>(
      `${T} ggml_opt_step_adamw(${C}, ${T}, ${T}, ${T}, ${T}, ${T})`,
    ),
    ggml_argmax: f<(ctx: CtxPtr, a: TensorPtr) => TensorPtr>(`${T} ggml_argmax(${C}, ${T})`),
  };
}

/** Host-side conversion and quantisation, and the CPU threadpool's default parameters. */
function declareHostConversion(f: ReturnType<typeof binder>) {
  return {
    ggml_quantize_chunk: f<(type: number, src: Float32Array, dst: Uint8Array, start: number, nrows: number, nPerRow: number, imatrix: null) => number>(
      'size_t ggml_quantize_chunk(int, const float *, _Inout_ uint8_t *, int64_t, int64_t, int64_t, const float *)',
    ),
    ggml_fp32_to_fp16_row: f<(src: Float32Array, dst: Uint16Array, n: number) => void>(
      'void ggml_fp32_to_fp16_row(const float *, _Inout_ uint16_t *, int64_t)',
    ),
    ggml_quantize_requires_imatrix: f<(type: number) => boolean>('bool ggml_quantize_requires_imatrix(int)'),
    ggml_threadpool_params_default: f<(n: number) => Record<string, unknown>>('ggml_threadpool_params ggml_threadpool_params_default(int)'),
  };
}

/** Backend library (libggml): registry, devices, buffers, allocators, compute. */
export function declareBackend(lib: LibraryHandle) {
  const f = binder(lib);
  return {
    ggml_backend_load_all_from_path: f<(dir: string) => void>('void ggml_backend_load_all_from_path(const char *)'),
    ggml_backend_dev_count: f<() => number>('size_t ggml_backend_dev_count()'),
    ggml_backend_dev_get: f<(i: number) => DevicePtr>('void *ggml_backend_dev_get(size_t)'),
    ggml_backend_dev_name: f<(d: DevicePtr) => string>('const char *ggml_backend_dev_name(void *)'),
    ggml_backend_dev_description: f<(d: DevicePtr) => string>('const char *ggml_backend_dev_description(void *)'),
    ggml_backend_dev_type: f<(d: DevicePtr) => number>('int ggml_backend_dev_type(void *)'),
    ggml_backend_dev_memory: f<(d: DevicePtr, free: [number], total: [number]) => void>(
      'void ggml_backend_dev_memory(void *, _Out_ size_t *free, _Out_ size_t *total)',
    ),
    ggml_backend_dev_backend_reg: f<(d: DevicePtr) => RegPtr>('void *ggml_backend_dev_backend_reg(void *)'),
    ggml_backend_dev_init: f<(d: DevicePtr, params: string | null) => BackendPtr | null>('void *ggml_backend_dev_init(void *, const char *)'),
    ggml_backend_reg_name: f<(r: RegPtr) => string>('const char *ggml_backend_reg_name(void *)'),
    ggml_backend_reg_get_proc_address: f<(r: RegPtr, name: string) => bigint | null>('void *ggml_backend_reg_get_proc_address(void *, const char *)'),
    ggml_backend_name: f<(b: BackendPtr) => string>('const char *ggml_backend_name(void *)'),
    ggml_backend_free: f<(b: BackendPtr) => void>('void ggml_backend_free(void *)'),
    ggml_backend_get_default_buffer_type: f<(b: BackendPtr) => BufferTypePtr>('void *ggml_backend_get_default_buffer_type(void *)'),
    ggml_backend_get_max_size: f<(b: BackendPtr) => number>('size_t ggml_backend_get_max_size(void *)'),
    ggml_backend_supports_op: f<(b: BackendPtr, t: TensorPtr) => boolean>(`bool ggml_backend_supports_op(void *, ${T})`),
    ggml_backend_graph_compute: f<(b: BackendPtr, g: GraphPtr) => number>('int ggml_backend_graph_compute(void *, void *)'),
    ggml_backend_synchronize: f<(b: BackendPtr) => void>('void ggml_backend_synchronize(void *)'),
    ggml_backend_tensor_set: f<(t: TensorPtr, data: ArrayBufferView, offset: number, size: number) => void>(
      `void ggml_backend_tensor_set(${T}, const void *, size_t, size_t)`,
    ),
    ggml_backend_tensor_get: f<(t: TensorPtr, data: ArrayBufferView, offset: number, size: number) => void>(
      `void ggml_backend_tensor_get(${T}, _Inout_ uint8_t *, size_t, size_t)`,
    ),
    ggml_backend_alloc_ctx_tensors: f<(ctx: CtxPtr, b: BackendPtr) => BufferPtr | null>('void *ggml_backend_alloc_ctx_tensors(void *, void *)'),
    ggml_backend_alloc_ctx_tensors_from_buft: f<(ctx: CtxPtr, buft: BufferTypePtr) => BufferPtr | null>(
      'void *ggml_backend_alloc_ctx_tensors_from_buft(void *, void *)',
    ),
    ggml_backend_buft_name: f<(buft: BufferTypePtr) => string>('const char *ggml_backend_buft_name(void *)'),
    ggml_backend_buffer_free: f<(b: BufferPtr) => void>('void ggml_backend_buffer_free(void *)'),
    ggml_backend_buffer_get_size: f<(b: BufferPtr) => number>('size_t ggml_backend_buffer_get_size(void *)'),
    ggml_backend_buffer_clear: f<(b: BufferPtr, value: number) => void>('void ggml_backend_buffer_clear(void *, uint8_t)'),
    ggml_backend_buft_get_alignment: f<(buft: BufferTypePtr) => number>('size_t ggml_backend_buft_get_alignment(void *)'),
    ggml_backend_buft_get_alloc_size: f<(buft: BufferTypePtr, t: TensorPtr) => number>(`size_t ggml_backend_buft_get_alloc_size(void *, ${T})`),
    ggml_backend_cpu_buffer_from_ptr: f<(ptr: bigint, size: number) => BufferPtr | null>('void *ggml_backend_cpu_buffer_from_ptr(void *, size_t)'),
    ggml_backend_tensor_alloc: f<(b: BufferPtr, t: TensorPtr, addr: bigint) => number>(`int ggml_backend_tensor_alloc(void *, ${T}, void *)`),
    ggml_gallocr_new: f<(buft: BufferTypePtr) => GallocrPtr>('void *ggml_gallocr_new(void *)'),
    ggml_gallocr_free: f<(g: GallocrPtr) => void>('void ggml_gallocr_free(void *)'),
    ggml_gallocr_reserve: f<(g: GallocrPtr, graph: GraphPtr) => boolean>('bool ggml_gallocr_reserve(void *, void *)'),
    ggml_gallocr_alloc_graph: f<(g: GallocrPtr, graph: GraphPtr) => boolean>('bool ggml_gallocr_alloc_graph(void *, void *)'),
    ggml_gallocr_reserve_n_size: f<(g: GallocrPtr, graph: GraphPtr, nodeIds: null, leafIds: null, sizes: BigUint64Array) => void>(
      'void ggml_gallocr_reserve_n_size(void *, void *, const int *, const int *, _Inout_ uint64_t *sizes)',
    ),
    ggml_gallocr_get_buffer_size: f<(g: GallocrPtr, id: number) => number>('size_t ggml_gallocr_get_buffer_size(void *, int)'),
  };
}

export type BaseApi = ReturnType<typeof declareBase>;
export type BackendApi = ReturnType<typeof declareBackend>;

/** Prototypes of the CPU backend's functions, reached through its registry's proc addresses. */
export const CpuProtos = {
  threadpoolNew: koffi.proto('void *ggml_threadpool_new_fn(ggml_threadpool_params *params)'),
  threadpoolFree: koffi.proto('void ggml_threadpool_free_fn(void *tp)'),
  setThreadpool: koffi.proto('void ggml_backend_cpu_set_threadpool_fn(void *backend, void *tp)'),
  setNThreads: koffi.proto('void ggml_backend_set_n_threads_fn(void *backend, int n)'),
  /** NULL-terminated array of the device's extra buffer types (CPU_REPACK, AMX, ...). */
  getExtraBufts: koffi.proto('void **ggml_backend_dev_get_extra_bufts_fn(void *dev)'),
};
