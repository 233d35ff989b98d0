// Per-type MUL_MAT throughput on the CPU backend (1 thread): W [K, M] (type) x X [K, N] f32.
import koffi from 'koffi';
import { openBackend } from '../src-main/engine-node/ggml-runtime';
import { GgmlType } from '../src-main/engine/ggml/ffi';
import { GgmlContext, BackendBuffer, GraphAllocator } from '../src-main/engine/ggml/owners';

const threads = Number(process.env.THREADS ?? 1);
const { backend } = openBackend('cpu', { threads });
const lib = backend.lib;
const { base, backend: api } = lib;
const h = koffi.load(lib.files.ggml);
const allocFromBuft = h.func('void *ggml_backend_alloc_ctx_tensors_from_buft(void *, void *)');
const devProto = koffi.proto('void **get_extra_bufts_fn(void *dev)');
const nameOfBuft = h.func('const char *ggml_backend_buft_name(void *)');
let devPtr: bigint | undefined;
for (let i = 0; i < Number(api.ggml_backend_dev_count()); i++) {
  const d = api.ggml_backend_dev_get(i);
  if (api.ggml_backend_reg_name(api.ggml_backend_dev_backend_reg(d)) === 'CPU') devPtr = d as bigint;
}
const reg = api.ggml_backend_dev_backend_reg(devPtr!);
const getExtra = api.ggml_backend_reg_get_proc_address(reg, 'ggml_backend_dev_get_extra_bufts');
const extras: bigint[] = [];
if (getExtra) {
  const arr = koffi.call(getExtra, devProto, devPtr) as unknown;
  const list = koffi.decode(arr, 'void *', 8) as (bigint | null)[];
  for (const b of list) { if (!b) break; extras.push(b as bigint); }
}
console.log('extra bufts:', extras.map((b) => nameOfBuft(b)));
const repack = extras.find((b) => /REPACK|AARCH64/i.test(nameOfBuft(b)));

// SHAPES='[[K, M, N], ...]' and ONLY='q4_0 repack,bf16' narrow the run.
const shapes = process.env.SHAPES ? (JSON.parse(process.env.SHAPES) as number[][]) : [[896, 4864, 512], [4864, 896, 512], [896, 896, 512]];
const types: [string, number, boolean][] = [['f32', GgmlType.F32, false], ['bf16', GgmlType.BF16, false], ['f16', GgmlType.F16, false], ['q8_0', GgmlType.Q8_0, false], ['q4_0', GgmlType.Q4_0, false]];
if (repack) types.push(['q4_0 repack', GgmlType.Q4_0, true]);
const only = process.env.ONLY?.split(',');
if (only) types.splice(0, types.length, ...types.filter(([name]) => only.includes(name)));
for (const [K, M, N] of shapes) {
  for (const [name, type, useRepack] of types) {
    const wctx = new GgmlContext(lib, 2);
    const w = base.ggml_new_tensor(wctx.ptr, type, 2, BigInt64Array.of(BigInt(K), BigInt(M)));
    let wbuf: unknown;
    if (useRepack) wbuf = allocFromBuft(wctx.ptr, repack);
    else wbuf = new BackendBuffer(lib, wctx, backend.ptr, 'w');
    const src = Float32Array.from({ length: K * M }, (_, i) => Math.sin(i) * 0.02);
    const bytes = new Uint8Array(Number(base.ggml_row_size(type, K)) * M);
    base.ggml_quantize_chunk(type, src, bytes, 0, M, K, null);
    api.ggml_backend_tensor_set(w, bytes, 0, bytes.byteLength);
    const gctx = new GgmlContext(lib, 8, 16);
    const x = base.ggml_new_tensor(gctx.ptr, GgmlType.F32, 2, BigInt64Array.of(BigInt(K), BigInt(N)));
    base.ggml_set_input(x);
    const y = base.ggml_mul_mat(gctx.ptr, w, x);
    base.ggml_set_output(y);
    const graph = gctx.newGraph(16);
    base.ggml_build_forward_expand(graph, y);
    const alloc = new GraphAllocator(lib, backend.bufferType());
    alloc.alloc(graph, 'g');
    api.ggml_backend_tensor_set(x, Float32Array.from({ length: K * N }, (_, i) => Math.cos(i)), 0, K * N * 4);
    await backend.compute(graph);
    const reps = 5;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) await backend.compute(graph);
    const dc = process.cpuUsage(c0);
    const cpu = (dc.user + dc.system) / 1e6 / reps;
    const wall = (performance.now() - t0) / 1000 / reps;
    const gflop = (2 * K * M * N) / 1e9;
    console.log(`${`${K}x${M} x N ${N}`.padEnd(18)} ${name.padEnd(12)} ${(cpu * 1000).toFixed(1).padStart(7)} ms CPU ${(wall * 1000).toFixed(1).padStart(7)} ms wall  ${(gflop / cpu).toFixed(0).padStart(5)} GFLOP/CPU-s`);
    alloc.dispose();
    gctx.dispose();
    if (useRepack) api.ggml_backend_buffer_free(wbuf as bigint); else (wbuf as BackendBuffer).dispose();
    wctx.dispose();
  }
}
backend.dispose();
