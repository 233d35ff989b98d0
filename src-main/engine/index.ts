/**
 * The engine's public API (pure TypeScript on tfjs-core; no fs, electron or database).
 * Node-side loading from folders lives in ../engine-node. See README.md in this folder.
 */
export type { ModelConfig, ModelFamily, RopeConfig } from './config/model-config';
export { normaliseConfig } from './config/normalise-config';

export { CausalLM, type ForwardOptions, type LayerContext, type PrefixKv } from './models/causal-lm';
export { loadModelWeights, checkWeights, expectedWeightShapes, disposeModelWeights, type ModelWeights, type LayerWeights, type LoadProgress } from './models/model-weights';
export { projectionShapes } from './models/family';

export { KvCache } from './nn/kv-cache';
export { linear, type LinearWeights, type LoraPair, type LinearDropout } from './nn/linear';
export { rmsNorm } from './nn/rms-norm';
export { applyRope, ropeInverseFrequencies, ropeTables } from './nn/rope';
export { groupedQueryAttention } from './nn/attention';
export { buildMaskAndPositions, MASKED } from './nn/attention-mask';
export { swigluMlp } from './nn/swiglu-mlp';
export { toHost, toHostAsync } from './nn/to-host';

export { PROJECTIONS, loraModuleKey, peftKey, type LoraSet, type Projection } from './adapters/lora-set';
export { parseLoraConfig, loadPeftLora, loraScaling, disposeLoraSet, type LoraConfig } from './adapters/peft-lora';

export { readSafetensorsHeader, readTensorFloat32, serializeSafetensors, planSafetensors, encodeTensorBytes, bufferSource } from './io/safetensors';
export type { ByteSource, TensorInfo, TensorSpec, TensorToWrite, SafetensorsHeader } from './io/safetensors';
export { WeightStore, shardFilesOfIndex } from './io/weight-store';
export { decodeToFloat32, float32ToBf16Bits, type SafetensorsDtype } from './io/dtype';

export { TextTokenizer, type TokenizerFiles } from './tokenizer/text-tokenizer';
export { renderChat, parseMessages, type ChatMessage, type ChatRenderOptions } from './tokenizer/chat-template';

export { parseGenerationConfig, type GenerationDefaults } from './generate/generation-config';
export { positionStats, logSumExp, topK, type PositionStats } from './generate/logit-stats';

export { selectBackend, estimatedWasmBytes, WASM_HEAP_BUDGET, BACKEND_CHOICES, type BackendChoice, type BackendName, type BackendSelection, type SelectOptions } from './backends/select-backend';

export type { GenerateOptions, GenerateResult, SamplingOptions } from './generate/generate';
export { generate, generateAsync, nextTokenLogits, nextTokenLogitsAsync } from './generate/tfjs-generate';
export { ThinkingBudget, type ThinkingBudgetOptions } from './generate/thinking-budget';
export { SeededRng } from './generate/seeded-rng';
