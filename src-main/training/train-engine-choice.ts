/**
 * Which engine trains a run, from the backend choice alone: ggml for every backend but the legacy
 * tfjs names (webgpu, wasm, tensorflow), which still train on tfjs (docs/ARCHITECTURE.md). Pure, so
 * the main process (the wizard's planner) asks it without loading an engine.
 */
import type { GgmlBackendChoice } from '../engine/ggml/backend';

const TFJS_BACKENDS = ['webgpu', 'wasm', 'tensorflow'];

export type EngineChoice = { engine: 'ggml'; backend: GgmlBackendChoice } | { engine: 'tfjs'; backend: string; why: string };

export function chooseTrainEngine(_method: 'lora' | 'ptuning', backend: string): EngineChoice {
  if (TFJS_BACKENDS.includes(backend)) return { engine: 'tfjs', backend, why: `--backend ${backend} is a tfjs backend` };
  return { engine: 'ggml', backend: backend as GgmlBackendChoice };
}
