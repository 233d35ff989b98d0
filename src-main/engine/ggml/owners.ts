/**
 * One owner per native ggml object: contexts (tensor metadata), backend buffers (tensor data) and
 * graph allocators (compute buffers). Each has `dispose()`; a FinalizationRegistry frees what a caller
 * forgot, and counts it, so a leak shows up in `nativeMemory()` and in tests instead of in the RSS.
 */
import type { GgmlLibrary } from './library';
import type { BackendPtr, BufferPtr, BufferTypePtr, CtxPtr, GallocrPtr, GraphPtr, TensorPtr } from './ffi';

interface LiveStats {
  contexts: number;
  buffers: number;
  bufferBytes: number;
  allocators: number;
  /** Objects freed by the finaliser because nobody called dispose(). */
  leaked: number;
}

const live: LiveStats = { contexts: 0, buffers: 0, bufferBytes: 0, allocators: 0, leaked: 0 };
/** Compute-buffer bytes per live allocator id (read after each reserve/alloc). */
const computeBytesById = new Map<number, number>();
let nextAllocatorId = 1;

/** What the engine holds natively right now: tests assert these stay flat. */
export function nativeMemory(): LiveStats & { computeBytes: number; totalBytes: number } {
  let computeBytes = 0;
  for (const b of computeBytesById.values()) computeBytes += b;
  return { ...live, computeBytes, totalBytes: live.bufferBytes + computeBytes };
}

const finaliser = new FinalizationRegistry<() => void>((free) => {
  live.leaked++;
  free();
});

export abstract class NativeOwner {
  private free: (() => void) | undefined;
  /** `free` must not capture the owner, or the registry would keep it alive. */
  protected track(free: () => void): void {
    this.free = free;
    finaliser.register(this, free, this);
  }
  get isDisposed(): boolean {
    return this.free === undefined;
  }
  dispose(): void {
    const free = this.free;
    if (!free) return;
    this.free = undefined;
    finaliser.unregister(this);
    free();
  }
}

/** A no_alloc ggml context: holds tensor and graph metadata only; data lives in backend buffers. */
export class GgmlContext extends NativeOwner {
  readonly ptr: CtxPtr;
  constructor(
    private readonly lib: GgmlLibrary,
    maxTensors: number,
    graphNodes = 0,
  ) {
    super();
    const { base } = lib;
    const size = Number(base.ggml_tensor_overhead()) * maxTensors + (graphNodes > 0 ? Number(base.ggml_graph_overhead_custom(graphNodes, false)) : 0);
    this.ptr = base.ggml_init({ mem_size: size, mem_buffer: null, no_alloc: true });
    if (!this.ptr) throw new Error(`ggml_init failed for a ${size}-byte context`);
    live.contexts++;
    const ptr = this.ptr;
    this.track(() => {
      base.ggml_free(ptr);
      live.contexts--;
    });
  }

  /** Graph with room for `nodes` nodes, living in this context. */
  newGraph(nodes: number): GraphPtr {
    return this.lib.base.ggml_new_graph_custom(this.ptr, nodes, false);
  }
}

/** The backend buffer holding every tensor of one context (weights, adapters, optimiser state). */
export class BackendBuffer extends NativeOwner {
  readonly ptr: BufferPtr;
  readonly bytes: number;
  /** `target`: the backend (its default buffer type), or a buffer type of its device (CPU_REPACK). */
  constructor(lib: GgmlLibrary, ctx: GgmlContext, target: BackendPtr | { buft: BufferTypePtr }, what: string) {
    super();
    const { backend: api } = lib;
    const ptr =
      typeof target === 'object' && target !== null && 'buft' in target
        ? api.ggml_backend_alloc_ctx_tensors_from_buft(ctx.ptr, target.buft)
        : api.ggml_backend_alloc_ctx_tensors(ctx.ptr, target as BackendPtr);
    if (!ptr) throw new BackendAllocationError(what);
    this.ptr = ptr;
    this.bytes = Number(api.ggml_backend_buffer_get_size(ptr));
    live.buffers++;
    live.bufferBytes += this.bytes;
    const bytes = this.bytes;
    this.track(() => {
      api.ggml_backend_buffer_free(ptr);
      live.buffers--;
      live.bufferBytes -= bytes;
    });
  }
}

/**
 * Shapes without data: binds every tensor of a context to addresses in a buffer that owns no memory,
 * so ggml's graph allocator counts them as allocated (as real weights would be) and measures only the
 * compute buffer of a graph over them. Nothing may read or write these tensors: the addresses are a
 * range no allocation uses. `bytes` is what ggml_backend_alloc_ctx_tensors would allocate for the
 * context on `bufferType` (each tensor's alloc size padded to the type's alignment), so a planner can
 * measure a training step of a model it has not loaded. For measuring only; in child processes only.
 */
export class PlaceholderBuffer extends NativeOwner {
  readonly ptr: BufferPtr;
  readonly bytes: number;
  /** Far above any heap or mapping a process gets (2^46 bytes); aligned for every backend. */
  private static readonly BASE = 1n << 46n;
  constructor(lib: GgmlLibrary, ctx: GgmlContext, bufferType: BufferTypePtr) {
    super();
    const { base, backend: api } = lib;
    const align = Number(api.ggml_backend_buft_get_alignment(bufferType));
    const offsets: [TensorPtr, number][] = [];
    let size = 0;
    for (let t = base.ggml_get_first_tensor(ctx.ptr); t; t = base.ggml_get_next_tensor(ctx.ptr, t)) {
      offsets.push([t, size]);
      size += Math.ceil(Number(api.ggml_backend_buft_get_alloc_size(bufferType, t)) / align) * align;
    }
    const ptr = api.ggml_backend_cpu_buffer_from_ptr(PlaceholderBuffer.BASE, Math.max(size, align));
    if (!ptr) throw new Error('ggml_backend_cpu_buffer_from_ptr failed');
    this.ptr = ptr;
    this.bytes = size;
    for (const [t, at] of offsets) api.ggml_backend_tensor_alloc(ptr, t, PlaceholderBuffer.BASE + BigInt(at));
    live.buffers++;
    // Frees the buffer's bookkeeping only: a buffer made from a pointer never frees the pointer.
    this.track(() => {
      api.ggml_backend_buffer_free(ptr);
      live.buffers--;
    });
  }
}

/** Compute-buffer allocator of a graph shape (ggml_gallocr): reserve once, alloc per compute. */
export class GraphAllocator extends NativeOwner {
  readonly ptr: GallocrPtr;
  private readonly id = nextAllocatorId++;
  constructor(
    private readonly lib: GgmlLibrary,
    bufferType: BufferTypePtr,
  ) {
    super();
    const api = lib.backend;
    this.ptr = api.ggml_gallocr_new(bufferType);
    live.allocators++;
    const ptr = this.ptr;
    const id = this.id;
    computeBytesById.set(id, 0);
    this.track(() => {
      api.ggml_gallocr_free(ptr);
      live.allocators--;
      computeBytesById.delete(id);
    });
  }

  reserve(graph: GraphPtr, what: string): void {
    if (!this.lib.backend.ggml_gallocr_reserve(this.ptr, graph)) throw new BackendAllocationError(what);
    computeBytesById.set(this.id, this.bytes());
  }
  alloc(graph: GraphPtr, what: string): void {
    if (!this.lib.backend.ggml_gallocr_alloc_graph(this.ptr, graph)) throw new BackendAllocationError(what);
    computeBytesById.set(this.id, this.bytes());
  }
  /** Compute-buffer bytes the graph would need, without allocating (the planner's figure). */
  measure(graph: GraphPtr): number {
    const sizes = new BigUint64Array(4);
    this.lib.backend.ggml_gallocr_reserve_n_size(this.ptr, graph, null, null, sizes);
    return Number(sizes[0]);
  }
  bytes(): number {
    return this.isDisposed ? 0 : Number(this.lib.backend.ggml_gallocr_get_buffer_size(this.ptr, 0));
  }
}

/** A backend could not allocate: classified as out-of-memory by the callers that know the sizes. */
export class BackendAllocationError extends Error {
  override readonly name = 'BackendAllocationError';
  constructor(readonly what: string) {
    super(`the backend could not allocate memory for ${what}`);
  }
}
