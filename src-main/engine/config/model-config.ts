/**
 * The one normalised, flat model config every engine module reads. Hugging Face `config.json`
 * quirks are resolved once, in normalise-config.ts; nothing else reads raw config keys.
 */

export type ModelFamily = 'qwen2' | 'qwen3' | 'llama';

export interface RopeConfig {
  theta: number;
  /** `default` (plain), `linear` (positions / factor), `llama3` (Llama 3.1 frequency smoothing). */
  type: 'default' | 'linear' | 'llama3';
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositions: number;
}

export interface ModelConfig {
  family: ModelFamily;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  rope: RopeConfig;
  maxPositions: number;
  tieWordEmbeddings: boolean;
  /** Bias on q/k/v projections (Qwen2: always; Llama: `attention_bias`). */
  qkvBias: boolean;
  /** Bias on o_proj (Llama's `attention_bias` covers it too; Qwen2 has none). */
  oBias: boolean;
  mlpBias: boolean;
  /** Qwen3: RMSNorm over head_dim on q and k before RoPE. */
  qkNorm: boolean;
  /** Stored dtype named by the config (informational; the engine computes in float32). */
  dtype: string;
  bosTokenId?: number;
  eosTokenIds: number[];
  padTokenId?: number;
}
