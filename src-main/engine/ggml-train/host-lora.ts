/**
 * LoRA modules on the host for every layer and the given projections, A [r, in] and B [out, r] filled by
 * the caller: PEFT's init for a benchmark, non-zero B for a test whose adapter must change the output.
 * The one place outside the loaders that knows the modules' shapes (projShape) and peft keys. Each
 * module's A is filled before its B, layer by layer in projection order, so a seeded fill gives the
 * same numbers wherever it is called.
 */
import type { ModelConfig } from '../config/model-config';
import { projShape } from '../planner/ggml-memory';
import type { Rng } from '../train/rng';
import type { ProjName } from './frozen-weights';
import type { HostLoraModule } from './trainer-params';

export interface HostLoraFill {
  a(length: number, inDim: number): Float32Array;
  b(length: number): Float32Array;
}

export function hostLoraModules(cfg: ModelConfig, r: number, projNames: readonly ProjName[], fill: HostLoraFill, scale = 2): HostLoraModule[] {
  const out: HostLoraModule[] = [];
  for (let layer = 0; layer < cfg.numLayers; layer++) {
    for (const proj of projNames) {
      const [outDim, inDim] = projShape(cfg, proj);
      const a = fill.a(r * inDim, inDim);
      out.push({ key: `layers.${layer}.${proj}`, layer, proj, r, inDim, outDim, scale, a, b: fill.b(outDim * r) });
    }
  }
  return out;
}

/** PEFT's init with a seeded stream: A uniform in ±1/√in, B zero (so the first step's policy is the base). */
export function peftInitFill(rng: Rng): HostLoraFill {
  return {
    a: (n, inDim) => Float32Array.from({ length: n }, () => (2 * rng.nextFloat() - 1) / Math.sqrt(inDim)),
    b: (n) => new Float32Array(n),
  };
}

/** A and B both uniform in ±0.5 from one seeded stream, so the adapter changes what the model says. */
export function nonZeroFill(rng: Rng): HostLoraFill {
  const fill = (n: number) => Float32Array.from({ length: n }, () => (2 * rng.nextFloat() - 1) * 0.5);
  return { a: fill, b: fill };
}
