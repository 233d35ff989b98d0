/**
 * Llama (transformers `LlamaAttention`/`LlamaMLP`): no bias unless `attention_bias` (q/k/v/o) or
 * `mlp_bias`; untied embeddings unless `tie_word_embeddings` (LlamaConfig defaults it to false).
 */
import type { FamilySpec } from './family';

export const llama: FamilySpec = {
  family: 'llama',
  flags: (raw) => {
    const bias = raw.attention_bias === true;
    return { qkvBias: bias, oBias: bias, mlpBias: raw.mlp_bias === true, qkNorm: false, tieByDefault: false };
  },
};
