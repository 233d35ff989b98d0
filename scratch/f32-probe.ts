// f32 op shapes of the training step on the CPU backend, 1 thread: CPU ms and GFLOP/CPU-s.
import { openBackend } from '../src-main/engine-node/ggml-runtime';
import { GgmlType } from '../src-main/engine/ggml/ffi';
import { GgmlContext, GraphAllocator } from '../src-main/engine/ggml/owners';

const { backend } = openBackend('cpu', { threads: 1 });
const lib = backend.lib;
const { base, backend: api } = lib;
type Build = (ctx: unknown, t: (ne: number[], type?: number) => unknown) => { out: unknown; flop: number };
async function probe(name: string, build: Build) {
  const gctx = new GgmlContext(lib, 16, 64);
  const ins: [unknown, number][] = [];
  const t = (ne: number[], type: number = GgmlType.F32) => {
    const p = base.ggml_new_tensor(gctx.ptr, type, ne.length, BigInt64Array.from(ne.map(BigInt)));
    base.ggml_set_input(p);
    if (type === GgmlType.F32) ins.push([p, ne.reduce((a, b) => a * b, 1)]);
    return p;
  };
  const { out, flop } = build(gctx.ptr, t);
  base.ggml_set_output(out as never);
  const graph = gctx.newGraph(64);
  base.ggml_build_forward_expand(graph, out as never);
  const alloc = new GraphAllocator(lib, backend.bufferType());
  alloc.alloc(graph, 'g');
  for (const [p, n] of ins) api.ggml_backend_tensor_set(p as never, Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37)), 0, n * 4);
  await backend.compute(graph);
  const reps = Number(process.env.REPS ?? 5);
  const c0 = process.cpuUsage();
  for (let r = 0; r < reps; r++) await backend.compute(graph);
  const dc = process.cpuUsage(c0);
  const cpu = (dc.user + dc.system) / 1e6 / reps;
  console.log(`${name.padEnd(44)} ${(cpu * 1000).toFixed(2).padStart(8)} ms  ${(flop / 1e9 / cpu).toFixed(1).padStart(6)} GFLOP/s`);
  alloc.dispose();
  gctx.dispose();
}
const mm = (c: unknown, a: unknown, b: unknown) => base.ggml_mul_mat(c as never, a as never, b as never);
const op = (c: unknown, a: unknown, b: unknown) => base.ggml_out_prod(c as never, a as never, b as never);
const T = 512, H = 14, D = 64, r = 16;
await probe('attn s = mm(k[64,512,14], q[64,512,14])', (c, t) => ({ out: mm(c, t([D, T, H]), t([D, T, H])), flop: 2 * D * T * T * H }));
await probe('attn o = mm(vT[512,64,14], p[512,512,14])', (c, t) => ({ out: mm(c, t([T, D, H]), t([T, T, H])), flop: 2 * D * T * T * H }));
const tr = (c: unknown, a: unknown) => base.ggml_cont(c as never, base.ggml_transpose(c as never, a as never));
const F = 2 * D * T * T * H;
await probe('s   mm(k[64,T,H], q[64,T,H]) K=64', (c, t) => ({ out: mm(c, t([D, T, H]), t([D, T, H])), flop: F }));
await probe('s   out_prod(kT[T,64,H], qT[T,64,H])', (c, t) => ({ out: op(c, t([T, D, H]), t([T, D, H])), flop: F }));
await probe('dve mm(tr(dattn), tr(pm)) incl. transposes', (c, t) => ({ out: mm(c, tr(c, t([D, T, H])), tr(c, t([T, T, H]))), flop: F }));
await probe('dve out_prod(dattn[64,T,H], pm[T,T,H])', (c, t) => ({ out: op(c, t([D, T, H]), t([T, T, H])), flop: F }));
await probe('o   mm(veT[T,64,H], pm[T,T,H])', (c, t) => ({ out: mm(c, t([T, D, H]), t([T, T, H])), flop: F }));
await probe('T=256 s mm', (c, t) => ({ out: mm(c, t([D, 256, H]), t([D, 256, H])), flop: 2 * D * 256 * 256 * H }));
await probe('T=256 s out_prod', (c, t) => ({ out: op(c, t([256, D, H]), t([256, D, H])), flop: 2 * D * 256 * 256 * H }));
await probe('T=128 q x 512 k: s mm', (c, t) => ({ out: mm(c, t([D, 512, H]), t([D, 128, H])), flop: 2 * D * 512 * 128 * H }));
await probe('T=128 q x 512 k: o mm', (c, t) => ({ out: mm(c, t([512, D, H]), t([512, 128, H])), flop: 2 * D * 512 * 128 * H }));
await probe('T=128 q x 512 k: dve out_prod', (c, t) => ({ out: op(c, t([D, 128, H]), t([512, 128, H])), flop: 2 * D * 512 * 128 * H }));
await probe('dxd out_prod(A[4864,16], dhT[512,16])', (c, t) => ({ out: op(c, t([4864, r]), t([T, r])), flop: 2 * 4864 * r * T }));
await probe('dxd out_prod(A[896,16], dhT[512,16])', (c, t) => ({ out: op(c, t([896, r]), t([T, r])), flop: 2 * 896 * r * T }));
backend.dispose();
