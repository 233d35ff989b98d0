/**
 * ggml devices and the compute backend the engine runs on. A `ComputeBackend` owns one
 * ggml_backend_t (and, on the CPU, one persistent threadpool: without it ggml creates and joins its
 * threads on every compute). Graphs are computed through koffi's async calls, on a koffi worker
 * thread, so the JS thread keeps answering heartbeats during a long compute.
 */
import koffi from 'koffi';
import { UserError } from '../errors';
import { CpuProtos, type BackendPtr, type BufferTypePtr, type DevicePtr, type GraphPtr, type TensorPtr } from './ffi';
import type { GgmlLibrary } from './library';
import { NativeOwner } from './owners';

export type GgmlBackendName = 'cpu' | 'vulkan' | 'cuda' | 'metal';
export type GgmlBackendChoice = GgmlBackendName | 'auto';
export const GGML_BACKEND_CHOICES: readonly GgmlBackendChoice[] = ['auto', 'cpu', 'vulkan', 'cuda', 'metal'];

export interface GgmlDevice {
  ptr: DevicePtr;
  /** ggml's device name: CPU, Vulkan0, CUDA0, MTL0. */
  name: string;
  description: string;
  kind: GgmlBackendName | 'other';
  memoryFree: number;
  memoryTotal: number;
  /** A CPU-emulated GPU (Mesa lavapipe / llvmpipe, SwiftShader): fine for tests, slower than the CPU backend. */
  software: boolean;
}

const REG_KIND: Record<string, GgmlBackendName> = { CPU: 'cpu', Vulkan: 'vulkan', CUDA: 'cuda', Metal: 'metal', MTL: 'metal' };

export function listDevices(lib: GgmlLibrary): GgmlDevice[] {
  const api = lib.backend;
  const out: GgmlDevice[] = [];
  const n = Number(api.ggml_backend_dev_count());
  for (let i = 0; i < n; i++) {
    const ptr = api.ggml_backend_dev_get(i);
    const free: [number] = [0];
    const total: [number] = [0];
    api.ggml_backend_dev_memory(ptr, free, total);
    const reg = api.ggml_backend_reg_name(api.ggml_backend_dev_backend_reg(ptr));
    const description = api.ggml_backend_dev_description(ptr);
    out.push({
      ptr,
      name: api.ggml_backend_dev_name(ptr),
      description,
      kind: REG_KIND[reg] ?? 'other',
      memoryFree: Number(free[0]),
      memoryTotal: Number(total[0]),
      software: /llvmpipe|lavapipe|swiftshader/i.test(description),
    });
  }
  return out;
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(0)} MiB`;
  return `${Math.round(n / 1024)} KiB`;
}

export interface OpSupportProblem {
  op: string;
  node: string;
}

export class ComputeBackend extends NativeOwner {
  readonly ptr: BackendPtr;
  readonly name: GgmlBackendName;
  /** Largest single buffer the device allocates (lavapipe: 128 MiB bindings; 0 = unknown). */
  readonly maxBufferBytes: number;

  constructor(
    readonly lib: GgmlLibrary,
    readonly device: GgmlDevice,
    readonly threads: number,
    /** The CPU threadpool's polling level (ggml: 0 = workers sleep between computes .. 100). */
    readonly poll = 0,
  ) {
    super();
    const api = lib.backend;
    const ptr = api.ggml_backend_dev_init(device.ptr, null);
    if (!ptr) throw new UserError(`the ${device.name} device (${device.description}) failed to initialise; choose another --backend`);
    this.ptr = ptr;
    this.name = device.kind === 'other' ? 'cpu' : device.kind;
    this.maxBufferBytes = Number(api.ggml_backend_get_max_size(ptr));
    let threadpool: bigint | null = null;
    let freePool: bigint | null = null;
    if (device.kind === 'cpu') {
      const reg = api.ggml_backend_dev_backend_reg(device.ptr);
      const proc = (name: string) => api.ggml_backend_reg_get_proc_address(reg, name);
      const newPool = proc('ggml_threadpool_new');
      const setPool = proc('ggml_backend_cpu_set_threadpool');
      freePool = proc('ggml_threadpool_free');
      const setThreads = proc('ggml_backend_set_n_threads');
      if (setThreads) koffi.call(setThreads, CpuProtos.setNThreads, ptr, threads);
      if (newPool && setPool && freePool) {
        const params = lib.base.ggml_threadpool_params_default(threads) as Record<string, unknown>;
        // poll 0 (the default here): workers sleep between computes instead of spinning on cores the
        // UI and data loading need (ggml's default, 50, suits llama.cpp's tight decode loop; on this
        // shared 2-core machine it measured slower, see docs/BENCHMARKS.md).
        params.poll = poll;
        threadpool = koffi.call(newPool, CpuProtos.threadpoolNew, params) as bigint;
        koffi.call(setPool, CpuProtos.setThreadpool, ptr, threadpool);
      }
    }
    this.track(() => {
      api.ggml_backend_free(ptr);
      if (threadpool && freePool) koffi.call(freePool, CpuProtos.threadpoolFree, threadpool);
    });
  }

  bufferType() {
    return this.lib.backend.ggml_backend_get_default_buffer_type(this.ptr);
  }

  /**
   * The CPU backend's CPU_REPACK buffer type, where the device has one: a Q4_0 matrix stored there is
   * re-laid in 8x8 interleaved blocks on upload, and MUL_MAT on it runs ggml's int8 GEMM kernels
   * (AVX2/AVX-512 here: about 2x the BF16 GEMM per CPU-second, measured in docs/BENCHMARKS.md). Such
   * a tensor feeds MUL_MAT only (the buffer is not host memory: no GET_ROWS, no copies).
   */
  repackBufferType(): BufferTypePtr | undefined {
    if (this.name !== 'cpu') return undefined;
    const api = this.lib.backend;
    const reg = api.ggml_backend_dev_backend_reg(this.device.ptr);
    const getExtra = api.ggml_backend_reg_get_proc_address(reg, 'ggml_backend_dev_get_extra_bufts');
    if (!getExtra) return undefined;
    const list = koffi.call(getExtra, CpuProtos.getExtraBufts, this.device.ptr) as unknown;
    if (!list) return undefined;
    for (let i = 0; i < 16; i++) {
      const buft = (koffi.decode(list, i * 8, 'void *') as BufferTypePtr | null) ?? undefined;
      if (!buft) return undefined;
      if (api.ggml_backend_buft_name(buft) === 'CPU_REPACK') return buft;
    }
    return undefined;
  }

  supportsOp(t: TensorPtr): boolean {
    return this.lib.backend.ggml_backend_supports_op(this.ptr, t);
  }

  /** Every node the backend cannot run (checked before computing: an unsupported op aborts). */
  unsupportedOps(graph: GraphPtr): OpSupportProblem[] {
    const { base } = this.lib;
    const out: OpSupportProblem[] = [];
    const n = base.ggml_graph_n_nodes(graph);
    for (let i = 0; i < n; i++) {
      const node = base.ggml_graph_node(graph, i);
      if (!this.supportsOp(node)) out.push({ op: base.ggml_op_desc(node), node: describeNode(this.lib, node) });
    }
    return out;
  }

  assertSupported(graph: GraphPtr): void {
    const bad = this.unsupportedOps(graph);
    if (bad.length === 0) return;
    const ops = [...new Set(bad.map((b) => b.op))].join(', ');
    throw new UserError(
      `the ${this.name} backend (${this.device.description}) cannot run ${ops} (first: ${bad[0].node}); choose --backend cpu, or another --weights type`,
    );
  }

  /** Computes on a koffi worker thread; the event loop stays free meanwhile. */
  compute(graph: GraphPtr): Promise<void> {
    return new Promise((resolve, reject) => {
      this.lib.backend.ggml_backend_graph_compute.async(this.ptr, graph, (err, status) => {
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else if (status !== 0) reject(new Error(`ggml graph compute failed on ${this.name} (status ${status})`));
        else resolve();
      });
    });
  }

  computeSync(graph: GraphPtr): void {
    const status = this.lib.backend.ggml_backend_graph_compute(this.ptr, graph);
    if (status !== 0) throw new Error(`ggml graph compute failed on ${this.name} (status ${status})`);
  }

  describe(): string {
    const mem = this.device.memoryTotal > 0 ? `, ${formatBytes(this.device.memoryFree)} free of ${formatBytes(this.device.memoryTotal)}` : '';
    const threads = this.name === 'cpu' ? `, ${this.threads} threads` : '';
    return `${this.device.name} (${this.device.description}${mem}${threads})`;
  }
}

/** The op, its output shape and the types of its inputs: `MUL_MAT [896, 512, 1, 1] (q4_0 x f32)`. */
function describeNode(lib: GgmlLibrary, t: TensorPtr): string {
  const s = readTensor(lib, t);
  const inputs = sourcesOf(t).map((p) => lib.base.ggml_type_name(readTensor(lib, p).type));
  return `${lib.base.ggml_op_desc(t)} ${s.name ? `'${s.name}' ` : ''}[${s.ne.join(', ')}] (${inputs.join(' x ')})`;
}

/** The non-null sources of a node. */
export function sourcesOf(t: TensorPtr): TensorPtr[] {
  const f = koffi.decode(t, TensorStruct) as { src: (bigint | null)[] };
  return f.src.filter((p): p is bigint => !!p) as TensorPtr[];
}

import { TensorStruct, type TensorFields } from './ffi';
export function readTensor(_lib: GgmlLibrary, t: TensorPtr): { type: number; ne: number[]; nb: number[]; name: string; data: bigint | null } {
  const f = koffi.decode(t, TensorStruct) as TensorFields;
  return { type: f.type, ne: Array.from(f.ne, Number), nb: Array.from(f.nb, Number), name: f.name, data: f.data };
}
