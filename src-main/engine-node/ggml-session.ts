/**
 * What the inference commands share on the ggml engine: resolve the model folder, tokenizer, adapter
 * (LoRA unmerged, or a prefix-tuning / P-Tuning v2 prefix in the KV cache), the backend (`--backend`,
 * printed with why) and the weights type (`--weights`), reporting input problems before heavy work.
 * Used by generate, inspect logits and eval (the playground runs `tuneloom generate`).
 */
import type { ComputeBackend } from '../engine/ggml/backend';
import { parseBackendChoice } from './backend-choice';
import { GgmlCausalLM, GgmlLora, type HostPrefix } from '../engine/ggml/causal-lm';
import { parseWeightsType, type GgmlModelWeights } from '../engine/ggml/model-weights';
import type { ModelConfig } from '../engine/config/model-config';
import type { TextTokenizer } from '../engine/tokenizer/text-tokenizer';
import type { GenerationDefaults } from '../engine/generate/generation-config';
import { checkAdapterBase } from './adapter-base-check';
import { openBackend } from './ggml-runtime';
import { loadGgmlWeightsFromDir } from './ggml-load';
import { loadTokenizer, readGenerationDefaults, readLoraAdapterHost, readModelConfig } from './load-model';
import { isPrefixAdapterDir, loadPrefixAdapterFromDir } from './load-prefix-adapter';

export { parseBackendChoice } from './backend-choice';

export interface EngineInfo {
  name: 'ggml';
  version: string;
  backend: string;
  device: string;
}

export interface GgmlInferenceSession {
  model: GgmlCausalLM;
  config: ModelConfig;
  tokenizer: TextTokenizer;
  prefix?: HostPrefix;
  generation: GenerationDefaults;
  backend: ComputeBackend;
  /** One line: the backend, its device and memory, why; and the weights type. */
  reason: string;
  engine: EngineInfo;
  loadSeconds: number;
  dispose(): void;
}

export interface GgmlSessionOptions {
  model: string;
  adapter?: string;
  backend?: string;
  weights?: string;
  /** Where notices (old backend names) go: stderr in the CLI. */
  notice?: (line: string) => void;
}

export async function openGgmlInferenceSession(opts: GgmlSessionOptions): Promise<GgmlInferenceSession> {
  const t0 = performance.now();
  const notice = opts.notice ?? (() => {});
  const choice = parseBackendChoice(opts.backend, notice);
  const weightsType = opts.weights !== undefined ? parseWeightsType(opts.weights) : undefined;
  const config = readModelConfig(opts.model);
  if (opts.adapter) checkAdapterBase(opts.adapter, opts.model, config);
  const tokenizer = loadTokenizer(opts.model);
  const generation = readGenerationDefaults(opts.model, config);
  const isPrefix = opts.adapter !== undefined && isPrefixAdapterDir(opts.adapter);
  const hostLora = opts.adapter && !isPrefix ? await readLoraAdapterHost(opts.adapter, config) : undefined;
  const prefix = opts.adapter && isPrefix ? await loadPrefixAdapterFromDir(opts.adapter, config) : undefined;
  const { backend, reason } = openBackend(choice);
  let weights: GgmlModelWeights | undefined;
  let lora: GgmlLora | undefined;
  try {
    weights = await loadGgmlWeightsFromDir(opts.model, backend, { weights: weightsType, config });
    lora = hostLora ? new GgmlLora(backend, hostLora) : undefined;
  } catch (e) {
    weights?.dispose();
    backend.dispose();
    throw e;
  }
  const model = new GgmlCausalLM(weights, backend, { lora });
  const w = weights;
  return {
    model,
    config,
    tokenizer,
    prefix,
    generation,
    backend,
    reason: `${reason}; weights ${w.weights}${weightsType ? '' : ' (the most precise type that fits)'}`,
    engine: { name: 'ggml', version: backend.lib.version, backend: backend.name, device: backend.device.description },
    loadSeconds: (performance.now() - t0) / 1000,
    dispose() {
      model.dispose();
      lora?.dispose();
      w.dispose();
      backend.dispose();
    },
  };
}
