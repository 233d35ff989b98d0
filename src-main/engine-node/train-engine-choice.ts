/**
 * Which engine trains a run: ggml, on every backend. The old tfjs backend names (webgpu, wasm,
 * tensorflow) map to ggml backends as they do for inference (engine-node/backend-choice.ts), and the
 * choice carries that one-line notice. Pure (no engine loaded), so the main process (the wizard's
 * planner) asks it too.
 */
import type { GgmlBackendChoice } from '../engine/ggml/backend';
import { parseBackendChoice } from './backend-choice';

export interface EngineChoice {
  engine: 'ggml';
  backend: GgmlBackendChoice;
  /** "--backend wasm is a name of the old engine; using --backend cpu" when an old name was given. */
  notice?: string;
}

export function chooseTrainEngine(_method: 'lora' | 'ptuning', backend: string): EngineChoice {
  let notice: string | undefined;
  const mapped = parseBackendChoice(backend, (line) => (notice = line));
  return notice ? { engine: 'ggml', backend: mapped, notice } : { engine: 'ggml', backend: mapped };
}
