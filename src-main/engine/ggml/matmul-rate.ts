/**
 * The measured f32 matmul rate of a compute backend: one n x n x n ggml_mul_mat graph, computed
 * once to warm up (shader compilation, weight packing), then timed until `minSeconds` have passed
 * (at least twice, at most 50 runs); the best run counts. The planner turns it into step time.
 */
import type { ComputeBackend } from './backend';
import { GGML_PREC_F32, GgmlType } from './ffi';
import { BackendBuffer, GgmlContext, GraphAllocator } from './owners';

export interface MatmulRate {
  flopsPerSecond: number;
  size: number;
  /** The best run's seconds. */
  seconds: number;
  runs: number;
}

export async function measureMatmulRate(backend: ComputeBackend, n: number, minSeconds: number): Promise<MatmulRate> {
  const { base, backend: api } = backend.lib;
  const dataCtx = new GgmlContext(backend.lib, 2);
  const graphCtx = new GgmlContext(backend.lib, 4, 8);
  const allocator = new GraphAllocator(backend.lib, backend.bufferType());
  let buffer: BackendBuffer | undefined;
  try {
    const ne = BigInt64Array.from([BigInt(n), BigInt(n)]);
    const a = base.ggml_new_tensor(dataCtx.ptr, GgmlType.F32, 2, ne); // [n, n]
    const b = base.ggml_new_tensor(dataCtx.ptr, GgmlType.F32, 2, ne); // [n, n]
    buffer = new BackendBuffer(backend.lib, dataCtx, backend.ptr, `two ${n} x ${n} calibration matrices`);
    // Values in [-1, 1): zeros would let a backend skip work.
    const values = Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 2000) / 1000 - 1);
    api.ggml_backend_tensor_set(a, values, 0, values.byteLength);
    api.ggml_backend_tensor_set(b, values, 0, values.byteLength);
    const graph = graphCtx.newGraph(8);
    const c = base.ggml_mul_mat(graphCtx.ptr, a, b); // [n, n]
    base.ggml_mul_mat_set_prec(c, GGML_PREC_F32);
    base.ggml_build_forward_expand(graph, c);
    allocator.alloc(graph, 'the calibration matmul');
    backend.assertSupported(graph);
    const once = async () => {
      const t0 = performance.now();
      await backend.compute(graph);
      return (performance.now() - t0) / 1000;
    };
    await once();
    let best = Infinity;
    let spent = 0;
    let runs = 0;
    while ((spent < minSeconds || runs < 2) && runs < 50) {
      const s = await once();
      best = Math.min(best, s);
      spent += s;
      runs++;
    }
    return { flopsPerSecond: (2 * n * n * n) / best, size: n, seconds: best, runs };
  } finally {
    allocator.dispose();
    graphCtx.dispose();
    buffer?.dispose();
    dataCtx.dispose();
  }
}
